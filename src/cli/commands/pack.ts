import { packEntry } from "../../artifact/pack_entry.js";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { defineCommand, str } from "../command.js";

// The size rule, computed: every counted code file, the artifact, the total and the cap verdict; with
// --out, a pack (one file with the code and the artifact) that `pgolf eval` scores.
export default defineCommand({
  name: "pack",
  summary: "Account an entry's size exactly (counted code files + artifact against the track's cap) and optionally write a .pgpack.",
  usage: "DIR [--artifact FILE (default: the entry's latest trained one)] [--track T] [--out FILE.pgpack]",
  options: { artifact: { type: "string" }, track: { type: "string" }, out: { type: "string" } },
  positionals: [1, 1],
  async run(v, [entryDir]) {
    return packEntry({ entryDir, artifact: str(v, "artifact"), track: track(str(v, "track") ?? DEFAULT_TRACK), out: str(v, "out") });
  },
  human: (r) =>
    [
      ...r.files.map((f) => `  code  ${(f.bytes + f.path_bytes).toLocaleString("en-US").padStart(12)}  ${f.path}`),
      `  model ${r.bytes_model.toLocaleString("en-US").padStart(12)}  artifact (sha256 ${r.artifact_sha256.slice(0, 16)}…)`,
      `  total ${r.bytes_total.toLocaleString("en-US").padStart(12)}  ${r.within_cap ? "within" : "OVER"} the ${r.cap_bytes.toLocaleString("en-US")}-byte cap of ${r.track} (${r.headroom >= 0 ? `${r.headroom.toLocaleString("en-US")} bytes to spare` : `${(-r.headroom).toLocaleString("en-US")} bytes over`})`,
      ...(r.pack ? [`pack ${r.pack} (${r.pack_bytes!.toLocaleString("en-US")} bytes)`] : []),
    ].join("\n"),
});
