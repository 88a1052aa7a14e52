// "Every error names the fix a user can run" (issue 15), checked on the code: every
// `new PgolfError(code, message, options)` in src/ passes options with a `fix`. Parsed with the
// TypeScript compiler, so a multi-line call or a fix built in a variable is read as it is written;
// an options object that is not a literal (passed through) counts, since its builder is checked too.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { PROJECT_ROOT } from "../../test/support/fixtures.js";

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".test.ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

test("every PgolfError thrown in src/ names a fix", () => {
  const missing: string[] = [];
  let count = 0;
  for (const file of sources(path.join(PROJECT_ROOT, "src"))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "PgolfError") {
        count++;
        const opts = n.arguments?.[2];
        const named = opts && (!ts.isObjectLiteralExpression(opts) || opts.properties.some((p) => p.name?.getText(sf) === "fix" || ts.isSpreadAssignment(p)));
        if (!named) missing.push(`${path.relative(PROJECT_ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.ok(count > 300, `read ${count} PgolfError constructions`);
  assert.deepEqual(missing, [], `PgolfErrors without a fix: ${missing.join(", ")}`);
});
