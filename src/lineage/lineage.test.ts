// Planted attribution tests on a small PR corpus built here (no fixtures needed): a copy with every
// name changed and comments removed, the same wrapped in lzma+base85, a module spliced into
// another submission; each must be flagged with the right source, and a control that credits the
// source must not be. Also: the index round-trips through its file, and a damaged file is refused.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { lzma2, xz } from "@napi-rs/lzma";
import { pgolf } from "../../test/support/cli.js";
import { b85encode, pythonModule, renamed } from "../../test/support/planted_python.js";
import { isPgolfError } from "../core/error.js";
import { analyzeLineage, checkAgainstIndex, type LineageReport } from "./lineage.js";
import { LineageIndex } from "./lineage_index.js";

interface Row {
  pr: number;
  folder: string;
  date: string;
  author: string;
  code: string;
  readme?: string;
  json?: Record<string, unknown>;
}

function writeCorpus(root: string, rows: Row[]): void {
  fs.mkdirSync(root, { recursive: true });
  const index = rows.map((r) => {
    const dir = path.join(root, String(r.pr), r.folder);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "train_gpt.py"), r.code);
    const files = ["train_gpt.py"];
    if (r.readme) {
      fs.writeFileSync(path.join(dir, "README.md"), r.readme);
      files.push("README.md");
    }
    if (r.json) {
      fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify(r.json));
      files.push("submission.json");
    }
    return { pr: r.pr, folder: r.folder, date: r.date, author: r.author, files };
  });
  fs.writeFileSync(path.join(root, "index.json"), JSON.stringify(index));
}

/** exec(lzma.decompress(base64.b85decode("..."), format=FORMAT_RAW, filters=[LZMA2])), the corpus's commonest packer. */
function packRawLzma2(code: string): string {
  const blob = b85encode(lzma2.compressSync(Buffer.from(code)));
  return `import lzma as L, base64 as B\nexec(L.decompress(B.b85decode("${blob}"), format=L.FORMAT_RAW, filters=[{"id": L.FILTER_LZMA2}]))\n`;
}

const template = pythonModule({ seed: 1, functions: 30, comments: true });
const moduleA = pythonModule({ seed: 2, functions: 20, comments: true });
const moduleB = pythonModule({ seed: 3, functions: 20, comments: true });
const own = (seed: number): string => pythonModule({ seed, functions: 8 });

describe("pgolf lineage on planted submissions", () => {
  let root: string;
  let report: LineageReport;
  const byFolder = (folder: string) => report.submissions.find((s) => s.folder === folder)!;
  const idOf = (folder: string) => byFolder(folder).id;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-lineage-"));
    const day = (d: number) => `2026-03-${String(d).padStart(2, "0")}T12:00:00Z`;
    writeCorpus(root, [
      { pr: 0, folder: "baseline", date: day(1), author: "organizers", code: template },
      { pr: 10, folder: "alice_moduleA", date: day(2), author: "alice", code: template + moduleA, json: { val_bpb: 1.2 } },
      { pr: 11, folder: "bob_moduleB", date: day(3), author: "bob", code: template + moduleB + own(40), json: { val_bpb: 1.19 } },
      // every name changed, comments removed, blank lines added
      { pr: 12, folder: "carol_renamed_copy", date: day(4), author: "carol", code: template + pythonModule({ seed: 3, functions: 20, names: renamed, spread: true }) + own(41) },
      // alice's module wrapped in lzma (raw LZMA2) + base85, and renamed
      { pr: 13, folder: "dave_packed", date: day(5), author: "dave", code: packRawLzma2(template + pythonModule({ seed: 2, functions: 20, names: renamed }) + own(42)) },
      // alice's module spliced between the submission's own code; xz + base85 this time for a part
      { pr: 14, folder: "erin_spliced", date: day(6), author: "erin", code: template + own(43) + moduleA + own(44) },
      // the control: bob's module renamed, and credited
      { pr: 15, folder: "frank_credits", date: day(7), author: "frank", code: template + pythonModule({ seed: 3, functions: 20, names: renamed }) + own(45), readme: "# Frank\n\nOn PR #11: bob's module B, renamed.\n" },
      // an exact copy of alice's entry by someone else, with a worse score
      { pr: 16, folder: "gina_duplicate", date: day(8), author: "gina", code: template + moduleA, json: { val_bpb: 1.21 } },
      // alice building on her own work is not uncredited
      { pr: 17, folder: "alice_again", date: day(9), author: "alice", code: template + moduleA + own(46) },
      // credits by naming the author (a handle), not by PR number: not flagged
      { pr: 19, folder: "ivy_names_author", date: day(11), author: "ivy", code: template + pythonModule({ seed: 2, functions: 20, names: renamed }) + own(49), readme: "Thanks to @alice for module A.\n" },
      // cites a pull request the corpus does not hold: reported for a reviewer, not as a warning
      { pr: 20, folder: "jon_cites_unknown", date: day(12), author: "jon", code: template + pythonModule({ seed: 3, functions: 20, names: renamed }) + own(50), readme: "Based on PR #7 (not in this corpus) and modded-nanogpt PR #11.\n" },
      // credits in a code comment where the code is, and by a folder's name without its date
      { pr: 21, folder: "kim_comment_credit", date: day(13), author: "kim", code: "# module A adapted from PR #10\n" + template + pythonModule({ seed: 2, functions: 20, names: renamed }) + own(51) },
      { pr: 22, folder: "2026-03-14_LongModuleBRecord", date: day(14), author: "lee", code: template + moduleB + own(52), readme: "Thanks to bob.\n" },
      { pr: 23, folder: "max_bare_folder_credit", date: day(15), author: "max", code: template + pythonModule({ seed: 3, functions: 20, names: renamed }) + own(53), readme: "Builds on LongModuleBRecord.\n" },
      // ned opened PR 9 first but committed last; quin's PR 25, opened later, is dated earlier
      { pr: 9, folder: "ned_late_commit", date: day(20), author: "ned", code: template + own(54) + own(55) },
      { pr: 25, folder: "quin_later_pr", date: day(16), author: "quin", code: template + own(54) + own(56) },
      // xz-wrapped spliced module B inside otherwise own code
      { pr: 18, folder: "hank_xz", date: day(10), author: "hank", code: `${own(47)}\nimport lzma, base64\nexec(lzma.decompress(base64.b85decode("${b85encode(xz.compressSync(Buffer.from(moduleB)))}")))\n${own(48)}` },
    ]);
    report = await analyzeLineage(root, { saveIndex: path.join(root, "lineage.idx") });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const uncredited = (folder: string) => byFolder(folder).findings.filter((f) => f.kind === "uncredited-reuse");

  it("flags a renamed, comment-stripped, reformatted copy with its source", () => {
    const f = uncredited("carol_renamed_copy");
    assert.equal(f.length, 1, JSON.stringify(byFolder("carol_renamed_copy").findings.map((x) => x.message)));
    assert.equal(f[0].source, idOf("bob_moduleB"));
    assert.equal(byFolder("carol_renamed_copy").inferred[0].id, idOf("bob_moduleB"));
    // evidence quotes both sides
    assert.ok(f[0].evidence.some((e) => e.submission === idOf("carol_renamed_copy") && /def do\d+x/.test(e.text ?? "")));
    assert.ok(f[0].evidence.some((e) => e.submission === idOf("bob_moduleB") && /def fn_3\d+/.test(e.text ?? "")));
  });

  it("unwraps lzma (raw LZMA2) + base85 and flags the packed copy", () => {
    const s = byFolder("dave_packed");
    assert.deepEqual(s.unwrapped, [{ file: "train_gpt.py#1", via: "b85+lzma2-raw" }]);
    const f = uncredited("dave_packed");
    assert.equal(f.length, 1);
    assert.equal(f[0].source, idOf("alice_moduleA"));
    assert.ok(f[0].evidence.some((e) => e.file === "train_gpt.py#1" && e.text));
  });

  it("flags a module spliced into another submission, and only that part", () => {
    const s = byFolder("erin_spliced");
    const f = uncredited("erin_spliced");
    assert.equal(f.length, 1);
    assert.equal(f[0].source, idOf("alice_moduleA"));
    assert.ok(s.novel.share > 0.3 && s.novel.share < 0.7, `novel share ${s.novel.share}`);
    const lines = template.split("\n").length + own(43).split("\n").length;
    const left = f[0].evidence.filter((e) => e.submission === s.id);
    assert.ok(left.every((e) => e.line! >= lines - 2 && e.endLine! <= lines + moduleA.split("\n").length + 2), JSON.stringify(left.map((e) => [e.line, e.endLine, lines])));
  });

  it("flags an xz + base85 blob spliced into own code", () => {
    assert.deepEqual(byFolder("hank_xz").unwrapped, [{ file: "train_gpt.py#1", via: "b85+xz" }]);
    assert.equal(uncredited("hank_xz")[0]?.source, idOf("bob_moduleB"));
  });

  it("does not flag the control that credits its source", () => {
    const s = byFolder("frank_credits");
    assert.deepEqual(s.declared, [idOf("bob_moduleB")]);
    assert.equal(s.inferred[0].id, idOf("bob_moduleB"));
    assert.deepEqual(uncredited("frank_credits"), []);
    assert.ok(!s.findings.some((f) => f.kind === "credit-suggested" && f.source === idOf("bob_moduleB")));
  });

  it("takes credit by author name or handle, and notes a cited pull request it cannot see", () => {
    assert.deepEqual(uncredited("ivy_names_author"), []);
    const jon = byFolder("jon_cites_unknown");
    // "modded-nanogpt PR #11" is another project's pull request: not a credit to PR 11 here
    assert.deepEqual(jon.declared, []);
    const f = jon.findings.find((x) => x.kind === "uncredited-reuse");
    assert.equal(f?.severity, "info");
    assert.match(f!.message, /cites PR #7, not among the analysed submissions/);
  });

  it("takes credits from code comments and from folder names without their date", () => {
    assert.ok(byFolder("kim_comment_credit").declared.includes(idOf("alice_moduleA")));
    assert.deepEqual(uncredited("kim_comment_credit"), []);
    assert.ok(byFolder("max_bare_folder_credit").declared.includes(idOf("2026-03-14_LongModuleBRecord")));
    assert.deepEqual(uncredited("max_bare_folder_credit"), []);
    // lee names bob (the author) in his README: credited
    assert.deepEqual(uncredited("2026-03-14_LongModuleBRecord"), []);
  });

  it("never names a later-opened pull request as a source, whatever its date", () => {
    // quin's PR 25 is dated before ned's PR 9 but opened after it: not ned's source
    assert.ok(!byFolder("ned_late_commit").inferred.some((i) => i.id === idOf("quin_later_pr")));
    assert.deepEqual(uncredited("ned_late_commit"), []);
  });

  it("does not flag an author reusing their own earlier code", () => {
    assert.deepEqual(uncredited("alice_again"), []);
  });

  it("reports a near-duplicate that is not significantly better, and suggests the credit line", () => {
    const s = byFolder("gina_duplicate");
    const nd = s.findings.find((f) => f.kind === "near-duplicate");
    assert.ok(nd, JSON.stringify(s.findings.map((f) => f.kind)));
    assert.equal(nd.source, idOf("alice_moduleA"));
    const cs = byFolder("carol_renamed_copy").findings.find((f) => f.kind === "credit-suggested");
    assert.match(cs!.credit!, /^On PR #11: bob_moduleB by bob/);
    // a copy with a better score is no near-duplicate finding
    assert.ok(!byFolder("alice_again").findings.some((f) => f.kind === "near-duplicate" && f.source === idOf("gina_duplicate")));
  });

  it("never reads the submission's own README for inferred", () => {
    // frank's README credits PR 11; carol's says nothing; both infer bob first from code alone
    assert.equal(byFolder("carol_renamed_copy").inferred[0].id, byFolder("frank_credits").inferred[0].id);
  });

  it("builds the credit graph with declared and inferred edges", () => {
    const e = report.graph.edges;
    assert.ok(e.some((x) => x.kind === "declared" && x.from === idOf("bob_moduleB") && x.to === idOf("frank_credits")));
    assert.ok(e.some((x) => x.kind === "inferred" && x.from === idOf("bob_moduleB") && x.to === idOf("carol_renamed_copy")));
    assert.ok(e.every((x) => report.submissions.findIndex((s) => s.id === x.from) < report.submissions.findIndex((s) => s.id === x.to) || x.from === "0"));
  });

  it("checks a new submission against the saved index as the full run does", async () => {
    const dir = path.join(root, "new");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "train_gpt.py"), template + pythonModule({ seed: 2, functions: 20, names: renamed }));
    fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify({ author: "ivan", date: "2026-03-20T00:00:00Z" }));
    const r = await checkAgainstIndex(path.join(root, "lineage.idx"), dir);
    assert.equal(r.inferred[0].id, idOf("alice_moduleA"));
    assert.equal(r.findings.find((f) => f.kind === "uncredited-reuse")?.source, idOf("alice_moduleA"));
  });

  it("refuses a damaged or truncated index with LINEAGE_INDEX", () => {
    const file = path.join(root, "lineage.idx");
    const bytes = fs.readFileSync(file);
    const loaded = LineageIndex.load(file);
    assert.equal(loaded.size, report.submissions.length + 1);
    for (const [name, data] of [
      ["flipped.idx", Buffer.from(bytes.map((b, i) => (i === bytes.length >> 1 ? b ^ 1 : b)))],
      ["short.idx", bytes.subarray(0, bytes.length - 100)],
      ["magic.idx", Buffer.concat([Buffer.from("NOTLINEA"), bytes.subarray(8)])],
    ] as const) {
      fs.writeFileSync(path.join(root, name), data);
      assert.throws(() => LineageIndex.load(path.join(root, name)), (e) => isPgolfError(e, "LINEAGE_INDEX"));
    }
  });

  it("pgolf lineage prints the credit suspects first, and --json the report", async () => {
    const human = await pgolf("lineage", root);
    assert.equal(human.code, 0, human.err);
    const suspects = human.out.indexOf("Top credit suspects");
    assert.ok(suspects > 0 && human.out.indexOf("carol_renamed_copy") > suspects, human.out.slice(0, 2000));
    const json = await pgolf("lineage", root, "--json");
    assert.equal(json.code, 0, json.err);
    const r = JSON.parse(json.out);
    assert.equal(r.mode, "corpus");
    assert.deepEqual(Object.keys(r.submissions[0]).filter((k) => ["id", "folder", "date", "author", "inferred", "declared", "novel", "findings"].includes(k)).length, 8);
    const bad = await pgolf("lineage", path.join(root, "nope"), "--json");
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.out).error.code, "PGOLF_LINEAGE_CORPUS");
  });
});
