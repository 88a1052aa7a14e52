// Attacks written by people who had not read pgolf's code (only its README, docs, templates and type
// declarations), against pgolf as it stood before the sandbox, the harness-owned numbers and the
// two-instance probes: 12 on the scoring path (scoring-*) and 20 on the sandbox, the size rule, time
// and result integrity (sandbox-*). Each folder's README.md is its author's account: the idea, and
// what it got before. Against the real harness, sandbox and evaluator now, each must end in a coded
// refusal, or gain nothing over the honest model it is built on. Binaries the authors shipped
// (escape.node) are replaced here by a real compiled addon; files they generated (the memorized
// validation tokens, the file-name payload) are generated here the same way.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { brotliCompressSync, constants as zc } from "node:zlib";
import { after, before, test } from "node:test";
import { courseAndCanary } from "../support/canary_server.js";
import { rejectsWith } from "../support/errors.js";
import { PROJECT_ROOT, tempDir } from "../support/fixtures.js";
import { sha256 } from "../../src/core/hash.js";
import { track } from "../../src/core/track.js";
import { readValTokens } from "../../src/data/course.js";
import { sandboxSupport } from "../../src/entry/sandbox.js";
import { runSeeds, scoreArtifact, type SeedRun } from "../../src/eval/run_seeds.js";
import { checkRecords } from "../../src/submission/check.js";
import { readRecord } from "../../src/submission/read_record.js";
import { writeRecord } from "../../src/submission/record.js";

const work = tempDir();
const LOCAL = track("cpu-10min-2mb");
const support = sandboxSupport();
const sandboxed = support.ok ? {} : { skip: `no sandbox here: ${support.problems.join("; ")}` };
const fx = courseAndCanary(work);
const HERE = path.join(PROJECT_ROOT, "test", "adversarial", "blind");
const QUICK = 16_384;
const ADDON_DIR = path.join(PROJECT_ROOT, "node_modules", "node-liblzma", "build", "Release");

let n = 0;
/** Attacks whose authors shipped a compiled addon (escape.node): a real one stands in for it. */
const SHIPPED_ADDON = new Set(["sandbox-02", "sandbox-19", "sandbox-20b"]);

/** A fresh copy of an attack folder: the protocol module beside Python entries, a real addon where one was shipped, config.json's settings merged. */
function attack(id: string, settings: Record<string, unknown> = {}): string {
  const dir = path.join(work, `${id}-${++n}`);
  fs.cpSync(path.join(HERE, id), dir, { recursive: true });
  if (fs.readdirSync(dir).some((f) => f.endsWith(".py"))) fs.copyFileSync(path.join(PROJECT_ROOT, "templates", "python", "pgolf_protocol.py"), path.join(dir, "pgolf_protocol.py"));
  if (SHIPPED_ADDON.has(id)) fs.copyFileSync(path.join(ADDON_DIR, fs.readdirSync(ADDON_DIR).find((f) => f.endsWith(".node"))!), path.join(dir, "escape.node"));
  const cfg = path.join(dir, "config.json");
  const config = fs.existsSync(cfg) ? (JSON.parse(fs.readFileSync(cfg, "utf8")) as Record<string, unknown>) : {};
  if (Object.keys(settings).length > 0) fs.writeFileSync(cfg, JSON.stringify({ ...config, ...settings }));
  return dir;
}

const run = (entryDir: string, o: { seeds?: number[]; minutes?: number; maxTargets?: number | null } = {}): Promise<SeedRun[]> =>
  runSeeds({ entryDir, courseDir: fx.course.dir, track: LOCAL, seeds: o.seeds ?? [1], outDir: path.join(work, `runs-${++n}`), minutes: o.minutes ?? 0.05, maxTargets: o.maxTargets === null ? undefined : (o.maxTargets ?? QUICK), strictConfinement: true });
const score = (entryDir: string, artifactFile: string) => scoreArtifact({ entryDir, artifactFile, courseDir: fx.course.dir, track: LOCAL, maxTargets: QUICK, probes: 4, strictConfinement: true });

// the honest Python bigram the scoring attacks are built on (scoring-00), trained once
let honest: SeedRun | undefined;
async function honestPy(): Promise<SeedRun> {
  honest ??= (await run(attack("scoring-00")))[0];
  return honest;
}

// a unix socket on the host, for the attack that tried to reach one from inside
let unix: { path: string; server: net.Server; connections: number } | undefined;
before(async () => {
  const p = path.join(work, "pgolf.sock");
  const u = { path: p, server: net.createServer((s) => s.end("hello")), connections: 0 };
  u.server.on("connection", () => u.connections++);
  await new Promise<void>((r) => u.server.listen(p, r));
  unix = u;
});
after(() => unix?.server.close());

test("scoring-00 (the authors' honest bigram) and the fallbacks of scoring-05, -07, -10 and sandbox-11, -12, -17: scored, and no better than honest", { ...sandboxed, timeout: 300_000 }, async () => {
  const h = await honestPy();
  assert.deepEqual(Object.values(h.eval_verdicts).map((v) => v.pass), [true, true, true, true]);
  // scoring-05 rebuilds the validation split with pgolf's own `data prepare` at evaluation: there is no pgolf in the sandbox
  const s05 = (await run(attack("scoring-05")))[0];
  assert.ok(s05.val_bpb >= h.val_bpb - 1e-9, `scoring-05 ${s05.val_bpb} vs honest ${h.val_bpb}`);
  // scoring-07 reads the validation shard through onnxruntime's external data: nothing to read; it answers uniformly
  const s07 = (await run(attack("scoring-07")))[0];
  assert.ok(s07.val_bpb > 3, `scoring-07 ${s07.val_bpb}: nothing leaked`);
  // scoring-10 and sandbox-11: a decoy seed rewrites the other seeds' results; every seed keeps its own, honest score
  const s10 = await run(attack("scoring-10"), { seeds: [1, 2, 4] });
  for (const r of s10) assert.ok(Math.abs(r.val_bpb - h.val_bpb) < 1e-9, `scoring-10 seed ${r.seed}: ${r.val_bpb}`);
  const s11 = await run(attack("sandbox-11"), { seeds: [1, 4] });
  assert.equal(s11[0].val_bpb, s11[1].val_bpb, "sandbox-11: the forger seed changed nothing of seed 1");
  assert.ok(s11[0].val_bpb > 3, "sandbox-11: no forged score");
  // sandbox-12 trojans the install, sandbox-17 reads uncounted files: neither is there to touch or read
  const version = path.join(PROJECT_ROOT, "dist", "core", "version.js");
  const before = sha256(fs.readFileSync(version));
  const s12 = (await run(attack("sandbox-12")))[0];
  assert.equal(sha256(fs.readFileSync(version)), before, "sandbox-12: the install is unchanged");
  assert.ok(s12.val_bpb > 3);
  const s17 = (await run(attack("sandbox-17")))[0];
  assert.ok(s17.val_bpb > 3, `sandbox-17 ${s17.val_bpb}: no uncounted payload was readable`);
});

for (const [id, what] of [
  ["scoring-01", "a Python model remembering its answers to defeat probes of the same chunk"],
  ["scoring-02", "a windowed TS model remembering answers by a hash of the window's prefix"],
  ["scoring-03", "a stateless Python peek of 4.8e-4, inside the old tolerance"],
  ["sandbox-16", "a TS model peeking at the target with a memo of earlier answers"],
] as const) {
  test(`${id}, ${what}: EVAL_CAUSALITY`, { ...sandboxed, timeout: 180_000 }, async () => {
    await rejectsWith(run(attack(id)), "EVAL_CAUSALITY");
  });
}

test("scoring-04, distribution and frame fuzzing: every malformed answer is refused; the legal oddities gain nothing", { ...sandboxed, timeout: 300_000 }, async () => {
  const trained = await run(attack("scoring-04", { mode: "honest" }));
  const h = trained[0];
  const refused: Record<string, string[]> = {
    slack: ["EVAL_DISTRIBUTION"],
    nan: ["EVAL_DISTRIBUTION"],
    posinf: ["EVAL_DISTRIBUTION"],
    neginf: ["EVAL_DISTRIBUTION"],
    short: ["EVAL_PROTOCOL", "EVAL_DISTRIBUTION"],
    long: ["EVAL_PROTOCOL", "EVAL_DISTRIBUTION"],
    liar_n: ["EVAL_PROTOCOL"],
    double: ["EVAL_PROTOCOL"],
    badchunk: ["EVAL_PROTOCOL"],
  };
  for (const [mode, codes] of Object.entries(refused)) {
    const e = await score(attack("scoring-04", { mode }), h.artifact).then(
      () => null,
      (x: Error & { code?: string }) => x,
    );
    assert.ok(e && codes.includes(e.code!.replace(/^PGOLF_/, "")), `mode ${mode}: ${e?.message ?? "scored"}`);
  }
  // a -0.0 where +0.0 would be: the same value, the same score
  const nz = await score(attack("scoring-04", { mode: "nz_peek" }), h.artifact).catch((x: Error & { code?: string }) => x);
  if (nz instanceof Error) assert.match(nz.code!, /EVAL_/);
  else assert.ok(nz.val_bpb >= h.val_bpb - 1e-9, `nz_peek: ${nz.val_bpb} vs honest ${h.val_bpb}`);
  // -3.4e38 (finite: probability 0) for the last token, the rest renormalized: a legal model, scored as one
  const huge = await score(attack("scoring-04", { mode: "hugeneg" }), h.artifact);
  assert.ok(Number.isFinite(huge.val_bpb) && Math.abs(huge.val_bpb - h.val_bpb) < 0.01, `hugeneg: ${huge.val_bpb} vs honest ${h.val_bpb}`);
});

test("validation leaks: node_modules (scoring-06, sandbox-01), a rebuild inside the sandbox (sandbox-13), a cache across sessions (scoring-11)", { ...sandboxed, timeout: 300_000 }, async () => {
  await rejectsWith(run(attack("scoring-06")), "ENTRY_ACCESS", (e) => assert.match(e.message, /@stdlib\/datasets-sotu/));
  await rejectsWith(run(attack("sandbox-01")), "ENTRY_ACCESS");
  await rejectsWith(run(attack("sandbox-13")), "ENTRY_CRASHED");
  await rejectsWith(run(attack("scoring-11")), "ENTRY_ACCESS", (e) => assert.match(e.message, /Read-only file system/));
});

test("size: a network side channel (sandbox-03), a unix socket (sandbox-04), /var/tmp and /dev/shm (scoring-09, sandbox-06), onnxruntime's files (scoring-12), file names (sandbox-05)", { ...sandboxed, timeout: 300_000 }, async () => {
  await rejectsWith(run(attack("sandbox-03", { server: `http://127.0.0.1:${fx.canary.port}` })), "ENTRY_ACCESS", (e) => assert.match(e.message, /network/));
  assert.equal(fx.canary.connections(), 0);
  await rejectsWith(run(attack("sandbox-04", { socket: unix!.path })), "ENTRY_CRASHED", (e) => assert.match(e.message, /No such file or directory/));
  assert.equal(unix!.connections, 0, "the host's unix socket saw nothing");
  await rejectsWith(run(attack("scoring-09")), "ENTRY_ACCESS");
  await rejectsWith(run(attack("sandbox-06")), "ENTRY_CRASHED", (e) => assert.match(e.message, /pgatk_persist_state/));
  await rejectsWith(run(attack("scoring-12")), "ENTRY_CRASHED");
  // sandbox-05's generator wrote 821 empty files whose names carry the weights; the same shape here
  const names = attack("sandbox-05");
  fs.mkdirSync(path.join(names, "s"));
  for (let i = 0; i < 821; i++) fs.writeFileSync(path.join(names, "s", `${String(i).padStart(5, "0")}br${"A".repeat(245)}`), "");
  await rejectsWith(run(names), "ENTRY_FILES");
});

test("native code: an addon reading the shard (sandbox-02), a daemon outliving training (sandbox-19), an artifact swap (sandbox-20b): ENTRY_NATIVE_CODE", { ...sandboxed, timeout: 120_000 }, async () => {
  for (const id of ["sandbox-02", "sandbox-19", "sandbox-20b"]) await rejectsWith(run(attack(id)), "ENTRY_NATIVE_CODE");
  assert.ok(!fs.existsSync("/tmp/pgatk_daemon_model.f32.log"), "no daemon ran");
});

test("time and results: a forged checkpoint clock (sandbox-07, -07b), work at import (sandbox-09), forged lines (sandbox-15), an artifact swap (sandbox-20), an unmask (sandbox-21) fail; a patched clock (sandbox-08) is measured and cannot be a record", { ...sandboxed, timeout: 300_000 }, async () => {
  for (const id of ["sandbox-07", "sandbox-07b", "sandbox-09", "sandbox-15", "sandbox-20", "sandbox-21"]) {
    const e = await run(attack(id)).then(
      () => null,
      (x: Error & { code?: string }) => x,
    );
    assert.ok(e && /^(PGOLF_)?ENTRY_(CRASHED|ACCESS)$/.test(e.code!), `${id}: ${e?.message ?? "it was scored"}`);
  }
  const patched = await runSeeds({ entryDir: attack("sandbox-08", { slowdown: 6 }), courseDir: fx.course.dir, track: LOCAL, seeds: [1], outDir: path.join(work, "clock-patch"), minutes: 0.05, strictConfinement: true });
  assert.equal(patched[0].within_time, false, `the harness measured ${patched[0].train_seconds} s for a 3 s cap`);
  assert.throws(() => writeRecord({ seedDirs: [path.join(work, "clock-patch", "seed_1")], outDir: path.join(work, "clock-record"), author: "a", name: "clock" }), (e: Error & { code?: string }) => e.code === "RECORD_INELIGIBLE");
});

test("scoring-08, the public validation text memorized in the code: on a practice course it scores; pgolf check finds the score implausible against an honest record", { ...sandboxed, timeout: 600_000 }, async () => {
  // the authors' make_val.mjs rebuilt the validation tokens from the public corpus; the same tokens here
  const dir = attack("scoring-08");
  const br = brotliCompressSync(Buffer.from(new Uint16Array(readValTokens(fx.course)).buffer), { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 24 } });
  fs.writeFileSync(path.join(dir, "val_tokens.ts"), `export const VAL_BR_B64 = "${br.toString("base64")}";\n`);
  const root = path.join(work, "records");
  const honestRuns = await run(path.join(PROJECT_ROOT, "test", "entries", "ts_bigram"), { seeds: [1, 2, 3], maxTargets: null, minutes: 0.1 });
  writeRecord({ seedDirs: honestRuns.map((r) => path.dirname(r.log)), outDir: path.join(root, "2026-12-01_honest"), author: "h", name: "honest bigram", date: new Date("2026-12-01T00:00:00Z") });
  const memo = await run(dir, { seeds: [1, 2, 3], maxTargets: null });
  assert.ok(memo[0].val_bpb < 0.01, "the memorized text scores near 0 where it is public: a practice course");
  writeRecord({ seedDirs: memo.map((r) => path.dirname(r.log)), outDir: path.join(root, "2026-12-02_memorized"), author: "m", name: "memorized", date: new Date("2026-12-02T00:00:00Z") });
  const checked = checkRecords(fs.readdirSync(root).map((d) => readRecord(path.join(root, d))));
  const flagged = checked.find((r) => r.id === "2026-12-02_memorized")!;
  assert.ok(flagged.findings.some((f) => f.kind === "implausible-score" && f.severity === "error"), JSON.stringify(flagged.findings.map((f) => f.kind)));
});
