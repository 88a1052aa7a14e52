// `pgolf pack` as one library call: the size rule computed for an entry and an artifact (its latest
// trained one unless given), and with `out` a pack (one file holding the code and the artifact) that
// `pgolf eval` scores.
import { PgolfError } from "../core/error.js";
import type { Track } from "../core/track.js";
import { accountSize, type SizeAccount } from "../entry/size_rule.js";
import { latestArtifact } from "../eval/latest_artifact.js";
import { writePack } from "./pack.js";

export interface PackEntryOptions {
  entryDir: string;
  /** The artifact to count (default: the newest one the entry's training runs wrote, runs/<entry>/seed_<N>). */
  artifact?: string;
  track: Track;
  /** Write a .pgpack here. */
  out?: string;
}

export type PackEntryResult = SizeAccount & { entry: string; pack: string | null; pack_bytes: number | null };

export async function packEntry(o: PackEntryOptions): Promise<PackEntryResult> {
  const artifact = latestArtifact(o.entryDir, o.artifact).file;
  if (!o.out) return { entry: o.entryDir, ...accountSize(o.entryDir, artifact, o.track), pack: null, pack_bytes: null };
  if (!o.out.endsWith(".pgpack")) throw new PgolfError("USAGE", `the pack's file name should end in .pgpack, got "${o.out}"`, { fix: "e.g. --out my-entry.pgpack" });
  const r = await writePack(o.entryDir, artifact, o.track, o.out);
  return { entry: o.entryDir, ...r.account, pack: o.out, pack_bytes: r.bytes };
}
