// Course safety on real courses: the embedded sotu-sp1024 (built here from its npm corpus) is a
// practice course on every track, with its bound measured over the text and the tokens; a course of
// high-entropy text is safe under a small cap and not under a large one; a stopped measurement still
// decides every cap it covers; a validation shard that does not match its manifest is not measured;
// `pgolf data verify` reports the verdicts.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { pgolf } from "../../test/support/cli.js";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { mulberry32 } from "../core/random.js";
import { TRACKS, type Track } from "../core/track.js";
import { buildCourse } from "./build.js";
import { compressedSize } from "./compressed_size.js";
import { openCourse, readValTokens } from "./course.js";
import { courseSafety, describeSafety, memorizationBound, safetyOn, trackVerdicts } from "./course_safety.js";
import { filesOf } from "./manifest.js";
import { prepareCourse } from "./prepare.js";

const work = tempDir();
const capTrack = (name: string, maxBytes: number, trainSeconds: number | null = 600): Track => ({ ...TRACKS["cpu-10min-2mb"], name, maxBytes, trainSeconds });

/** A course whose documents are random letters (about 4.7 bits each): it compresses poorly. Built once. */
let noise: Promise<string> | undefined;
function noiseCourse(): Promise<string> {
  noise ??= buildNoiseCourse();
  return noise;
}
async function buildNoiseCourse(): Promise<string> {
  const rng = mulberry32(7);
  const letters = "abcdefghijklmnopqrstuvwxyz ";
  const documents = Array.from({ length: 24 }, (_, i) => ({ id: `n${i}`, text: Array.from({ length: 6000 }, () => letters[Math.floor(rng() * letters.length)]).join("") }));
  const r = await buildCourse({ name: "noise", dir: path.join(work, "noise"), documents, split: { kind: "last", count: 6 }, vocabSize: 300, tokenizerName: "noise_300_bpe", datasetName: "noise_sp300", shardPrefix: "noise", source: { kind: "test" } });
  return r.dir;
}

test("sotu-sp1024 is a practice course on every track: its validation split compresses far under every cap", { timeout: 180_000 }, async () => {
  const dir = (await prepareCourse({ dir: path.join(work, "sotu") })).dir;
  const s = await courseSafety(dir);
  const b = s.bound;
  assert.equal(s.course, "sotu-sp1024");
  assert.equal(b.val_docs, 23);
  assert.equal(b.val_tokens, openCourse(dir).manifest.datasets[0].stats.tokens_val);
  assert.equal(b.token_bytes, 2 * b.val_tokens);
  // the text the tokens spell is about the raw speeches' size (1,052,011 bytes), separators included
  assert.ok(Math.abs(b.text_bytes - 1_052_011) < 2_000, String(b.text_bytes));
  // both representations, both codecs, all complete; the bound is the smallest of the four
  assert.deepEqual(b.sizes.map((x) => `${x.input}/${x.codec}/${x.complete}`).sort(), ["text/brotli/true", "text/xz/true", "tokens/brotli/true", "tokens/xz/true"]);
  assert.equal(b.bound.bytes, Math.min(...b.sizes.map((x) => x.bytes)));
  assert.equal(b.bound.bytes, Math.min(b.text.bytes, b.tokens.bytes));
  assert.ok(b.bound.exact && b.text.exact && b.tokens.exact);
  // measured: 258,004 bytes (xz over the tokens); a quarter of a megabyte, whatever the codec versions
  assert.ok(b.bound.bytes > 200_000 && b.bound.bytes < 320_000, String(b.bound.bytes));
  for (const t of Object.values(TRACKS)) {
    const v = safetyOn(s, t.name);
    assert.equal(v.safe, false, t.name);
    assert.equal(v.verdict, "not safe for ranked play");
    assert.equal(v.carry_fraction, 1);
    assert.equal(v.cap_bytes, t.maxBytes);
  }
  assert.equal(s.practice, true);
  assert.match(describeSafety(s).join("\n"), /cpu-10min-2mb: cap 2\.000 MB, bound 0\.2\d\d MB: not safe for ranked play \(a practice course on this track\)/);
  throwsCode(() => safetyOn(s, "no-such-track"), "CONFIG_INVALID");

  // `pgolf data verify` reports it, in --json and for people
  const json = await pgolf("data", "verify", dir, "--json");
  assert.equal(json.code, 0, json.err);
  const report = JSON.parse(json.out);
  assert.equal(report.safety.bound.bound.bytes, b.bound.bytes);
  assert.deepEqual(report.safety.tracks.map((t: { verdict: string }) => t.verdict), Object.values(TRACKS).map(() => "not safe for ranked play"));
  const human = await pgolf("data", "verify", dir);
  assert.match(human.out, /memorization bound of sotu-sp1024: [\d,]+ bytes \(text [\d,]+, tokens [\d,]+/);
  assert.match(human.out, /10min-16mb: cap 16\.000 MB, .*not safe for ranked play/);
  assert.match(human.out, /sotu-sp1024 is a practice course/);
});

test("a high-entropy course is safe under a cap below its bound and not above it; a stopped measurement decides the caps it covers", { timeout: 180_000 }, async () => {
  const dir = await noiseCourse();
  const course = openCourse(dir);
  const full = await memorizationBound(course, { stopAboveBytes: Infinity });
  assert.ok(full.bound.exact);
  // 6 documents of 6,000 random letters: at least log2(27) bits a letter survive any compressor
  assert.ok(full.bound.bytes > (6 * 6000 * Math.log2(27)) / 8 * 0.95, String(full.bound.bytes));
  const small = capTrack("small-cap", Math.floor(full.bound.bytes / 2));
  const large = capTrack("large-cap", full.bound.bytes);
  const free = capTrack("unranked", Math.floor(full.bound.bytes / 2), null);
  const [s, l, f] = trackVerdicts(full, [small, large, free]);
  assert.deepEqual([s.safe, s.verdict, s.ranked], [true, "safe for ranked play", true]);
  assert.ok(Math.abs(s.carry_fraction - 0.5) < 0.01, String(s.carry_fraction));
  // bound <= cap: the whole split fits (a bound equal to the cap fits too)
  assert.deepEqual([l.safe, l.verdict, l.carry_fraction], [false, "not safe for ranked play", 1]);
  assert.equal(f.ranked, false);

  // stopped once past the small cap: not exact, yet the small cap is decided (safe), the large one is not
  const stopped = await memorizationBound(course, { tracks: [small] });
  assert.equal(stopped.stop_above_bytes, small.maxBytes);
  assert.equal(stopped.bound.exact, false);
  assert.ok(stopped.sizes.every((x) => !x.complete && x.bytes > small.maxBytes));
  assert.ok(stopped.bound.bytes <= full.bound.bytes);
  assert.equal(trackVerdicts(stopped, [small])[0].safe, true);
  throwsCode(() => trackVerdicts(stopped, [large]), "CONFIG_INVALID");
});

test("a streamed size equals the whole buffer's, and stopping reports what came out so far", async () => {
  const rng = mulberry32(3);
  const bytes = new Uint8Array(1 << 20).map(() => Math.floor(rng() * 256));
  for (const codec of ["brotli", "xz"] as const) {
    const whole = await compressedSize(bytes, codec);
    assert.equal(whole.complete, true);
    assert.ok(whole.bytes >= bytes.length, `${codec}: random bytes do not compress (${whole.bytes})`);
    const cut = await compressedSize(bytes, codec, 100_000);
    assert.equal(cut.complete, false);
    assert.ok(cut.bytes > 100_000 && cut.bytes <= whole.bytes, `${codec}: ${cut.bytes}`);
  }
});

test("a validation shard that does not match its manifest is not measured", { timeout: 120_000 }, async () => {
  const src = await noiseCourse();
  const dir = path.join(work, "tampered");
  fs.cpSync(src, dir, { recursive: true });
  const course = openCourse(dir);
  const val = path.join(dir, filesOf(course.manifest, "val")[0].path);
  const tokens = readValTokens(course);
  const bytes = fs.readFileSync(val);
  bytes.writeUInt16LE(tokens[5] === 2 ? 3 : 2, 1024 + 2 * 5); // one token changed, same size
  fs.writeFileSync(val, bytes);
  await rejectsWith(courseSafety(dir), "COURSE_VERIFY", (e) => {
    assert.equal(e.file, val);
    assert.match(e.message, /does not match the manifest's sha256/);
    assert.match(e.fix!, /pgolf data verify/);
  });
  // and `pgolf data verify` reports the problem with no safety figures
  const r = await pgolf("data", "verify", dir, "--json");
  assert.notEqual(r.code, 0);
  assert.match(r.err + r.out, /COURSE_VERIFY/);
});
