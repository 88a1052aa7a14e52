// The contest's course rule against a real contest server on localhost (embedded PGlite): a
// pgolf record on the embedded sotu-sp1024 is refused on the ranked local track as a practice course
// (the server builds and measures its own copy), taken once an admin declares the validation split
// private, and taken on the non-record track; an original-format record on the ranked FineWeb track
// is refused while the server holds no FineWeb copy to measure. The rule itself on a real course
// folder: safe below its bound, practice above it, and fail-closed when the copy is not the scored one.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { api, listen } from "../../test/support/contest_api.js";
import { rejectsWith } from "../../test/support/errors.js";
import { fastRecord } from "../../test/support/fast_record.js";
import { tempDir } from "../../test/support/fixtures.js";
import { GitHubServer, pullRequestPayload, sendWebhook } from "../../test/support/github_server.js";
import { mulberry32 } from "../core/random.js";
import { TRACKS, type Track } from "../core/track.js";
import { buildCourse } from "../data/build.js";
import { openCourse } from "../data/course.js";
import { startContestServer } from "./contest_server.js";
import { checkCourseRule, CourseBounds, ORIGINAL_CONTEST_COURSE } from "./course_rule.js";
import { uploadRecord } from "./upload_client.js";

const work = tempDir();

/** One fast pgolf record on sotu-sp1024, made once for the file. */
let made: Promise<string> | undefined;
const sotuRecord = () => (made ??= fastRecord({ work, tag: "rule", seeds: [1], name: "Unigram TTT" }).then((r) => r.record));

/** An original-format record folder (the contest's JSON and one reference log), written here. */
function originalRecord(): string {
  const dir = path.join(work, "original", "2026-03-20_Synthetic");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify({ name: "Synthetic", author: "bob", github_id: "bob", date: "2026-03-20", val_bpb: 1.2243657, track: "10min_16mb" }, null, 2));
  const log = ["val_bpb:enabled tokenizer_kind=sentencepiece", "seed:1", "step:100/100 val_loss:2.0673 val_bpb:1.2244 train_time:590000ms step_avg:5900.00ms", "stopping_early: wallclock_cap train_time:590000ms step:100/100", "Total submission size int8+zlib: 15900000 bytes", "final_int8_zlib_roundtrip_exact val_loss:2.06727700 val_bpb:1.22436570"];
  fs.writeFileSync(path.join(dir, "train_seed1.log"), log.join("\n") + "\n");
  return dir;
}

test("a contest on the ranked local track refuses a sotu-sp1024 record as a practice course, until its validation split is declared private", { timeout: 300_000 }, async () => {
  const rec = await sotuRecord();
  const data = path.join(work, "local-contest");
  const s = await startContestServer({ data, databaseUrl: "" });
  const base = await listen(s);
  try {
    const admin = s.adminToken!;
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice" })).json.token as string;
    const refused = await rejectsWith(uploadRecord(base, alice, rec, { attempts: 1 }), "CONTEST_PRACTICE_COURSE");
    assert.equal(refused.details?.status, 422);
    assert.match(refused.message, /^sotu-sp1024 is a practice course on cpu-10min-2mb: its validation split compresses to [\d,]+ bytes \((xz|brotli) over the (tokens|text)\), within the track's 2,000,000-byte cap, so an entry could carry it/);
    assert.match(refused.fix!, /private_validation_courses/);
    // nothing was stored; the server built and measured its own copy of the course
    assert.deepEqual((await api(base, "GET", "/api/submissions", alice)).json, []);
    assert.equal(openCourse(path.join(data, "courses", "sotu-sp1024")).name, "sotu-sp1024");

    // the rule is declared once in the contest config: checked, admins only, audited
    const rules = (await api(base, "GET", "/api/admin/contest", admin)).json;
    assert.deepEqual(rules.private_validation_courses, []);
    assert.equal((await api(base, "PATCH", "/api/admin/contest", alice, { private_validation_courses: ["sotu-sp1024"] })).status, 403);
    for (const bad of ["sotu-sp1024", ["../etc"], [42]]) {
      const r = await api(base, "PATCH", "/api/admin/contest", admin, { private_validation_courses: bad });
      assert.deepEqual([r.status, r.json.error.code], [400, "PGOLF_CONFIG_INVALID"], JSON.stringify(bad));
    }
    assert.equal((await api(base, "PATCH", "/api/admin/contest", admin, { private_courses: ["x"] })).json.error.code, "PGOLF_CONFIG_UNKNOWN_KEY");
    const changed = (await api(base, "PATCH", "/api/admin/contest", admin, { private_validation_courses: ["sotu-sp1024", "sotu-sp1024"] })).json;
    assert.deepEqual(changed.private_validation_courses, ["sotu-sp1024"]);
    assert.deepEqual(changed.screening, rules.screening, "other rules are kept");

    // taken now (its findings, whatever they are, are for screening and review)
    const sub = await uploadRecord(base, alice, rec, { attempts: 1 });
    assert.match(sub.status, /^(queued|checked|changes-requested)$/);
    assert.equal((await api(base, "GET", "/api/submissions", alice)).json.length, 1);
    const trail = await s.contest!.auditTrail(`submission:${sub.id}`);
    assert.deepEqual((trail[0].details as { course: unknown }).course, { name: "sotu-sp1024", rule: "private" });
  } finally {
    await s.close();
  }
  // the declaration is stored: it holds after a restart
  const again = await startContestServer({ data, databaseUrl: "" });
  try {
    assert.deepEqual((await again.contest!.settings()).private_validation_courses, ["sotu-sp1024"]);
  } finally {
    await again.close();
  }
});

test("the non-record track takes a practice course; a ranked FineWeb contest without a FineWeb copy refuses original records, fail-closed", { timeout: 300_000 }, async () => {
  const rec = await sotuRecord();
  const open = await startContestServer({ data: path.join(work, "open-contest"), track: "non-record-16mb", databaseUrl: "" });
  let base = await listen(open);
  try {
    const alice = (await api(base, "POST", "/api/users", open.adminToken, { handle: "alice" })).json.token as string;
    const sub = await uploadRecord(base, alice, rec, { attempts: 1 });
    assert.equal(((await open.contest!.auditTrail(`submission:${sub.id}`))[0].details as { course: { rule: string } }).course.rule, "unranked");
    assert.ok(!fs.existsSync(path.join(work, "open-contest", "courses")), "nothing measured for an unranked track");
  } finally {
    await open.close();
  }

  const ranked = await startContestServer({ data: path.join(work, "fineweb-contest"), track: "10min-16mb", databaseUrl: "" });
  base = await listen(ranked);
  try {
    const admin = ranked.adminToken!;
    const bob = (await api(base, "POST", "/api/users", admin, { handle: "bob" })).json.token as string;
    const refused = await rejectsWith(uploadRecord(base, bob, originalRecord(), { attempts: 1 }), "CONTEST_COURSE_UNMEASURED");
    assert.equal(refused.details?.status, 422);
    assert.match(refused.message, new RegExp(`^${ORIGINAL_CONTEST_COURSE} cannot be checked for ranked play on 10min-16mb: the server holds no copy of ${ORIGINAL_CONTEST_COURSE} in its course folder, so its memorization bound is unknown$`));
    assert.match(refused.fix!, /pgolf data fetch.*private_validation_courses/);
    await api(base, "PATCH", "/api/admin/contest", admin, { private_validation_courses: [ORIGINAL_CONTEST_COURSE] });
    const sub = await uploadRecord(base, bob, originalRecord(), { attempts: 1 });
    assert.equal(sub.status, "checked", JSON.stringify(sub.findings));
    assert.deepEqual(((await ranked.contest!.auditTrail(`submission:${sub.id}`))[0].details as { course: unknown }).course, { name: ORIGINAL_CONTEST_COURSE, rule: "private" });
  } finally {
    await ranked.close();
  }
});

test("the rule on a real course folder: safe below the bound, practice above it, fail-closed on a copy that is not the scored course", { timeout: 180_000 }, async () => {
  const courses = path.join(work, "server-courses");
  const rng = mulberry32(11);
  const letters = "abcdefghijklmnopqrstuvwxyz ";
  const documents = Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, text: Array.from({ length: 5000 }, () => letters[Math.floor(rng() * letters.length)]).join("") }));
  const built = await buildCourse({ name: "noise", dir: courses, documents, split: { kind: "last", count: 5 }, vocabSize: 300, tokenizerName: "noise_300_bpe", datasetName: "noise_sp300", shardPrefix: "noise", source: { kind: "test" } });
  const sha = openCourse(built.dir).manifestSha256;
  const bounds = new CourseBounds(courses);
  const course = { name: "noise", manifest_sha256: sha };
  const ranked = (name: string, maxBytes: number): Track => ({ ...TRACKS["cpu-10min-2mb"], name, maxBytes });
  const found = await bounds.lookup(course);
  assert.ok("safety" in found);
  const bound = found.safety.bound.bound.bytes;
  assert.ok(bound > 15_000 && bound < 2_000_000, String(bound));

  // measured once; each contest's track is judged on its own cap
  const tiny = ranked("tiny-cap", Math.floor(bound / 2));
  const outcome = await checkCourseRule({ track: tiny, course, privateCourses: [], bounds });
  assert.equal(outcome.allowed, "safe");
  assert.deepEqual(outcome.allowed === "safe" && [outcome.verdict.safe, outcome.verdict.verdict, outcome.verdict.bound_bytes], [true, "safe for ranked play", bound]);
  const small = ranked("cpu-10min-2mb", 2_000_000);
  await rejectsWith(checkCourseRule({ track: small, course, privateCourses: [], bounds }), "CONTEST_PRACTICE_COURSE", (e) => {
    assert.equal(e.details?.bound_bytes, bound);
    assert.equal(e.details?.cap_bytes, 2_000_000);
  });
  assert.deepEqual(await checkCourseRule({ track: small, course, privateCourses: ["noise"], bounds }), { course: "noise", allowed: "private" });
  assert.deepEqual(await checkCourseRule({ track: TRACKS["non-record-16mb"], course, privateCourses: [], bounds }), { course: "noise", allowed: "unranked" });

  // a copy whose manifest is not the one the record was scored on is no measure of it
  await rejectsWith(checkCourseRule({ track: small, course: { name: "noise", manifest_sha256: "0".repeat(64) }, privateCourses: [], bounds }), "CONTEST_COURSE_UNMEASURED", (e) => assert.match(e.message, /is not the course the record was scored on/));
  // no course folder at all, and a record that names no course
  await rejectsWith(checkCourseRule({ track: small, course, privateCourses: [], bounds: null }), "CONTEST_COURSE_UNMEASURED");
  await rejectsWith(checkCourseRule({ track: small, course: null, privateCourses: [], bounds }), "CONTEST_COURSE_UNMEASURED", (e) => assert.match(e.message, /names no course/));
  // a damaged copy fails closed with the reason (its validation shard does not match the manifest)
  const damaged = path.join(work, "damaged-courses");
  fs.cpSync(courses, damaged, { recursive: true });
  const val = path.join(damaged, "noise", "datasets", "noise_sp300", "noise_val_000000.bin");
  const b = fs.readFileSync(val);
  b[b.length - 1] ^= 1;
  fs.writeFileSync(val, b);
  await rejectsWith(checkCourseRule({ track: small, course, privateCourses: [], bounds: new CourseBounds(damaged) }), "CONTEST_COURSE_UNMEASURED", (e) => assert.match(e.message, /not usable \(PGOLF_COURSE_VERIFY/));
});

test("a GitHub pull request the course rule refuses gets a failing status and a comment that say why", { timeout: 120_000 }, async () => {
  const gh = await GitHubServer.start();
  const REPO = "golf/parameter-golf";
  const FOLDER = "records/track_10min_16mb/2026-03-20_Synthetic";
  gh.addRepo(REPO, { "README.md": "# Parameter Golf\n" });
  const src = originalRecord();
  const changes: Record<string, { content: Buffer }> = {};
  for (const name of fs.readdirSync(src)) changes[`${FOLDER}/${name}`] = { content: fs.readFileSync(path.join(src, name)) };
  const pr = gh.addPull(REPO, { number: 9, author: "octo-bob", changes });
  const s = await startContestServer({ data: path.join(work, "gh-contest"), track: "10min-16mb", databaseUrl: "", github: { secret: "s3cret", token: gh.token, apiUrl: gh.url } });
  const base = await listen(s);
  try {
    const sent = await sendWebhook(`${base}/webhooks/github`, { secret: "s3cret", event: "pull_request", payload: pullRequestPayload({ repo: REPO, number: pr.number, headSha: pr.headSha, author: "octo-bob" }) });
    assert.equal(sent.status, 202);
    const failed = () => gh.statuses.find((st) => st.sha === pr.headSha && (st.body as { state: string }).state === "failure");
    for (let i = 0; i < 100 && !failed(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match((failed()!.body as { description: string }).description, /^Refused: fineweb-sp1024 cannot be checked for ranked play/);
    // the check's own comment said the folder passes; the refusal follows it (posted just after the status)
    for (let i = 0; i < 100 && !/refused/.test(gh.comments.at(-1)?.body ?? ""); i++) await new Promise((r) => setTimeout(r, 100));
    const refusal = gh.comments.at(-1)!.body.replace(/\\/g, "");
    assert.match(refusal, /❌ refused/);
    assert.match(refusal, /PGOLF_CONTEST_COURSE_UNMEASURED\*\*: fineweb-sp1024 cannot be checked for ranked play on 10min-16mb/);
    assert.equal((await s.contest!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM submissions`)).rows[0].n, 0);
  } finally {
    await s.close();
    gh.close();
  }
});
