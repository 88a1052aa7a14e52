// The README's promise, checked on the code: every command is a thin shell that calls exactly one
// library function, exported from one of the package's entry points ("pgolf", "pgolf/contest" or
// "pgolf/lineage"), and prints its result. Each command file is parsed with the TypeScript compiler;
// inside its `run`, calls to functions imported from outside the CLI are counted. Imports from
// ../command.js (option parsing), sibling command files (renderers such as describeCourse) and core/
// (errors, tracks, the progress line) are the shell's own tools and are not counted.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { PROJECT_ROOT } from "../../test/support/fixtures.js";

const COMMANDS = path.join(PROJECT_ROOT, "src", "cli", "commands");
/** The package's entry points (package.json "exports"), as source files. */
const ENTRY_POINTS = ["src/index.ts", "src/contest.ts", "src/lineage/index.ts"];

/** Imported name -> module specifier, for the imports of one file. */
function importsOf(file: ts.SourceFile): Map<string, string> {
  const names = new Map<string, string>();
  for (const st of file.statements) {
    if (!ts.isImportDeclaration(st) || st.importClause?.isTypeOnly) continue;
    const from = (st.moduleSpecifier as ts.StringLiteral).text;
    const bindings = st.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) if (!el.isTypeOnly) names.set(el.name.text, from);
  }
  return names;
}

/** The `run` method of the object given to defineCommand. */
function runOf(file: ts.SourceFile): ts.MethodDeclaration | undefined {
  let found: ts.MethodDeclaration | undefined;
  const visit = (n: ts.Node) => {
    if (ts.isMethodDeclaration(n) && n.name.getText(file) === "run" && ts.isObjectLiteralExpression(n.parent)) found ??= n;
    ts.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** Names exported by a source file (`export { a, b as c } from`, `export function`, `export *` followed). */
function exportsOf(rel: string, seen = new Set<string>()): Set<string> {
  const abs = path.join(PROJECT_ROOT, rel);
  const out = new Set<string>();
  if (seen.has(abs) || !fs.existsSync(abs)) return out;
  seen.add(abs);
  const file = ts.createSourceFile(abs, fs.readFileSync(abs, "utf8"), ts.ScriptTarget.Latest, true);
  for (const st of file.statements) {
    if (ts.isExportDeclaration(st)) {
      if (st.exportClause && ts.isNamedExports(st.exportClause)) for (const el of st.exportClause.elements) out.add(el.name.text);
      else if (!st.exportClause && st.moduleSpecifier) {
        const target = path.join(path.dirname(rel), (st.moduleSpecifier as ts.StringLiteral).text.replace(/\.js$/, ".ts"));
        for (const n of exportsOf(target, seen)) out.add(n);
      }
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) out.add(st.name.text);
  }
  return out;
}

const exported = new Set(ENTRY_POINTS.flatMap((e) => [...exportsOf(e)]));

for (const name of fs.readdirSync(COMMANDS).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
  test(`pgolf ${name.replace(/\.ts$/, "").replace("-", " ")} calls exactly one exported library function`, () => {
    const abs = path.join(COMMANDS, name);
    const file = ts.createSourceFile(abs, fs.readFileSync(abs, "utf8"), ts.ScriptTarget.Latest, true);
    const imports = importsOf(file);
    const run = runOf(file);
    assert.ok(run, `${name} has a run method`);
    const called = new Set<string>();
    const visit = (n: ts.Node) => {
      if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && ts.isIdentifier(n.expression)) {
        const from = imports.get(n.expression.text);
        if (from !== undefined && from !== "../command.js" && !from.startsWith("./") && !from.startsWith("../../core/") && !from.startsWith("node:")) called.add(`${n.expression.text} (${from})`);
      }
      ts.forEachChild(n, visit);
    };
    visit(run);
    assert.equal(called.size, 1, `${name}'s run calls ${called.size} library functions: ${[...called].join(", ") || "none"}; a command calls one library function that does the work`);
    const fn = [...called][0].split(" ")[0];
    assert.ok(exported.has(fn), `${fn} is exported from one of the package's entry points (${ENTRY_POINTS.join(", ")})`);
  });
}
