import { buildLeaderboard, type BuildResult } from "../../leaderboard/build.js";
import { defineCommand, str, usage } from "../command.js";

// Builds the leaderboard from record folders alone: leaderboard.json, leaderboard.md (the original
// contest's README table) and a static website (open index.html; no server, no network).
export default defineCommand<BuildResult>({
  name: "leaderboard build",
  summary: "Build the leaderboard from record folders: leaderboard.json, leaderboard.md and a static website (index.html) in --out.",
  usage: "RECORDS --out DIR",
  options: { out: { type: "string" } },
  positionals: [1, 1],
  async run(values, [root]) {
    const out = str(values, "out");
    if (!out) throw usage("pgolf leaderboard build needs --out DIR", "usage: pgolf leaderboard build RECORDS --out DIR");
    return buildLeaderboard(root, { out });
  },
  human: (r) =>
    [
      ...r.tracks.map((t) => `${t.name}: ${t.records} records, ${t.ranked} ranked, ${t.frontier} on the frontier${t.best ? `; best ${t.best.id} val_bpb ${t.best.val_bpb.toFixed(4)}` : ""}`),
      `${r.files.length} files written to ${r.out}${r.removed.length ? ` (${r.removed.length} stale record pages removed)` : ""}`,
      `open ${r.out}/index.html`,
    ].join("\n"),
});
