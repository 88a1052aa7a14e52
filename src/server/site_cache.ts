// The live leaderboard: the same files `pgolf leaderboard build` writes (planLeaderboard), held in
// memory and swapped in whole when the records change, so a page is always from one consistent build
// and serving it costs a map lookup. Each file carries an ETag (its sha256) for conditional requests.
import { createHash } from "node:crypto";
import { planLeaderboard } from "../leaderboard/build.js";
import type { Leaderboard, RecordsRoot } from "../leaderboard/leaderboard.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import type { Reproduction } from "../submission/reproduction.js";

export interface CachedFile {
  body: Buffer;
  etag: string;
}

export class SiteCache {
  private files = new Map<string, CachedFile>();
  private current: Leaderboard | null = null;
  /** Increases with every rebuild. */
  version = 0;

  /** Plans every page from these records (scored on the fleet's reproductions when given) and swaps them in. */
  rebuild(records: NormalizedRecord[], root: RecordsRoot, now?: Date, reproductions?: Map<string, Reproduction>): Leaderboard {
    const { leaderboard, files } = planLeaderboard(records, root, now, reproductions);
    const next = new Map<string, CachedFile>();
    for (const f of files) {
      const body = Buffer.from(f.content, "utf8");
      next.set(f.path, { body, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"` });
    }
    this.files = next;
    this.current = leaderboard;
    this.version++;
    return leaderboard;
  }

  /** A site file by its path ("" and "/" are index.html); undefined when there is none. */
  get(urlPath: string): CachedFile | undefined {
    const p = urlPath.replace(/^\/+/, "") || "index.html";
    return this.files.get(p) ?? this.files.get(p.endsWith("/") ? `${p}index.html` : `${p}/index.html`);
  }

  leaderboard(): Leaderboard | null {
    return this.current;
  }
}
