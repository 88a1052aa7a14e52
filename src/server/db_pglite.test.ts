// What is particular to the embedded PGlite: one connection shared by concurrent callers, and a
// folder that only one process may open.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rejectsWith } from "../../test/support/errors.js";
import type { Db } from "./db.js";
import { openPgliteDb } from "./db_pglite.js";

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
