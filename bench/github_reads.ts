// Measures why the intake's reads stay on the capped transport: a 48 MiB blob read by Octokit
// (buffered whole) vs GitHubClient.getBlob (refused past its 8 MiB cap). The local GitHub runs in a
// child process, so only the client's memory is measured.
// Run: node --expose-gc --import tsx bench/github_reads.ts
import { spawn } from "node:child_process";
import { Octokit } from "@octokit/rest";
import { GitHubClient } from "../src/server/github_client.js";

if (process.argv[2] === "server") {
  const { GitHubServer, gitBlobSha } = await import("../test/support/github_server.js");
  const { randomBytes } = await import("node:crypto");
  const gh = await GitHubServer.start();
  const content = randomBytes(48 * 1024 * 1024);
  gh.addRepo("golf/big", { "big.bin": { content } });
  process.stdout.write(JSON.stringify({ url: gh.url, token: gh.token, sha: gitBlobSha(content) }) + "\n");
} else {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "server"], { stdio: ["ignore", "pipe", "inherit"] });
  const hello = await new Promise<{ url: string; token: string; sha: string }>((resolve) => child.stdout.on("data", (d: Buffer) => resolve(JSON.parse(d.toString()))));
  const gc = (globalThis as { gc?: () => void }).gc!;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 1);
  const measure = async (what: string, fn: () => Promise<unknown>) => {
    gc();
    await new Promise((r) => setTimeout(r, 100));
    const before = process.memoryUsage().rss;
    peak = before;
    let outcome = "read whole";
    try {
      await fn();
    } catch (e) {
      outcome = `refused: ${(e as Error).message.slice(-60)}`;
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`${what}: peak RSS +${((peak - before) / 2 ** 20).toFixed(0)} MiB (${outcome})`);
  };
  await measure("GitHubClient.getBlob (8 MiB cap)", () => new GitHubClient({ token: hello.token, baseUrl: hello.url }).getBlob("golf/big", hello.sha));
  await measure("octokit.rest.git.getBlob", () => new Octokit({ auth: hello.token, baseUrl: hello.url }).rest.git.getBlob({ owner: "golf", repo: "big", file_sha: hello.sha }));
  clearInterval(sampler);
  child.kill();
}
