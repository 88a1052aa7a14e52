// The credits a submission declares, read from its README.md and submission.json: "On PR #N",
// "from PR #N", "#N", links to .../pull/N, `attribution` blocks, pgolf's `parents`, and earlier
// record folders named outright. Only references that resolve to an earlier submission count;
// "#1 on the leaderboard" names no earlier pull request and falls away there.
import { readConfinedHead } from "../core/confined_read.js";

export interface DeclaredRefs {
  /** Pull request numbers mentioned. */
  prs: number[];
  /** Record folder names mentioned (2026-03-19_Name, as in records/ paths). */
  folders: string[];
  /** Other strings that may name a record: pgolf parents, attribution entries, folder names. */
  names: string[];
  /** The credit text, for matching record folder names in it. */
  text: string;
}

const MAX_TEXT_BYTES = 512 * 1024;

/** The first MAX_TEXT_BYTES of `name` in dir; "" when it is missing or refused (a link, a pipe: core/confined_read.ts). */
function readText(dir: string, name: string): string {
  try {
    return readConfinedHead(dir, name, MAX_TEXT_BYTES).toString("utf8");
  } catch {
    return "";
  }
}

/**
 * A reference that points into another project: "modded-nanogpt PR #264", a link to another
 * repository's pull request. `before` is the text of the line before the number.
 */
function elsewhere(before: string, link: boolean): boolean {
  if (link) {
    const url = /(?:https?:\/\/)?github\.com\/([\w.-]+\/[\w.-]+)\/(?:pull|issues)\/$/i.exec(before);
    return url !== null && !/\/parameter-golf$/i.test(url[1]);
  }
  return /(nanogpt|modded|speedrun|llm\.c|nanochat|github\.com\/(?!openai\/parameter-golf)[\w.-]+\/[\w.-]+)[^\n]{0,24}$/i.test(before);
}

/** PR numbers in free text: #N, PR N, PR-N, pull request N, /pull/N, /issues/N (not other projects'). */
export function prNumbers(text: string): number[] {
  const out = new Set<number>();
  const re = /(?:(?<![\w&])#|(?<=parameter-golf)#|\bPRs?\s*#?\s*|\bpull\s+requests?\s*#?\s*|\/pull\/|\/issues\/)(\d{1,6})\b/gi;
  for (const m of text.matchAll(re)) {
    const lineStart = text.lastIndexOf("\n", m.index!) + 1;
    const before = text.slice(Math.max(lineStart, m.index! - 120), m.index! + (m[0].startsWith("/") ? m[0].length - m[1].length : 0));
    if (elsewhere(before, m[0].startsWith("/"))) continue;
    out.add(Number(m[1]));
  }
  // lists after a first reference: "PRs #12, #34 and 56"
  for (const m of text.matchAll(/\bPRs\s*#?\d+((?:\s*(?:,|and|&|\/)\s*#?\d+)+)/gi)) for (const n of m[1].matchAll(/\d+/g)) out.add(Number(n[0]));
  return [...out];
}

function strings(v: unknown, out: string[]): void {
  if (typeof v === "string") out.push(v);
  else if (typeof v === "number") out.push(`#${v}`);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) strings(x, out);
}

/** Pull requests that comments in code name ("# from PR #609"): a credit written where the code is. */
export function commentCredits(code: string): number[] {
  const comments = [...code.matchAll(/(?:^|\s)(#[^\n]*|\/\/[^\n]*)/g)].map((m) => m[1]).filter((c) => /\bPR|pull|credit|from|based|thanks|adapted/i.test(c));
  return prNumbers(comments.join("\n"));
}

/**
 * What `dir`'s README.md and submission.json declare; `siblings` are the other folders of the same
 * pull request, whose READMEs often hold the credits for all of them.
 */
export function declaredRefs(dir: string, siblings: string[] = []): DeclaredRefs {
  const readme = [dir, ...siblings].map((d) => readText(d, "README.md")).join("\n");
  const json = readText(dir, "submission.json");
  const names: string[] = [];
  try {
    const meta = JSON.parse(json) as Record<string, unknown>;
    for (const key of Object.keys(meta)) {
      if (/^(parents?|attribution|credits?|based_on|builds_on|derived_from|acknowledg\w*|(base(line)?|parent|source|upstream)_prs?|prs?)$/i.test(key)) strings(meta[key], names);
    }
  } catch {
    // not JSON: its text is still searched below
  }
  const text = `${readme}\n${json}\n${names.join("\n")}`;
  // folder names, dated (2026-03-19_Name) or bare words long enough to be one (matched against the index)
  const folders = [...new Set([...text.matchAll(/(?<![\w-])((?:20\d\d-\d\d-\d\d_)?[A-Za-z0-9_.+-]{3,})/g)].map((m) => m[1].replace(/[.]+$/, "")).filter((f) => /^20\d\d-/.test(f) || f.length >= 14))];
  return { prs: prNumbers(text), folders, names, text };
}
