// The leaderboard builder: the Markdown table's shape, HTML escaping of hostile record text, and the
// website in a real browser (Debian's chromium driven by playwright-core), built from the 47 record
// folders of the original contest. The browser test loads every page from file://, and checks there
// are no console or page errors, that every chart drew the series and points the records hold, and
// that every link resolves to a file of the site. Its output stays in test-output/leaderboard/
// (git-ignored): the site itself and a screenshot of each page.
//
//   node --import tsx --test src/leaderboard/*.test.ts
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium, NO_CHROMIUM } from "../../test/support/browser.js";
import { FIXTURES, PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { normalizedRecord, seedLogs } from "../../test/support/records.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { findRecords, readRecord } from "../submission/read_record.js";
import { buildLeaderboard, planLeaderboard, writeSite } from "./build.js";
import { esc } from "./html.js";
import type { Leaderboard } from "./leaderboard.js";
import { MARKDOWN_COLUMNS, leaderboardMarkdown } from "./markdown.js";
import { lineageGraph, lineageSvg } from "./lineage.js";
import { leaderboardLineage } from "./site.js";

const RECORDS = path.join(FIXTURES, "pgolf-records");
const OUTPUT = path.join(PROJECT_ROOT, "test-output", "leaderboard");

// ---------- records made in memory ----------

function fakeRecord(root: string, id: string, bpb: number[], o: Partial<NormalizedRecord> = {}): NormalizedRecord {
  const logs = seedLogs(bpb, (i) => ({
    bytesTotal: { value: 15_000_000 + i, evidence: { file: `train_seed${i + 1}.log`, line: 38 } },
    bytesModel: null,
    bytesCode: null,
    trainSeconds: { value: 590, evidence: { file: `train_seed${i + 1}.log`, line: 30 } },
    trainCurve: [[0, 6.9], [250, 3.1], [500, 2.6], [1000, 2.2 + i / 100]],
    valCurve: [[0, 4.1], [500, bpb[i] + 0.05], [1000, bpb[i]]],
    sha256: `${id}-${i}`,
  }));
  const mean = bpb.reduce((a, b) => a + b, 0) / bpb.length;
  return normalizedRecord(id, "2026-03-20T00:00:00Z", logs, mean, {
    dir: path.join(root, "track_10min_16mb", id),
    claims: { file: "submission.json", val_bpb: { value: mean, evidence: { file: "submission.json", line: 2 } }, val_loss: null, bytes_total: null, bytes_code: null, seeds: [], seedCount: null },
    codeFiles: ["train_gpt.py"],
    ...o,
  });
}

const HOSTILE_NAME = `<script>alert("name")</script> | pipe`;
function hostileRecords(root: string): NormalizedRecord[] {
  const base = fakeRecord(root, "2026-03-18_Base", [1.2, 1.21, 1.19], { date: "2026-03-18T00:00:00Z", name: "Base run" });
  const evil = fakeRecord(root, `2026-03-21_evil <b>x</b> "q" 'a'`, [1.1, 1.101, 1.099], {
    name: HOSTILE_NAME,
    author: `"><img src=x onerror=alert("author")>`,
    github_id: "<i>gh</i>",
    summary: `line one\n</p><svg onload=alert("summary")> [link](javascript:alert(1)) | x`,
    date: "2026-03-21T00:00:00Z",
    parents: ["2026-03-18_Base", `<iframe src="javascript:alert('parent')">`],
    techniques: [`<u onclick=alert("tech")>t</u>`],
    codeFiles: [`<script>alert("file")</script>.py`],
  });
  return [base, evil];
}

/** Cells of a Markdown table row, split at pipes that are not escaped. */
function cells(row: string): string[] {
  assert.ok(row.startsWith("| ") && row.endsWith(" |"), `not a table row: ${row}`);
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.trim());
}

describe("leaderboard markdown", () => {
  test("has the original README's columns, one row per ranked record, best first, and survives hostile text", () => {
    const { leaderboard: lb } = planLeaderboard(hostileRecords("/records"), "/records", new Date("2026-04-01T00:00:00Z"));
    const md = leaderboardMarkdown(lb);
    const lines = md.split("\n");
    const header = lines.indexOf("| Run | Score | Author | Summary | Date | Info |");
    assert.ok(header >= 0, md);
    assert.deepEqual(cells(lines[header]), [...MARKDOWN_COLUMNS]);
    assert.match(lines[header + 1], /^\|-+\|-+:\|-+\|-+\|-+\|-+\|$/);
    const rows = lines.slice(header + 2).filter((l) => l.startsWith("|"));
    assert.equal(rows.length, 2, "both records are ranked: the base started the frontier, the hostile one entered it");
    const parsed = rows.map(cells);
    for (const c of parsed) assert.equal(c.length, 6, `row has ${c.length} cells: ${c.join(" ¦ ")}`);
    // best first; Score is the mean with 4 decimals; Date is the day; Info links the record page
    assert.deepEqual(
      parsed.map((c) => c[1]),
      ["1.1000", "1.2000"],
    );
    assert.equal(parsed[1][0], "Base run");
    assert.equal(parsed[1][4], "2026-03-18");
    assert.match(parsed[1][5], /^\[info\]\(records\/2026-03-18_Base\.html\)$/);
    assert.match(parsed[0][5], /^\[info\]\(records\/[A-Za-z0-9._-]+\.html\)$/);
    // hostile text: escaped, on one line, no raw HTML
    assert.equal(parsed[0][0], "\\<script\\>alert(\"name\")\\</script\\> \\| pipe");
    assert.doesNotMatch(md, /(?<!\\)[<>]/, "every angle bracket is escaped");
    assert.doesNotMatch(md, /(?<!\\)\[link/, "no link from record text");
    assert.ok(!parsed[0][3].includes("\n"));
  });
});

describe("html escaping", () => {
  test("text from records never becomes markup in any page", () => {
    const { files } = planLeaderboard(hostileRecords("/records"), "/records");
    const html = files.filter((f) => f.path.endsWith(".html"));
    assert.equal(html.length, 2 + 2, "index, lineage and two record pages");
    for (const f of html) {
      assert.doesNotMatch(f.content, /<script>alert|<img src=x|<svg onload|<iframe|<u onclick|<b>x<\/b>|<i>gh<\/i>/, f.path);
      assert.equal((f.content.match(/<script/g) ?? []).length, 1, `${f.path}: only the site's own script tag`);
    }
    const evilPage = files.find((f) => f.path.startsWith("records/2026-03-21_evil"))!;
    assert.ok(evilPage, files.map((f) => f.path).join(", "));
    assert.match(evilPage.path, /^records\/[A-Za-z0-9._-]+\.html$/);
    assert.ok(evilPage.content.includes(`<h1>${esc(HOSTILE_NAME)}</h1>`));
    assert.ok(evilPage.content.includes("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;"));
    assert.ok(evilPage.content.includes("&quot;&gt;&lt;img src=x onerror=alert(&quot;author&quot;)&gt;"));
    const index = files.find((f) => f.path === "index.html")!;
    assert.ok(index.content.includes(esc(HOSTILE_NAME)));
    // JSON keeps the text as it is (JSON.stringify escapes what JSON needs)
    const json = JSON.parse(files.find((f) => f.path === "leaderboard.json")!.content) as Leaderboard;
    assert.ok(json.tracks[0].records.some((e) => e.name === HOSTILE_NAME));
  });
});

describe("lineage", () => {
  test("links records to the records and PRs they name, one column right of their deepest parent", () => {
    const r = (id: string, parents: string[], date = "2026-03-20") => ({ id, name: `name of ${id}`, date, parents, page: `records/${id}.html`, val_bpb: 1 });
    const g = lineageGraph([r("a", ["#12"]), r("b", ["a", "#12", "a"]), r("c", ["name of b", "c"]), r("alone", [])]);
    const layer = Object.fromEntries(g.nodes.map((n) => [n.key, n.layer]));
    assert.deepEqual(layer, { "ref:#12": 0, "record:a": 1, "record:b": 2, "record:c": 3 });
    assert.equal(g.edges.length, 4, "a<-#12, b<-a, b<-#12, c<-b (duplicates and self-references dropped)");
    assert.deepEqual(g.unlinked, ["alone"]);
    assert.equal(g.nodes.find((n) => n.key === "ref:#12")!.label, "PR #12");
    const svg = lineageSvg(g);
    assert.equal((svg.match(/<path class="edge declared"/g) ?? []).length, 4);
    assert.equal((svg.match(/<g class="node /g) ?? []).length, 4);
    assert.equal((svg.match(/<a href="records\/[abc]\.html">/g) ?? []).length, 3, "record nodes link to their pages, PR nodes do not");
  });
});

// ---------- the site in a browser ----------

interface PageFacts {
  title: string;
  headerBackground: string;
  charts: {
    id: string;
    width: number;
    height: number;
    series: { name: string; declared: number; vertices: number; circles: number }[];
    nodes: number;
    edges: number;
  }[];
  links: string[];
  ids: string[];
}

const FACTS = `(() => {
  const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
    const r = svg.getBoundingClientRect();
    return {
      id: svg.getAttribute("data-chart"),
      width: r.width,
      height: r.height,
      series: [...svg.querySelectorAll("g.series")].map((g) => ({
        name: g.getAttribute("data-name"),
        declared: Number(g.getAttribute("data-points")),
        vertices: [...g.querySelectorAll("polyline")].reduce((a, p) => a + p.points.numberOfItems, 0),
        circles: g.querySelectorAll("circle").length,
      })),
      nodes: svg.querySelectorAll("g.node").length,
      edges: svg.querySelectorAll("path.edge").length,
    };
  });
  return {
    title: document.title,
    headerBackground: getComputedStyle(document.querySelector("header.top")).backgroundColor,
    charts,
    links: [...document.querySelectorAll("a[href]")].map((a) => new URL(a.getAttribute("href"), document.baseURI).href),
    ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
  };
})()`;

function browserSkip(): { skip?: string } {
  if (!fs.existsSync(RECORDS)) return { skip: `record fixtures not found at ${RECORDS} (they live in ../shared/fixtures beside the project)` };
  if (NO_CHROMIUM) return { skip: NO_CHROMIUM };
  return {};
}

describe("leaderboard site in chromium", () => {
  test("hostile record text runs no script in the browser", { skip: NO_CHROMIUM, timeout: 30_000 }, async () => {
    const out = tempDir("pgolf-leaderboard-");
    const { files } = planLeaderboard(hostileRecords("/records"), "/records");
    await writeSite(out, files);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("dialog", (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      for (const f of files.filter((x) => x.path.endsWith(".html"))) {
        await page.goto(pathToFileURL(path.join(out, f.path)).href, { waitUntil: "load" });
        const text = await page.evaluate<string>("document.body.innerText");
        if (f.path.startsWith("records/2026-03-21_evil")) assert.ok(text.includes(HOSTILE_NAME), "the hostile name is shown as text");
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  test("built from the 47 original records: every page loads clean, charts draw what the records hold, links resolve", { ...browserSkip(), timeout: 120_000 }, async () => {
    const t0 = Date.now();
    const site = path.join(OUTPUT, "site");
    const shots = path.join(OUTPUT, "screenshots");
    fs.rmSync(OUTPUT, { recursive: true, force: true });
    const dirs = findRecords(RECORDS);
    assert.equal(dirs.length, 47);
    const records = dirs.map(readRecord);
    const result = await buildLeaderboard(RECORDS, { out: site });
    const lb = JSON.parse(fs.readFileSync(path.join(site, "leaderboard.json"), "utf8")) as Leaderboard;
    const entries = lb.tracks.flatMap((t) => t.records);
    assert.equal(entries.length, 47);
    assert.ok(fs.existsSync(path.join(site, "leaderboard.md")));
    assert.equal(result.files.filter((f) => f.startsWith("records/")).length, 47);
    // the frontier of the record track: started by the baseline, in submission order
    const main = lb.tracks.find((t) => t.name === "10min-16mb")!;
    assert.equal(main.frontier[0].id, "2026-03-17_NaiveBaseline");
    assert.ok(main.frontier.every((f, i) => i === 0 || (Date.parse(f.date) >= Date.parse(main.frontier[i - 1].date) && f.val_bpb < main.frontier[i - 1].val_bpb)));
    assert.deepEqual(
      main.records.filter((e) => e.rank !== null).map((e) => e.id).sort(),
      main.frontier.map((f) => f.id).sort(),
    );

    const browser = await launchChromium();
    const factsByUrl = new Map<string, PageFacts>();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      let current = "";
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${current}: console ${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`${current}: page error: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`${current}: request failed: ${r.url()}`));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`${current}: request off the site: ${r.url()}`);
      });
      page.on("dialog", (d) => {
        problems.push(`${current}: dialog ${d.message()}`);
        void d.dismiss();
      });
      const visit = async (rel: string, shot: string, fullPage: boolean): Promise<PageFacts> => {
        current = rel;
        const url = pathToFileURL(path.join(site, rel)).href;
        await page.goto(url, { waitUntil: "load" });
        const facts = await page.evaluate<PageFacts>(FACTS);
        factsByUrl.set(url, facts);
        assert.equal(facts.headerBackground, "rgb(246, 248, 250)", `${rel}: the local stylesheet applies`);
        for (const c of facts.charts) assert.ok(c.width > 0 && c.height > 0, `${rel}: chart ${c.id} has no size`);
        for (const c of facts.charts) for (const s of c.series) assert.ok(s.declared > 0, `${rel}: ${c.id} series ${s.name} is empty`);
        fs.mkdirSync(path.dirname(path.join(shots, shot)), { recursive: true });
        await page.screenshot({ path: path.join(shots, shot), fullPage });
        return facts;
      };

      // index: ranked tables, frontier charts, bytes against bpb
      const index = await visit("index.html", "index.png", true);
      const frontierTracks = lb.tracks.filter((t) => t.recordTrack && t.frontier.length > 0);
      const frontierCharts = index.charts.filter((c) => c.id.startsWith("frontier-"));
      assert.equal(frontierCharts.length, frontierTracks.length);
      frontierTracks.forEach((t, i) => {
        const [line, others] = frontierCharts[i].series;
        assert.equal(line.name, "frontier");
        assert.equal(line.circles, t.frontier.length, "one dot per frontier record");
        assert.equal(line.vertices, 2 * t.frontier.length, "a step line: two vertices per record");
        const rest = t.timeline.filter((x) => !t.frontier.some((f) => f.id === x.id) && t.records.find((e) => e.id === x.id)!.val_bpb !== null).length;
        assert.equal(others?.circles ?? 0, rest);
      });
      const bytes = index.charts.find((c) => c.id === "bytes-vs-bpb")!;
      assert.ok(bytes, "bytes-vs-bpb chart");
      assert.equal(
        bytes.series.reduce((a, s) => a + s.circles, 0),
        entries.filter((e) => e.bytes_total !== null && e.val_bpb !== null).length,
      );
      // the filter box (the site's script) hides rows
      await page.fill('input.filter[data-table="table-0"]', "Naive Baseline");
      assert.equal(await page.evaluate<number>(`[...document.querySelectorAll("#table-0 tbody tr")].filter((r) => !r.hidden).length`), 1);

      // lineage
      const graph = leaderboardLineage(lb);
      const lineage = await visit("lineage.html", "lineage.png", true);
      const drawn = lineage.charts.find((c) => c.id === "lineage")!;
      const declaredEdges = records.reduce((a, r) => a + new Set(r.parents.filter((p) => p !== r.id)).size, 0);
      assert.ok(declaredEdges > 0);
      // one edge per declared parent, plus the credits READMEs give and the reuse measured from code (pgolf lineage)
      assert.ok(drawn.edges >= declaredEdges, `${drawn.edges} edges drawn, ${declaredEdges} parents declared`);
      assert.ok(drawn.nodes >= graph.nodes.length);

      // every record page
      for (const e of entries) {
        const r = records.find((x) => x.id === e.id && path.relative(RECORDS, x.dir).split(path.sep).join("/") === e.folder)!;
        assert.ok(r, e.id);
        const facts = await visit(e.page, e.page.replace(/\.html$/, ".png"), true);
        assert.ok(facts.title.length > 0);
        const chart = (id: string) => facts.charts.find((c) => c.id === id);
        const train = r.logs.filter((l) => l.trainCurve.length > 0);
        const val = r.logs.filter((l) => l.valCurve.length > 0);
        assert.equal(chart("train-loss")?.series.length ?? 0, train.length, `${e.id}: one train-loss line per log with points`);
        assert.deepEqual(
          chart("train-loss")?.series.map((s) => s.vertices) ?? [],
          train.map((l) => l.trainCurve.length),
          `${e.id}: train-loss points`,
        );
        assert.equal(chart("val-bpb")?.series.length ?? 0, val.length, `${e.id}: one val_bpb line per log with points`);
        assert.deepEqual(
          chart("val-bpb")?.series.map((s) => s.circles) ?? [],
          val.map((l) => l.valCurve.length),
          `${e.id}: val_bpb points`,
        );
        assert.equal(chart("seed-spread")?.series[0].circles ?? 0, e.seeds.length, `${e.id}: one dot per scored seed`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }

    // every link of every page resolves to a file of the site (and to an element, for #fragments)
    const siteRoot = pathToFileURL(site + path.sep).href;
    let links = 0;
    for (const [from, facts] of factsByUrl) {
      for (const href of facts.links) {
        links++;
        assert.ok(href.startsWith(siteRoot), `${from} links outside the site: ${href}`);
        const u = new URL(href);
        const file = fileURLToPath(href.split("#")[0]);
        assert.ok(fs.existsSync(file) && fs.statSync(file).isFile(), `${from} links to a missing file: ${href}`);
        if (u.hash) {
          const target = factsByUrl.get(u.href.split("#")[0]);
          assert.ok(target?.ids.includes(decodeURIComponent(u.hash.slice(1))), `${from} links to a missing anchor: ${href}`);
        }
      }
    }
    assert.ok(links > 47 * 2);
    assert.equal(factsByUrl.size, 2 + 47);
    const seconds = (Date.now() - t0) / 1000;
    assert.ok(seconds < 90, `the browser test took ${seconds.toFixed(1)} s`);
  });
});
