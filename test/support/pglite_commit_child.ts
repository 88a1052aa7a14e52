// A process that commits rows to the contest database as `pgolf serve` opens it (openDb without a
// URL: the embedded PGlite in <dataDir>/db, migrated), one transaction per row, and confirms each
// on stdout only after its COMMIT returned: "1", "2", ... Tests SIGKILL it mid-stream and count the
// confirmed rows in the folder. Rows go to audit_log (actor 'commit-child', subject the row's
// number), a table the server itself only ever appends to.
// argv[2]: the data folder.
import { openDb } from "../../src/server/open_db.js";

const db = await openDb({ dataDir: process.argv[2], url: "" });
for (let i = 1; ; i++) {
  await db.transaction(async (tx) => {
    await tx.query("INSERT INTO audit_log (actor, action, subject, details) VALUES ('commit-child', 'commit', $1, $2)", [String(i), JSON.stringify({ pad: "x".repeat(200) })]);
  });
  process.stdout.write(`${i}\n`);
}
