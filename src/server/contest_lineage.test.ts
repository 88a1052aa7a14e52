// The contest server attributes every submission at intake against every earlier one (a real
// `pgolf serve` on localhost, embedded PGlite, the lineage thread): reviewers see the evidence on
// both sides and accept a suggested credit (audited, once); authors do not see other people's
// code through it; and a lost index is rebuilt from the stored packs at the next start.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { api, declarePrivateValidation, listen } from "../../test/support/contest_api.js";
import type { AddressInfo } from "node:net";
import { launchChromium, NO_CHROMIUM } from "../../test/support/browser.js";
import { tempDir } from "../../test/support/fixtures.js";
import { pythonModule, renamed } from "../../test/support/planted_python.js";
import { startContestServer, type ContestServer } from "./contest_server.js";
import { uploadRecord } from "./upload_client.js";

const work = tempDir("pgolf-contest-lineage-");

/** An original-format record folder: submission.json, one seed's log, its code and README. */
function recordFolder(name: string, code: string, readme = ""): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify({ author: name, name, date: "2026-03-20T00:00:00Z", val_loss: 2.0, val_bpb: 1.2, bytes_total: 1_000_000, bytes_code: code.length }, null, 2));
  fs.writeFileSync(path.join(dir, "train_seed1.log"), "seed:1\nstep:100/100 val_loss:2.0000 val_bpb:1.2000 train_time:500000ms\nfinal_int8_zlib_roundtrip_exact val_loss:2.00000000 val_bpb:1.20000000\nTotal submission size int8+zlib: 1000000 bytes\n");
  fs.writeFileSync(path.join(dir, "train_gpt.py"), code);
  fs.writeFileSync(path.join(dir, "README.md"), readme || `# ${name}\n`);
  return dir;
}

const base = pythonModule({ seed: 21, functions: 25 });
const modA = pythonModule({ seed: 22, functions: 20 });
const modB = pythonModule({ seed: 23, functions: 20 });

describe("lineage at intake on a real contest server", () => {
  let server: ContestServer | null = null;
  let adminToken: string | null = null;
  after(async () => server?.close());

  async function start(): Promise<{ url: string; admin: string | null }> {
    server = await startContestServer({ data: path.join(work, "contest") });
    adminToken ??= server.adminToken; // printed once, at the first start
    return { url: await listen(server), admin: adminToken };
  }

  it("attributes each upload against the earlier ones; reviewers see both sides and accept a credit once", async () => {
    const { url, admin } = await start();
    await declarePrivateValidation(url, admin!);
    const token = async (handle: string, role: string) => (await api(url, "POST", "/api/users", admin, { handle, role })).json.token as string;
    const [alice, bob, rita] = [await token("alice", "participant"), await token("bob", "participant"), await token("rita", "reviewer")];
    const a = await uploadRecord(url, alice, recordFolder("alice_a", base + modA));
    const b = await uploadRecord(url, bob, recordFolder("bob_b", base + pythonModule({ seed: 22, functions: 20, names: renamed }) + modB));
    await server!.contest!.lineage.idle();
    assert.deepEqual(server!.contest!.lineage.failures, []);

    const seen = await api(url, "GET", `/api/submissions/${b.id}/lineage`, rita);
    assert.equal(seen.status, 200);
    assert.equal(seen.json.status, "done");
    const l = seen.json.lineage;
    assert.equal(l.inferred[0].id, a.id);
    const reuse = l.findings.find((f: { kind: string }) => f.kind === "uncredited-reuse");
    assert.equal(reuse.source, a.id);
    // the evidence quotes both sides: bob's renamed lines beside alice's original ones
    const pairs = (reuse.evidence as { submission: string; text: string }[]).flatMap((e, i, all) => (i % 2 === 0 ? [[e, all[i + 1]]] : []));
    assert.ok(pairs.some(([mine, theirs]) => mine.submission === b.id && /def do\d+x/.test(mine.text) && theirs.submission === a.id && /def fn_22\d+/.test(theirs.text)), JSON.stringify(pairs).slice(0, 500));
    assert.ok(l.novel.share > 0.3, `novel ${l.novel.share}`);
    // the first submission had nothing earlier to reuse
    assert.deepEqual((await api(url, "GET", `/api/submissions/${a.id}/lineage`, rita)).json.lineage.inferred, []);

    // authors do not see lineage: it quotes other people's unpublished code
    assert.equal((await api(url, "GET", `/api/submissions/${b.id}/lineage`, bob)).status, 403);
    assert.equal((await api(url, "POST", `/api/submissions/${b.id}/credits`, bob, { source: a.id })).status, 403);

    // a reviewer accepts the suggested credit: recorded once, audited
    const accepted = await api(url, "POST", `/api/submissions/${b.id}/credits`, rita, { source: a.id });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.json));
    assert.equal(accepted.json.credits.length, 1);
    assert.match(accepted.json.credits[0].credit, /^Builds on|^On /);
    assert.equal(accepted.json.credits[0].accepted_by, "rita");
    assert.equal((await api(url, "POST", `/api/submissions/${b.id}/credits`, rita, { source: a.id })).status, 200);
    assert.equal((await api(url, "POST", `/api/submissions/${b.id}/credits`, rita, { source: "00000000-0000-4000-8000-000000000000" })).status, 400);
    assert.equal((await api(url, "POST", `/api/submissions/${b.id}/credits`, rita, { source: "not-a-uuid" })).status, 400);
    const trail = (await api(url, "GET", `/api/submissions/${b.id}/audit`, rita)).json as { actor: string; action: string; details: { source?: string } }[];
    assert.deepEqual(trail.filter((t) => t.action === "submission.credit-accept").map((t) => [t.actor, t.details.source]), [["rita", a.id]]);
    // the analysis itself is its append-only row, not an audit entry
    assert.equal((await server!.contest!.db.query(`SELECT count(*)::int AS n FROM submission_lineage WHERE submission_id = $1`, [b.id])).rows[0].n, 1);
  });

  it("in the browser: the review page shows the evidence side by side and accepts a credit with one click", { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
    const url = `http://127.0.0.1:${(server!.server.address() as AddressInfo).port}`;
    const admin = adminToken!;
    const dave = (await api(url, "POST", "/api/users", admin, { handle: "dave", role: "participant" })).json.token as string;
    const rita = (await api(url, "POST", "/api/users", admin, { handle: "rita3", role: "reviewer" })).json.token as string;
    const d = await uploadRecord(url, dave, recordFolder("dave_d", base + pythonModule({ seed: 23, functions: 20, names: renamed }) + pythonModule({ seed: 24, functions: 6 })));
    await server!.contest!.lineage.idle();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/signin`);
      await page.fill("#token", rita);
      await page.click("#signin button[type=submit]");
      await page.waitForSelector("#who:has-text('rita3')");
      await page.goto(`${url}/review`);
      await page.click(`#queue tr[data-id="${d.id}"] button.link`);
      const finding = page.locator('#lineage .lineage-finding[data-kind="uncredited-reuse"]');
      await finding.first().waitFor();
      // both sides, quoted: dave's renamed code beside bob's original
      const sides = await finding.first().locator(".pair pre").allTextContents();
      assert.ok(sides.length >= 2);
      assert.match(sides.join("\n"), /def do\d+x/);
      assert.match(sides.join("\n"), /def fn_23\d+/);
      await finding.first().locator("button.accept-credit").click();
      await page.waitForSelector("#lineage p.credit.accepted");
      assert.match((await page.textContent("#lineage p.credit.accepted"))!, /accepted by rita3/);
      assert.match((await page.textContent("#message"))!, /recorded in the audit log/);
    } finally {
      await browser.close();
    }
    const trail = (await api(url, "GET", `/api/submissions/${d.id}/audit`, rita)).json as { actor: string; action: string }[];
    assert.ok(trail.some((t) => t.actor === "rita3" && t.action === "submission.credit-accept"));
  });

  it("rebuilds a lost index from the stored packs at the next start", async () => {
    await server!.close();
    server = null;
    const dir = path.join(work, "contest", "lineage");
    assert.ok(fs.existsSync(path.join(dir, "lineage.idx")), fs.readdirSync(dir).join(", "));
    fs.rmSync(path.join(dir, "lineage.idx"));
    const { url, admin } = await start();
    const carol = (await api(url, "POST", "/api/users", admin, { handle: "carol", role: "participant" })).json.token as string;
    const rita = (await api(url, "POST", "/api/users", admin, { handle: "rita2", role: "reviewer" })).json.token as string;
    // carol copies bob's own module: only an index that holds bob's submission again can say so
    const c = await uploadRecord(url, carol, recordFolder("carol_c", base + pythonModule({ seed: 23, functions: 20, names: renamed })));
    await server!.contest!.lineage.idle();
    const mine = (await api(url, "GET", `/api/submissions/${c.id}/lineage`, rita)).json.lineage;
    const bobId = (await server!.contest!.db.query<{ id: string }>(`SELECT s.id FROM submissions s JOIN users u ON u.id = s.author_id WHERE u.handle = 'bob'`)).rows[0].id;
    assert.equal(mine.findings.find((f: { kind: string }) => f.kind === "uncredited-reuse")?.source, bobId);
  });
});
