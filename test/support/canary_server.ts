// A real HTTP server on the host's loopback that counts connections: a confined or isolated run that
// tries to reach it must fail, and the count shows that nothing got through. Also the usual set-up of
// a test file of confined runs: the course and a canary.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before } from "node:test";
import { openCourse, type Course } from "../../src/data/course.js";
import { prepareCourse } from "../../src/data/prepare.js";

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

/**
 * For a test file of confined runs: registers before/after hooks that prepare the embedded course
 * under <work>/data and start a canary; the returned object holds both once `before` has run.
 */
export function courseAndCanary(work: string): { course: Course; canary: Canary } {
  const fx = {} as { course: Course; canary: Canary };
  before(async () => {
    fx.course = openCourse((await prepareCourse({ dir: path.join(work, "data") })).dir);
    fx.canary = await startCanary();
  });
  after(() => fx.canary?.close());
  return fx;
}
