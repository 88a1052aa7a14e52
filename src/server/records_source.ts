// When to rebuild the live leaderboard: a cheap signature of a records folder (paths, sizes and
// modification times of its files), compared between polls.
import * as fs from "node:fs";
import * as path from "node:path";

/** Paths, sizes and mtimes of every file under root, as one string. */
export function treeSignature(root: string): string {
  const parts: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else parts.push(`${p}\0${st.size}\0${st.mtimeMs}`);
    }
  };
  walk(root);
  return parts.join("\n");
}
