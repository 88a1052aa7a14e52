// The temporaries a killed server leaves, found by the pid in their names: removed when that process
// is gone, kept while it runs; other names are never touched.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { processAlive, processStartTime } from "./process_alive.js";
import { sweepStaleTemps, tempOwner } from "./stale_temps.js";

test("tempOwner reads the pid of each kind of pgolf temporary name, and nothing else", () => {
  assert.equal(tempOwner(`.tmp-${"ab".repeat(32)}.4242.0a1b2c3d`), 4242); // core/atomic.ts
  assert.equal(tempOwner(".tmp-put.77.0a1b2c3d4e5f"), 77); // BlobStore.putFile
  assert.equal(tempOwner("3f2a9c1e-0000-4000-8000-000000000000.tmp-901"), 901); // Contest.exportApproved
  assert.equal(tempOwner("pgolf-intake-12-AbC123"), 12); // Contest.submit
  for (const name of ["ab".repeat(32), "README.md", ".tmp-", "tmp-12", "pgolf-intake-x-1", "records.tmp"]) assert.equal(tempOwner(name), null, name);
});

test("a dead process's temporaries are removed, a live one's kept, the skipped folder not entered", async () => {
  const dir = tempDir();
  const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
  const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    const blob = path.join(dir, "blobs", "ab", "cd");
    fs.mkdirSync(blob, { recursive: true });
    const key = "ab".repeat(32);
    fs.writeFileSync(path.join(blob, key), "whole");
    fs.writeFileSync(path.join(blob, `.tmp-${key}.${dead}.0a1b2c3d`), "half");
    fs.writeFileSync(path.join(blob, `.tmp-${key}.${live.pid}.0a1b2c3d`), "being written");
    fs.mkdirSync(path.join(dir, "records", "track_x", `abc.tmp-${dead}`, "deep"), { recursive: true });
    fs.mkdirSync(path.join(dir, "db"));
    fs.writeFileSync(path.join(dir, "db", `.tmp-x.${dead}.00`), "the database's own");
    const removed = sweepStaleTemps(dir, { skip: ["db"] }).map((p) => path.relative(dir, p)).sort();
    assert.deepEqual(removed, [path.join("blobs", "ab", "cd", `.tmp-${key}.${dead}.0a1b2c3d`), path.join("records", "track_x", `abc.tmp-${dead}`)]);
    assert.deepEqual(fs.readdirSync(blob).sort(), [`.tmp-${key}.${live.pid}.0a1b2c3d`, key].sort());
    assert.ok(fs.existsSync(path.join(dir, "db", `.tmp-x.${dead}.00`)));
  } finally {
    live.kill("SIGKILL");
  }
});

test("processAlive: a running process is alive, an ended one is not, a pid recorded with another start time is not", { skip: fs.existsSync("/proc/self/stat") ? undefined : "needs Linux's /proc" }, async () => {
  assert.equal(processAlive(process.pid), true);
  assert.equal(processAlive(process.pid, processStartTime(process.pid)), true);
  assert.equal(processAlive(process.pid, "1"), false, "the same pid, started at another time: another process");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  await new Promise((r) => child.once("spawn", r));
  assert.equal(processAlive(child.pid!), true);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  assert.equal(processAlive(child.pid!), false);
});
