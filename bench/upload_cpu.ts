// The event loop's share of one large upload: `pgolf serve --data` (embedded PGlite) in its own
// process, one account uploading a 63 MiB record pack (the original NaiveBaseline record plus 62 MiB
// of weights, unique each time) and withdrawing it, N times. For each upload: the wall time and the
// CPU time of the server's main thread (the event loop: /proc/<pid>/task/<pid>/stat) against the CPU
// time of all its threads (the intake's checking threads too). What the main thread spends here is
// what every other request waits behind.
// Run alone: node --import tsx bench/upload_cpu.ts [UPLOADS]   (build dist first: npm run build;
// PGOLF_BENCH_SERVE_FLAGS="--cpu-prof" profiles the server)
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { packRecordFiles } from "../src/artifact/pack.js";
import { startServeChild } from "./serve_child.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const record = path.resolve(root, "../shared/fixtures/pgolf-records/track_10min_16mb/2026-03-17_NaiveBaseline");

/** CPU seconds (user + system) of a process's main thread, and of all its threads. */
function cpuSeconds(pid: number): { main: number; all: number } {
  const tick = 100; // USER_HZ on Linux
  const read = (f: string) => {
    const fields = fs.readFileSync(f, "utf8").replace(/^.*\) /s, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / tick; // utime, stime (fields 14 and 15 of stat)
  };
  return { main: read(`/proc/${pid}/task/${pid}/stat`), all: read(`/proc/${pid}/stat`) };
}

function post(url: string, token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface UploadCpuResult {
  cpu: string;
  pack_mib: number;
  uploads: { status: number; wall_ms: number; main_thread_ms: number; all_threads_ms: number }[];
  median_main_thread_ms: number;
}

export async function uploadCpuBench(n = 6, say: (s: string) => void = () => {}): Promise<UploadCpuResult | null> {
  if (!fs.existsSync(record) || process.platform !== "linux") {
    say("upload CPU bench skipped: needs Linux and ../shared/fixtures/pgolf-records");
    return null;
  }
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-upload-cpu-"));
  const serve = await startServeChild(["--data", data, "--track", "10min-16mb"]);
  const child = serve.child;
  try {
    const base = serve.base;
    const hello = { admin_token: serve.adminToken };
    const json = (method: string, p: string, token: string, body: unknown) => fetch(base + p, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    // the original record plays on FineWeb; declared private, the ranked track takes it (course_rule.ts)
    await json("PATCH", "/api/admin/contest", hello.admin_token, { private_validation_courses: ["fineweb-sp1024"] });
    const user = (await (await json("POST", "/api/users", hello.admin_token, { handle: "uploader" })).json()) as { token: string };
    const files = fs.readdirSync(record).filter((f) => fs.statSync(path.join(record, f)).isFile()).map((f) => ({ path: f, data: fs.readFileSync(path.join(record, f)) }));
    const weights = randomBytes(62 * 1048576);
    const uploads: UploadCpuResult["uploads"] = [];
    let packBytes = 0;
    for (let i = 0; i < n; i++) {
      const pack = packRecordFiles([...files, { path: "README.md", data: Buffer.from(`# upload ${i} ${Math.random()}\n`) }, { path: "weights.bin", data: weights }]);
      packBytes = pack.length;
      const c0 = cpuSeconds(child.pid!);
      const t = performance.now();
      const r = await post(`${base}/api/submissions`, user.token, pack);
      const wall = performance.now() - t;
      // the answer is sent when the work is done; a moment for the last CPU ticks to be counted
      await new Promise((w) => setTimeout(w, 50));
      const c1 = cpuSeconds(child.pid!);
      uploads.push({ status: r.status, wall_ms: wall, main_thread_ms: (c1.main - c0.main) * 1000, all_threads_ms: (c1.all - c0.all) * 1000 });
      const id = (JSON.parse(r.text) as { id?: string }).id;
      if (id) await json("POST", `/api/submissions/${id}/withdraw`, user.token, {});
    }
    const mains = uploads.map((u) => u.main_thread_ms).sort((a, b) => a - b);
    const res: UploadCpuResult = { cpu: os.cpus()[0]?.model ?? "unknown", pack_mib: packBytes / 1048576, uploads, median_main_thread_ms: mains[mains.length >> 1] };
    say(`upload CPU on ${res.cpu}: ${n} uploads of a ${res.pack_mib.toFixed(0)} MiB record pack`);
    for (const u of uploads) say(`  ${u.status}: ${u.wall_ms.toFixed(0)} ms wall, main thread ${u.main_thread_ms.toFixed(0)} ms CPU, all threads ${u.all_threads_ms.toFixed(0)} ms CPU`);
    say(`  median main-thread CPU per upload: ${res.median_main_thread_ms.toFixed(0)} ms`);
    return res;
  } finally {
    await serve.stop();
    fs.rmSync(data, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await uploadCpuBench(Number(process.argv[2] ?? 6), (s) => console.log(s));
}
