// A real HTTP server on 127.0.0.1 whose answers a test scripts request by request, for the shared
// HTTP client's tests (retries, Retry-After, resume): `handler` gets each request with its index
// (0, 1...) and answers it; every request is logged with its arrival time.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** performance.now() at arrival. */
  at: number;
}

export type ScriptedHandler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** Runs `fn` with a server answering by `handler`, and always closes it (dropping open connections). */
export async function withScriptedServer<T>(handler: ScriptedHandler, fn: (url: string, log: ScriptedRequest[]) => Promise<T>): Promise<T> {
  const log: ScriptedRequest[] = [];
  const server = http.createServer((req, res) => {
    log.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, at: performance.now() });
    handler(req, res, log.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, log);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Answers `status` with a JSON body and extra headers. */
export function answer(res: http.ServerResponse, status: number, body: unknown = {}, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
