// A real HTTP server on the host's loopback that counts connections: a confined or isolated run that
// tries to reach it must fail, and the count shows that nothing got through.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Canary {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end("reachable"));
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
