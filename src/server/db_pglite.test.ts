// What is particular to the embedded PGlite: one connection shared by concurrent callers, a folder
// that only one process may open, and commits that reach the disk before they return.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import nodeFs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, mock, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rejectsWith } from "../../test/support/errors.js";
import { PROJECT_ROOT } from "../../test/support/fixtures.js";
import type { Db } from "./db.js";
import { DURABLE_SETTINGS, openPgliteDb } from "./db_pglite.js";
import { openDb } from "./open_db.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-pglite-"));
const dir = path.join(tmp, "db");
let db: Db;
before(async () => {
  db = await openPgliteDb({ dir });
});
after(async () => {
  await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("concurrent transactions take turns; queries outside them wait and are not rolled back with them", async () => {
  await db.query("CREATE TABLE steps (n serial PRIMARY KEY, tx int NOT NULL, step text NOT NULL)");
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 8; i++) {
    work.push(
      db
        .transaction(async (tx) => {
          await tx.query("INSERT INTO steps (tx, step) VALUES ($1, 'begin')", [i]);
          await sleep(3);
          await tx.query("INSERT INTO steps (tx, step) VALUES ($1, 'end')", [i]);
          if (i % 2 === 1) throw new Error(`roll back ${i}`);
        })
        .catch((e: Error) => e.message),
    );
    work.push(db.query("INSERT INTO steps (tx, step) VALUES ($1, 'outside')", [i]));
  }
  const outcomes = await Promise.all(work);
  assert.deepEqual(
    outcomes.filter((o) => typeof o === "string"),
    ["roll back 1", "roll back 3", "roll back 5", "roll back 7"],
  );
  const rows = (await db.query<{ tx: number; step: string }>("SELECT tx, step FROM steps ORDER BY n")).rows;
  assert.equal(rows.filter((r) => r.step === "outside").length, 8, "no query outside a transaction was rolled back with it");
  const inside = rows.filter((r) => r.step !== "outside");
  assert.equal(inside.length, 8, "the 4 committed transactions, 2 rows each");
  for (let k = 0; k < inside.length; k += 2) {
    assert.deepEqual([inside[k].step, inside[k + 1].step, inside[k + 1].tx], ["begin", "end", inside[k].tx], "a transaction's rows are adjacent");
  }
  // Nothing interleaved inside: every 'outside' row sits between whole transactions.
  for (let k = 0; k < rows.length; k++) if (rows[k].step === "begin") assert.equal(rows[k + 1].step, "end");
});

test("a second open of the same folder is refused while the first is open", async () => {
  await rejectsWith(openPgliteDb({ dir }), "DB_LOCKED", (e) => {
    assert.equal(e.details?.pid, process.pid);
    assert.match(e.fix ?? "", /DATABASE_URL/);
  });
  assert.equal((await db.query("SELECT 1 AS one")).rows[0].one, 1, "the refused open did not disturb the open database");
});

test("a lock left by a process that ended is taken over", async () => {
  const other = path.join(tmp, "other");
  await (await openPgliteDb({ dir: other })).close();
  assert.equal(fs.existsSync(`${other}.lock`), false, "close() removes the lock");
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  fs.writeFileSync(`${other}.lock`, `${dead.stdout}\n`);
  const again = await openPgliteDb({ dir: other });
  assert.equal(fs.readFileSync(`${other}.lock`, "utf8").split("\n")[0], String(process.pid));
  await again.close();
});

test("a lock whose pid now belongs to another process (a restarted container's) is taken over", { skip: fs.existsSync("/proc/self/stat") ? undefined : "needs Linux's /proc" }, async () => {
  const other = path.join(tmp, "reused");
  await (await openPgliteDb({ dir: other })).close();
  // this process's pid, recorded with another start time: the process that wrote it is gone
  fs.writeFileSync(`${other}.lock`, `${process.pid}\n1\n`);
  const again = await openPgliteDb({ dir: other });
  await again.close();
});

const onLinux = fs.existsSync("/proc/self/fd") ? undefined : "needs Linux's /proc/self/fd";

/**
 * Watches Node's own fsyncSync (still calling it) and lists the files it synced. It is node:fs's
 * module object that is watched; syncBuiltinESMExports carries that to `import * as fs` users.
 */
function watchFsync(): { synced: string[]; stop(): void } {
  const synced: string[] = [];
  const real = nodeFs.fsyncSync;
  const spy = mock.method(nodeFs, "fsyncSync", (fd: number) => {
    synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    real(fd);
  });
  syncBuiltinESMExports();
  return {
    synced,
    stop() {
      spy.mock.restore();
      syncBuiltinESMExports();
    },
  };
}

const SETTINGS = `SELECT ${Object.keys(DURABLE_SETTINGS).map((k) => `current_setting('${k}') AS ${k}`).join(", ")}`;

test("the embedded database is durable by default: fsync on, synchronous commits, WAL synced with fsync()", async () => {
  assert.deepEqual((await db.query(SETTINGS)).rows[0], { fsync: "on", synchronous_commit: "on", wal_sync_method: "fsync", full_page_writes: "on" });
});

test("as `pgolf serve` opens it (no DATABASE_URL): durable, and a new folder is synced whole before its first use", { skip: onLinux }, async () => {
  const dataDir = path.join(tmp, "server");
  const watch = watchFsync();
  let server: Db;
  try {
    server = await openDb({ dataDir, url: "" });
  } finally {
    watch.stop();
  }
  try {
    assert.equal(server.kind, "pglite");
    assert.deepEqual((await server.query(SETTINGS)).rows[0], { ...DURABLE_SETTINGS });
    const folder = path.join(dataDir, "db");
    for (const f of [path.join(folder, "PG_VERSION"), path.join(folder, "global", "pg_control"), path.join(folder, "base"), folder, dataDir]) {
      assert.ok(watch.synced.includes(f), `${f} was synced`);
    }
  } finally {
    await server.close();
  }
});

test("a commit returns only after the disk was asked to keep its write-ahead log (fsync)", { skip: onLinux }, async () => {
  await db.query("CREATE TABLE kept (n int)");
  const watch = watchFsync();
  try {
    await db.query("SELECT count(*) FROM kept");
    assert.equal(watch.synced.length, 0, "a read syncs nothing");
    let atCommit = -1;
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO kept VALUES (1)");
      atCommit = watch.synced.length;
    });
    const wal = watch.synced.slice(atCommit).filter((f) => f.startsWith(path.join(path.resolve(dir), "pg_wal") + path.sep));
    assert.equal(atCommit, 0, "nothing is synced before COMMIT");
    assert.ok(wal.length >= 1, `COMMIT fsynced the write-ahead log; synced: ${JSON.stringify(watch.synced)}`);
  } finally {
    watch.stop();
  }
});

// A SIGKILL leaves what was written in the kernel's page cache, so this holds with fsync off too
// (the test above is the one about power loss): it shows that PGlite recovers a folder killed in the
// middle of commits, that the lock is taken over, and that no confirmed row is lost or doubled.
test("rows whose commit returned survive a SIGKILL of the process that wrote them", { timeout: 180_000 }, async () => {
  const dataDir = path.join(tmp, "killed");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "test", "support", "pglite_commit_child.ts"), dataDir], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  // kill it while it commits, once it confirmed 300 rows
  let confirmed = 0;
  let buffered = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (/^\d+$/.test(line)) confirmed = Number(line);
      if (confirmed >= 300 && child.signalCode === null && !child.killed) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`the child ended before it was killed: ${stderr}`)));
  });
  assert.equal(await exited, "SIGKILL");
  const again = await openDb({ dataDir, url: "" });
  try {
    const rows = (await again.query<{ n: number }>("SELECT subject::int AS n FROM audit_log WHERE actor = 'commit-child' ORDER BY 1")).rows.map((r) => r.n);
    const top = rows[rows.length - 1];
    assert.ok(top >= confirmed, `every confirmed row is there: confirmed ${confirmed}, found up to ${top}`);
    assert.deepEqual(rows, Array.from({ length: top }, (_, i) => i + 1), "no row missing, none doubled");
  } finally {
    await again.close();
  }
});
