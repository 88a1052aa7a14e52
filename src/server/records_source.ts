// Records served from a folder (a records root, as `pgolf leaderboard build` reads): read, checked
// and planned into the site cache at start, and again whenever the folder's files change (a cheap
// signature of paths, sizes and modification times, polled).
import * as fs from "node:fs";
import * as path from "node:path";
import { findRecords, readRecord } from "../submission/read_record.js";
import type { SiteCache } from "./site_cache.js";

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

export class RecordsSource {
  private signature = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly root: string,
    private readonly site: SiteCache,
  ) {}

  /** Rebuilds when the folder changed since the last build; returns whether it did. */
  refresh(): boolean {
    const sig = treeSignature(this.root);
    if (sig === this.signature) return false;
    const records = findRecords(this.root).map(readRecord);
    this.site.rebuild(records, path.resolve(this.root));
    this.signature = sig;
    return true;
  }

  /** Polls every `ms` milliseconds (the timer does not keep the process alive). */
  watch(ms = 2000, onError: (e: unknown) => void = () => {}): void {
    this.timer = setInterval(() => {
      try {
        this.refresh();
      } catch (e) {
        onError(e);
      }
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
