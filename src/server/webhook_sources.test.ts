// The webhook source ranges (webhook_sources.ts): CIDR parsing and matching, and the lookup's
// failure and success, against GitHub's /meta served by the local GitHub (test/support/github_server.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { GitHubServer } from "../../test/support/github_server.js";
import { GitHubClient } from "./github_client.js";
import { inList, sourceList, WebhookSources } from "./webhook_sources.js";

test("address ranges: IPv4 and IPv6 CIDRs, bare addresses, IPv4 mapped into IPv6; a bad range is CONFIG_INVALID", () => {
  const list = sourceList(["192.30.252.0/22", "2620:112:3000::/44", "10.0.0.7"]);
  assert.equal(inList(list, "192.30.253.9"), true);
  assert.equal(inList(list, "::ffff:192.30.255.255"), true);
  assert.equal(inList(list, "192.30.256.1"), false, "not an address");
  assert.equal(inList(list, "192.31.0.1"), false);
  assert.equal(inList(list, "2620:112:3001::5"), true);
  assert.equal(inList(list, "2620:112:4000::5"), false);
  assert.equal(inList(list, "10.0.0.7"), true);
  assert.equal(inList(list, "10.0.0.8"), false);
  assert.equal(inList(list, undefined), false);
  for (const bad of ["300.1.1.1/8", "10.0.0.0/33", "2620::/129", "github.com", "10.0.0.0/x"]) {
    assert.throws(() => sourceList([bad]), (e: { code?: string }) => e.code === "CONFIG_INVALID", bad);
  }
});

test("the ranges come from GitHub's /meta; while it cannot be read every address is taken, and the lookup is retried", async () => {
  const gh = await GitHubServer.start();
  const lines: string[] = [];
  try {
    gh.hookRanges = ["192.30.252.0/22"];
    const client = new GitHubClient({ token: gh.token, baseUrl: gh.url, retries: 0 });
    const s = new WebhookSources({ lookup: () => client.hookRanges(), log: (l) => lines.push(l) });
    assert.equal(s.allows("127.0.0.1"), true, "unknown ranges: every address");
    await s.start();
    assert.deepEqual(s.ranges, ["192.30.252.0/22"]);
    assert.equal(s.allows("127.0.0.1"), false);
    assert.equal(s.allows("192.30.252.1"), true);
    s.stop();
    // GitHub unreachable: taken from anywhere, and said so
    const down = new WebhookSources({ lookup: () => new GitHubClient({ token: gh.token, baseUrl: "http://127.0.0.1:1", retries: 0, timeoutMs: 2000 }).hookRanges(), log: (l) => lines.push(l) });
    await down.start();
    down.stop();
    assert.equal(down.allows("203.0.113.9"), true);
    assert.match(lines.join("\n"), /could not be read.*taken from any address/);
    // the operator's ranges are used as given, and GitHub is not asked
    const asked = gh.requests.length;
    const fixed = new WebhookSources({ fixed: ["127.0.0.1/32"], lookup: () => client.hookRanges() });
    await fixed.start();
    assert.equal(gh.requests.length, asked);
    assert.equal(fixed.allows("127.0.0.1"), true);
    assert.equal(fixed.allows("127.0.0.2"), false);
  } finally {
    await gh.close();
  }
});
