// Which artifact `pgolf eval DIR` scores when none is given: the entry's latest trained one. A training
// run writes runs/<entry>/seed_<N>/artifact.bin (`pgolf train`'s default --out, relative to where it
// ran); an entry folder may also hold artifact.bin itself. The newest by modification time is taken,
// and the others are named, so a user with several knows which one was scored.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";

export interface ArtifactChoice {
  /** The artifact to score. */
  file: string;
  /** Every artifact found, newest first (the chosen one first). */
  candidates: { file: string; modified: string }[];
}

/** The artifacts a training run of this entry leaves, and the one in the entry folder. */
function candidatesOf(entryDir: string, runsRoot: string): string[] {
  const out = [path.join(entryDir, "artifact.bin")];
  const runs = path.join(runsRoot, path.basename(path.resolve(entryDir)));
  for (const d of fs.existsSync(runs) ? fs.readdirSync(runs) : []) if (/^seed_\d+$/.test(d)) out.push(path.join(runs, d, "artifact.bin"));
  return out.filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile());
}

/** `given` when set (it must exist); else the newest artifact of the entry's training runs. */
export function latestArtifact(entryDir: string, given?: string, runsRoot = "runs"): ArtifactChoice {
  if (given !== undefined) {
    if (!fs.existsSync(given)) throw new PgolfError("FILE_NOT_FOUND", "no artifact to score", { file: given, fix: "pass an artifact a training run wrote (runs/<entry>/seed_<N>/artifact.bin)" });
    return { file: given, candidates: [{ file: given, modified: fs.statSync(given).mtime.toISOString() }] };
  }
  const found = candidatesOf(entryDir, runsRoot)
    .map((file) => ({ file, at: fs.statSync(file).mtimeMs }))
    .sort((a, b) => b.at - a.at || a.file.localeCompare(b.file));
  if (found.length === 0) {
    throw new PgolfError("FILE_NOT_FOUND", `entry ${entryDir} has no trained artifact`, {
      file: path.join(runsRoot, path.basename(path.resolve(entryDir))),
      fix: `train it first (\`pgolf train ${entryDir}\`), or pass --artifact FILE`,
    });
  }
  return { file: found[0].file, candidates: found.map((f) => ({ file: f.file, modified: new Date(f.at).toISOString() })) };
}
