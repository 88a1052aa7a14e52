// What a killed server leaves behind: temporary files and folders whose names carry the pid of the
// process writing them. A blob or file written atomically (core/atomic.ts) is
// ".tmp-<name>.<pid>.<hex>" until it is renamed; a blob streamed in is ".tmp-put.<pid>.<hex>"; an
// approved record being unpacked is "<id>.tmp-<pid>"; an upload being checked is
// "pgolf-intake-<pid>-XXXXXX" (a pack the lineage thread analyses: "pgolf-lineage-<pid>-XXXXXX") in the system's temp folder. At start the server removes those whose
// process no longer runs; a live process's (another server sharing the folder) are left alone.
import * as fs from "node:fs";
import * as os from "node:os";
import { intakeScratchDir } from "./intake_scratch.js";
import * as path from "node:path";
import { processAlive } from "./process_alive.js";

const PATTERNS = [/^\.tmp-.+\.(\d+)\.[0-9a-f]+$/, /^.+\.tmp-(\d+)$/, /^pgolf-intake-(\d+)-/, /^pgolf-lineage-(\d+)-/];

/** The pid in a pgolf temporary name, or null for any other name. */
export function tempOwner(name: string): number | null {
  for (const p of PATTERNS) {
    const m = p.exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

export interface SweepOptions {
  /** Look into subfolders (default true). */
  recursive?: boolean;
  /** Names of subfolders not to enter (e.g. the embedded database's "db"). */
  skip?: string[];
  /** Only names starting with this (e.g. "pgolf-intake-" in the shared temp folder). */
  prefix?: string;
}

/** Removes the temporary files and folders of dead processes under dir; returns their paths. */
export function sweepStaleTemps(dir: string, o: SweepOptions = {}): string[] {
  const removed: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return; // gone, or not ours to read
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const owner = o.prefix && !e.name.startsWith(o.prefix) ? null : tempOwner(e.name);
      if (owner !== null && owner !== process.pid && !processAlive(owner)) {
        fs.rmSync(p, { recursive: true, force: true });
        removed.push(p);
      } else if (e.isDirectory() && o.recursive !== false && !(o.skip ?? []).includes(e.name)) walk(p);
    }
  };
  walk(dir);
  return removed;
}

/** At a server's start: the dead processes' temporaries in its data folder (not the database's own) and its uploads being checked. */
export function sweepServerTemps(dataDir: string): string[] {
  return [...sweepStaleTemps(dataDir, { skip: ["db"] }), ...[...new Set([os.tmpdir(), intakeScratchDir()])].flatMap((d) => ["pgolf-intake-", "pgolf-lineage-"].flatMap((prefix) => sweepStaleTemps(d, { recursive: false, prefix })))];
}
