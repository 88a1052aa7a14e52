// Source code to the token stream similarity is computed on, through tree-sitter (web-tree-sitter
// and the grammars' own .wasm builds, so nothing is compiled at install). The stream is Dolos's:
// each named syntax node gives "(", its type, its named children's tokens, then ")"; comments
// give nothing. Identifiers, literals and layout never reach the stream, so renaming,
// reformatting and comment changes leave it unchanged, while the tree's shape is kept.
//
// Dolos's own tokenizer (@dodona/dolos-lib) needs native tree-sitter builds of 19 grammars at
// install (g++, python3, about 90 s) and keeps every token of every file in memory; see
// lineage.ts for why the index is pgolf's own.
import { createRequire } from "node:module";
import * as path from "node:path";
import { Language, Parser } from "web-tree-sitter";
import { PgolfError } from "../core/error.js";

export type SourceLanguage = "python" | "typescript" | "tsx";

export interface TokenStream {
  tokens: string[];
  /** 1-based source line of each token. */
  lines: Int32Array;
}

const require = createRequire(import.meta.url);
const GRAMMARS: Record<SourceLanguage, () => string> = {
  python: () => require.resolve("tree-sitter-python/tree-sitter-python.wasm"),
  typescript: () => path.join(path.dirname(require.resolve("tree-sitter-typescript/package.json")), "tree-sitter-typescript.wasm"),
  tsx: () => path.join(path.dirname(require.resolve("tree-sitter-typescript/package.json")), "tree-sitter-tsx.wasm"),
};

/** The language of a file name (a virtual `x.py#2` is x.py's); null for files not analysed. */
export function languageOf(file: string): SourceLanguage | null {
  const ext = path.extname(file.replace(/#\d+$/, "")).toLowerCase();
  if (ext === ".py") return "python";
  if ([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"].includes(ext)) return "typescript";
  if (ext === ".tsx" || ext === ".jsx") return "tsx";
  return null;
}

let ready: Promise<Map<SourceLanguage, Parser>> | null = null;

async function loadParsers(): Promise<Map<SourceLanguage, Parser>> {
  try {
    await Parser.init();
    const out = new Map<SourceLanguage, Parser>();
    for (const lang of Object.keys(GRAMMARS) as SourceLanguage[]) {
      const parser = new Parser();
      parser.setLanguage(await Language.load(GRAMMARS[lang]()));
      out.set(lang, parser);
    }
    return out;
  } catch (e) {
    ready = null;
    throw new PgolfError("LINEAGE_PARSER", `tree-sitter could not load: ${(e as Error).message}`, {
      fix: "reinstall the dependencies (npm ci): web-tree-sitter, tree-sitter-python and tree-sitter-typescript ship the .wasm files this needs",
      cause: e,
    });
  }
}

/** Loads the parsers once; tokenize() needs this to have resolved. */
export async function parsersReady(): Promise<void> {
  ready ??= loadParsers();
  await ready;
}

let parsers: Map<SourceLanguage, Parser> | null = null;

/** The token stream of `text` in `lang`. Call parsersReady() first. */
export async function tokenize(text: string, lang: SourceLanguage): Promise<TokenStream> {
  ready ??= loadParsers();
  parsers ??= await ready;
  return tokenizeWith(parsers.get(lang)!, text);
}

function tokenizeWith(parser: Parser, text: string): TokenStream {
  const tree = parser.parse(text);
  if (!tree) throw new PgolfError("LINEAGE_PARSER", "tree-sitter returned no tree", { fix: "report this with the file that caused it" });
  const tokens: string[] = [];
  const lines: number[] = [];
  const cursor = tree.walk();
  try {
    // Pre-order walk over every node; anonymous nodes (punctuation, keywords) and comments are
    // skipped but their named descendants are not, as Dolos's walk over namedChildren does.
    const open: boolean[] = []; // per depth: whether the node there emitted "("
    for (;;) {
      const named = cursor.nodeIsNamed && !cursor.nodeType.includes("comment");
      if (named) {
        const line = cursor.startPosition.row + 1;
        tokens.push("(", cursor.nodeType);
        lines.push(line, line);
      }
      open.push(named);
      if (cursor.gotoFirstChild()) continue;
      // leave this node, and every ancestor whose last child it was
      for (;;) {
        if (open.pop()) {
          tokens.push(")");
          lines.push(cursor.endPosition.row + 1);
        }
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return { tokens, lines: Int32Array.from(lines) };
      }
    }
  } finally {
    cursor.delete();
    tree.delete();
  }
}
