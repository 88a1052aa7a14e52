// A newcomer's first commands, as typed in an empty folder (issue 15): `pgolf train e` prepares the
// embedded default course itself, `pgolf eval e` scores the entry's latest trained artifact and says
// which, and `pgolf pack e` finds it too. The installed bin runs as a real process in a fresh folder
// (the defaults, data/ and runs/, are relative to it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";

function pgolfIn(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin/pgolf.js"), ...argv], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const built = fs.existsSync(path.join(PROJECT_ROOT, "dist/cli/main.js"));

test("pgolf train, eval and pack in an empty folder, with no course named and no artifact given", { skip: built ? undefined : "dist/ not built (npm run build)", timeout: 300_000 }, async () => {
  const work = tempDir("pgolf-first-");
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), path.join(work, "e"), { recursive: true });
  const train = await pgolfIn(work, "train", "e", "--seeds", "1", "--minutes", "0.05");
  assert.equal(train.code, 0, train.err);
  assert.match(train.out, /prepared the embedded course sotu-sp1024/);
  assert.ok(fs.existsSync(path.join(work, "data", "sotu-sp1024", "manifest.json")), "the course is in ./data");
  assert.ok(fs.existsSync(path.join(work, "runs", "e", "seed_1", "artifact.bin")));
  const scored = await pgolfIn(work, "eval", "e", "--max-targets", "20000", "--json");
  assert.equal(scored.code, 0, scored.err);
  const r = JSON.parse(scored.out);
  assert.equal(r.artifact, path.join("runs", "e", "seed_1", "artifact.bin"));
  assert.equal(r.course, "sotu-sp1024");
  assert.equal(r.course_prepared, false, "prepared once, by train");
  assert.ok(r.val_bpb > 0);
  const human = await pgolfIn(work, "eval", "e", "--max-targets", "20000");
  assert.match(human.out, /artifact runs\/e\/seed_1\/artifact\.bin/, "says which artifact it scored");
  const pack = await pgolfIn(work, "pack", "e", "--json");
  assert.equal(pack.code, 0, pack.err);
  assert.equal(JSON.parse(pack.out).within_cap, true);
});

test("pgolf serve with no flags hosts a contest in ./contest on the embedded database and prints its URL, the first admin's token and how to use Postgres", { skip: built ? undefined : "dist/ not built (npm run build)", timeout: 120_000 }, async () => {
  const work = tempDir("pgolf-serve-");
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin/pgolf.js"), "serve", "--port", "0"], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /serving (http:\/\/\S+?)\/? .*\n[\s\S]*database: /.exec(out);
        if (m && /\n.*database: .*\n/.test(out)) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`pgolf serve exited with code ${code}: ${out}`)));
    });
    assert.match(out, /\(contest data contest\)/);
    assert.match(out, /database: the embedded PGlite in contest\/db; for Postgres, start with DATABASE_URL=postgres:/);
    const token = /token \(shown once\): (\S+)/.exec(out)?.[1];
    assert.ok(token, out);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await me.json(), { handle: "admin", role: "admin" });
    assert.ok(fs.existsSync(path.join(work, "contest", "db")), "the database is in ./contest");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  }
});
