// The verification fleet and process entries, end to end with real processes (skipped where the
// machine cannot isolate runs): a record of a Python process entry is uploaded to the contest server,
// `pgolf worker` reproduces its seed inside runIsolated (nobody, no network, cgroup limits), where the
// harness runs train_command and eval_command in their own nested namespaces (--require-confinement),
// and the reproduced val_bpb is recorded. Records whose code was swapped for a malicious variant after
// scoring (same bytes, so the intake's checks pass) fail verification: a socket to a real HTTP server
// on the host (which sees no connection), a fork bomb (held by the cgroup's pids limit, ending with a
// clear error), a read of the validation shard (hidden). Their jobs fail and no result is recorded.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { fastRecord } from "../../test/support/fast_record.js";
import { processEntryConfig, pythonProcessEntry } from "../../test/support/process_entry.js";
import { openCourse } from "../data/course.js";
import type { SeedRun } from "../eval/run_seeds.js";
import { declarePrivateValidation } from "../../test/support/contest_api.js";
import { startContestServer, type ContestServer } from "./contest_server.js";
import { isolationSupport } from "./isolation.js";
import { uploadRecord } from "./upload_client.js";
import { runWorker } from "./worker.js";

const support = isolationSupport();
const opts = { skip: support.ok ? undefined : `isolation unavailable: ${support.problems.join("; ")}`, timeout: 300_000 };
const work = tempDir();
const MINUTES = 0.5;
let contest: ContestServer;
let base = "";
let hostile: http.Server;
let hostilePort = 0;
let connections = 0;
let record = "";
let run: SeedRun;

async function api(method: string, p: string, token: string | null, body?: unknown): Promise<any> {
  const res = await fetch(base + p, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return res.status === 204 ? null : res.json();
}

before(async () => {
  if (!support.ok) return;
  fs.chmodSync(work, 0o755); // the sandbox user must reach the worker's folders
  hostile = http.createServer((_req, res) => res.end("leaked"));
  hostile.on("connection", () => connections++);
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  hostilePort = (hostile.address() as AddressInfo).port;
  // one failed attempt is final, so a malicious job ends failed rather than waiting for a retry
  contest = await startContestServer({ data: path.join(work, "contest"), databaseUrl: "", queue: { retryLimit: 0 } });
  await new Promise<void>((r) => contest.server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(contest.server.address() as AddressInfo).port}`;
  await declarePrivateValidation(base, contest.adminToken!); // sotu-sp1024 on a ranked track (course_rule.ts)
});

after(async () => {
  if (!support.ok) return;
  await contest.close();
  hostile.close();
});

test("a Python process-entry record is reproduced by pgolf worker in an isolated run, and its val_bpb recorded", opts, async () => {
  const made = await fastRecord({ work, tag: "py", seeds: [7], name: "Python bigram", minutes: MINUTES, make: pythonProcessEntry });
  [run] = made.runs;
  record = made.record;
  const alice = (await api("POST", "/api/users", contest.adminToken, { handle: "alice" })).token as string;
  const worker = (await api("POST", "/api/users", contest.adminToken, { handle: "box-1", role: "worker" })).token as string;
  const sub = await uploadRecord(base, alice, record);
  assert.equal(sub.status, "queued", JSON.stringify(sub.findings));

  const lines: string[] = [];
  const t0 = performance.now();
  const r = await runWorker({ server: base, token: worker, workDir: path.join(work, "worker"), once: true, minutes: MINUTES, say: (l) => lines.push(l) });
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(r, { jobs: 1, failed: 0 }, lines.join("\n"));
  assert.equal((await api("GET", `/api/submissions/${sub.id}`, alice)).status, "verified");
  const res = await contest.contest!.db.query<{ val_bpb: number; seed: number; worker: string; artifact_sha256: string }>(`SELECT val_bpb, seed, worker, artifact_sha256 FROM results WHERE submission_id = $1`, [sub.id]);
  assert.equal(res.rows.length, 1);
  assert.deepEqual([res.rows[0].seed, res.rows[0].worker], [7, "box-1"]);
  // a deterministic trainer and the same evaluator: the reproduction is the claim, to the bit
  assert.equal(res.rows[0].artifact_sha256, run.artifact_sha256);
  assert.ok(Math.abs(res.rows[0].val_bpb - run.val_bpb) < 1e-9, `${res.rows[0].val_bpb} vs ${run.val_bpb}`);
  console.log(`worker reproduced the Python entry's val_bpb ${res.rows[0].val_bpb.toFixed(6)} (claimed ${run.val_bpb.toFixed(6)}) in ${seconds.toFixed(1)} s`);
});

test("malicious process-entry records fail verification: socket, fork bomb, validation read; jobs failed, nothing recorded", opts, async (t) => {
  if (!record) return t.skip("needs the record of the first test");
  const course = openCourse(path.join(work, "course", "sotu-sp1024"));
  // where the worker's own course keeps the validation shard (the worker prepares it under workDir/data)
  const workerVal = path.join(work, "worker", "data", "sotu-sp1024", path.relative(course.dir, course.valFiles[0]));
  assert.ok(fs.existsSync(workerVal), "the worker's validation shard is there, outside the entry's namespace");
  const variants: Record<string, { settings: Record<string, unknown>; why: RegExp }> = {
    socket: { settings: { mode: "socket", port: hostilePort }, why: /Network is unreachable/ },
    forker: { settings: { mode: "forker" }, why: /fork refused after \d+ processes: \[Errno 11\] Resource temporarily unavailable/ },
    reader: { settings: { mode: "reader", path: workerVal }, why: /train could not read the validation shard .*No such file or directory/ },
  };
  const mallory = (await api("POST", "/api/users", contest.adminToken, { handle: "mallory" })).token as string;
  const worker = (await api("POST", "/api/users", contest.adminToken, { handle: "box-2", role: "worker" })).token as string;
  const ids = new Map<string, string>();
  for (const [mode, v] of Object.entries(variants)) {
    const dir = path.join(work, `record-${mode}`);
    fs.cpSync(record, dir, { recursive: true });
    const config = processEntryConfig(v.settings);
    assert.equal(config.length, fs.statSync(path.join(dir, "config.json")).size, "the swapped code counts the same bytes");
    fs.writeFileSync(path.join(dir, "config.json"), config);
    const sub = await uploadRecord(base, mallory, dir);
    assert.equal(sub.status, "queued", JSON.stringify(sub.findings));
    ids.set(sub.id, mode);
  }

  const lines: string[] = [];
  const t0 = performance.now();
  const r = await runWorker({ server: base, token: worker, workDir: path.join(work, "worker"), once: true, minutes: MINUTES, say: (l) => lines.push(l) });
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(r, { jobs: 0, failed: 3 }, lines.join("\n"));
  for (const [id, mode] of ids) {
    const line = lines.find((l) => l.startsWith(`submission ${id} `)) ?? "";
    assert.match(line, /failed: /, `${mode}: ${lines.join("\n")}`);
    assert.match(line, variants[mode].why, `${mode}: ${line}`);
    const n = await contest.contest!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM results WHERE submission_id = $1`, [id]);
    assert.equal(n.rows[0].n, 0, `${mode}: no result is recorded`);
    assert.notEqual((await api("GET", `/api/submissions/${id}`, null)).status, "verified");
  }
  const stats = await contest.contest!.jobs!.stats();
  assert.equal(stats.failed, 3, JSON.stringify(stats));
  assert.equal(connections, 0, "the host's server saw no connection");
  console.log(`three malicious records failed verification in ${seconds.toFixed(1)} s:\n${lines.join("\n")}`);
});
