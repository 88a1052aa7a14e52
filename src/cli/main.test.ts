// The CLI, run as a user runs it: argv in, text or JSON out, exit codes. In-process through main()
// (the same function bin/pgolf.js calls), plus one real subprocess of the installed bin.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { fixture, needsFixtures, PROJECT_ROOT, readJsonl, SP1024_MODEL, tempDir, VAL_PREFIX_SHARD } from "../../test/support/fixtures.js";
import { pgolf } from "../../test/support/cli.js";
import { countShardTargetBytes } from "../data/bytes.js";
import { prepareCourse } from "../data/prepare.js";
import { readShard } from "../data/shard.js";
import { Byte260Tokenizer } from "../data/tokenizer/byte260.js";
import { SentencePieceTokenizer } from "../data/tokenizer/sentencepiece.js";

const fx = needsFixtures();

/** The embedded course (built offline from an npm corpus in a few seconds): its tokenizer and val shard. */
let course: Promise<{ model: string; val: string; tokensVal: number; valTableBytes: number }> | undefined;
function sotuCourse() {
  course ??= prepareCourse({ dir: tempDir() }).then((c) => ({
    model: path.join(c.dir, "tokenizers", "sotu_1024_bpe.model"),
    val: path.join(c.dir, "datasets", "sotu_sp1024", "sotu_val_000000.bin"),
    tokensVal: c.tokens_val,
    valTableBytes: c.val_table_bytes,
  }));
  return course;
}

test("shard info --json prints magic, version and token count", { timeout: 60_000 }, async () => {
  const { val, tokensVal } = await sotuCourse();
  const r = await pgolf("shard", "info", val, "--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.magic, j.version, j.tokens], [20240520, 1, tokensVal]);
});

test("shard info reads the official val shard prefix", fx, async () => {
  const j = JSON.parse((await pgolf("shard", "info", VAL_PREFIX_SHARD, "--json")).out);
  assert.deepEqual([j.magic, j.version, j.tokens], [20240520, 1, 1040298]);
});

test("data bytes counts a shard's target bytes: all of them as the course's manifest records, and per whole sequence", { timeout: 60_000 }, async () => {
  const { model, val, tokensVal, valTableBytes } = await sotuCourse();
  const all = JSON.parse((await pgolf("data", "bytes", "--model", model, "--shard", val, "--json")).out);
  assert.deepEqual([all.targets, all.bytes], [tokensVal - 1, valTableBytes]);
  const r = await pgolf("data", "bytes", "--model", model, "--shard", val, "--seq-len", "1024", "--json");
  assert.equal(r.code, 0, r.err);
  const table = SentencePieceTokenizer.fromFile(model).byteTable();
  const expected = countShardTargetBytes(val, table, 1024);
  assert.deepEqual(JSON.parse(r.out), { targets: Math.floor((tokensVal - 1) / 1024) * 1024, bytes: expected.bytes, tokens_per_byte: expected.targets / expected.bytes });
});

test("data bytes reproduces the reference byte counts", fx, async () => {
  const r = await pgolf("data", "bytes", "--model", SP1024_MODEL, "--shard", VAL_PREFIX_SHARD, "--seq-len", "1024", "--json");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { targets: 1039360, bytes: 2502627, tokens_per_byte: 1039360 / 2502627 });
  const all = JSON.parse((await pgolf("data", "bytes", "--model", SP1024_MODEL, "--shard", VAL_PREFIX_SHARD, "--json")).out);
  assert.deepEqual([all.targets, all.bytes], [1040297, 2504867]);
});

test("data bytes --docs compares canonical and byte-table counts and names the differing documents", fx, async () => {
  const r = await pgolf("data", "bytes", "--model", SP1024_MODEL, "--docs", fixture("text", "verify_docs_200.jsonl"), "--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.documents, 200);
  assert.equal(j.table_bytes, 1489418);
  assert.equal(j.table_matches_decoded, true);
  assert.ok(j.differing_count > 0 && j.differing[0].reason.includes("normalization"));
});

test("tokenizer encode prints one ids line per input, for --text and --jsonl", { timeout: 60_000 }, async () => {
  const { model, val } = await sotuCourse();
  const one = await pgolf("tokenizer", "encode", "--model", model, "--text", "Hello world 2024!", "--json");
  assert.equal(one.code, 0, one.err);
  const ids = JSON.parse(one.out).ids as number[];
  assert.ok(ids.length > 3);
  const dec = await pgolf("tokenizer", "decode", "--model", model, "--ids", ids.join(","), "--json");
  assert.equal(JSON.parse(dec.out).text, "Hello world 2024!");

  // --jsonl: one line per document, each the library's encoding of it
  const tok = SentencePieceTokenizer.fromFile(model);
  const texts = ["Fellow-Citizens of the Senate", "  two  spaces\tand a tab ", "café 東京 🙂", tok.decode([...readShard(val).subarray(1, 200)])];
  const jsonl = path.join(tempDir(), "texts.jsonl");
  fs.writeFileSync(jsonl, texts.map((text) => JSON.stringify({ text })).join("\n") + "\n");
  const r = await pgolf("tokenizer", "encode", "--model", model, "--jsonl", jsonl);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split("\n").map((l) => JSON.parse(l).ids), texts.map((t) => tok.encode(t)));
});

test("tokenizer encode --jsonl gives the real SentencePiece's ids with the official sp1024 model", fx, async () => {
  const cases = readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl"));
  const r = await pgolf("tokenizer", "encode", "--model", SP1024_MODEL, "--jsonl", fixture("reference", "sp1024_encode_edge_cases.jsonl"));
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n").map((l) => JSON.parse(l).ids);
  assert.deepEqual(lines, cases.map((c) => c.ids));
});

test("tokenizer encode also takes the reference's byte260 JSON tokenizer", async () => {
  const dir = tempDir();
  const file = path.join(dir, "fineweb_pure_byte_260.json");
  fs.writeFileSync(file, new Byte260Tokenizer().toJsonText());
  const r = await pgolf("tokenizer", "encode", "--model", file, "--text", "Hé!", "--json");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).ids, [...Buffer.from("Hé!", "utf8")].map((b) => b + 4));
});

test("usage errors exit 2 with a stable code; data errors exit 1 and name the file", async () => {
  const bad = await pgolf("shard", "info", "--frobnicate", "x", "--json");
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.out).error.code, "PGOLF_USAGE");
  const unknown = await pgolf("nonsense");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /PGOLF_USAGE .*unknown command/);
  const dir = tempDir();
  const f = path.join(dir, "junk.bin");
  fs.writeFileSync(f, Buffer.alloc(2048, 7));
  const junk = await pgolf("shard", "info", f, "--json");
  assert.equal(junk.code, 1);
  const e = JSON.parse(junk.out).error;
  assert.equal(e.code, "PGOLF_SHARD_MAGIC");
  assert.equal(e.file, f);
  assert.ok(e.fix.length > 0);
});

test("help lists every command", async () => {
  const r = await pgolf("help");
  assert.equal(r.code, 0);
  for (const c of ["run", "init", "train", "bench train", "data prepare", "data fetch", "data build", "data verify", "data bytes", "shard info", "tokenizer encode", "tokenizer train"]) {
    assert.ok(r.out.includes(`pgolf ${c}`), c);
  }
});

test("the installed bin runs as a real process", { skip: fs.existsSync(path.join(PROJECT_ROOT, "dist/cli/main.js")) ? undefined : "dist/ not built (npm ci or npm run build builds it)" }, () => {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin/pgolf.js"), "--version"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).version);
});

test("pack, eval, submit and check from the command line, with --json", { timeout: 180_000 }, async () => {
  const work = tempDir();
  const entry = path.join(work, "entry");
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), entry, { recursive: true });
  const data = path.join(work, "data");
  assert.equal((await pgolf("data", "prepare", "--dir", data, "--json")).code, 0);
  const train = await pgolf("train", entry, "--dir", data, "--seeds", "1,2", "--minutes", "0.05", "--out", path.join(work, "runs"), "--json");
  assert.equal(train.code, 0, train.err);
  const artifact = path.join(work, "runs", "seed_1", "artifact.bin");

  const pack = await pgolf("pack", entry, "--artifact", artifact, "--out", path.join(work, "e.pgpack"), "--json");
  assert.equal(pack.code, 0, pack.err);
  const p = JSON.parse(pack.out);
  assert.equal(p.bytes_total, p.bytes_code + p.bytes_model);
  assert.equal(p.within_cap, true);
  assert.deepEqual(p.files.map((f: { path: string }) => f.path), ["config.json", "entry.ts"]);

  const ev = await pgolf("eval", path.join(work, "e.pgpack"), "--dir", data, "--max-targets", "8192", "--probes", "1", "--json");
  assert.equal(ev.code, 0, ev.err);
  const e = JSON.parse(ev.out);
  for (const k of ["val_loss", "val_bpb", "eval_seconds", "bytes_code", "bytes_model", "bytes_total", "within_cap"]) assert.ok(k in e, k);
  assert.equal(e.checks.causality.probes, 1);
  assert.equal(e.bytes_total, p.bytes_total);

  const rec = path.join(work, "record");
  const sub = await pgolf("submit", path.join(work, "runs"), "--out", rec, "--author", "T", "--name", "Unigram", "--technique", "ttt", "--json");
  assert.equal(sub.code, 0, sub.err);
  assert.equal(JSON.parse(sub.out).submission.seeds.length, 2);
  const chk = await pgolf("check", rec, "--json");
  assert.equal(chk.code, 0, chk.err);
  const c = JSON.parse(chk.out).records[0];
  assert.equal(c.format, "pgolf");
  assert.equal(c.seeds.length, 2);
  assert.deepEqual(c.findings.filter((f: { kind: string }) => f.kind !== "too-few-seeds"), [], JSON.stringify(c.findings));

  const bad = await pgolf("eval", entry, "--dir", data, "--json");
  assert.equal(bad.code, 1);
  assert.equal(JSON.parse(bad.out).error.code, "PGOLF_FILE_NOT_FOUND");
});
