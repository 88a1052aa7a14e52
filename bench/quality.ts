// Quality benchmark: `pgolf run` for the full 600 s (the baseline entry on the embedded course, local
// track) against the PyTorch peer (bench/peers/torch_train_sotu.py) trained the same way for the same
// wallclock on the same shards and scored with the same byte table. Prints both val_bpb figures and
// the tokens each saw. Run alone: node --import tsx bench/quality.ts [SECONDS]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { track } from "../src/core/track.js";
import { prepareCourse } from "../src/data/prepare.js";
import { runSeeds } from "../src/eval/run_seeds.js";
import { initEntry } from "../src/train/init_entry.js";

export interface QualityResult {
  seconds: number;
  pgolf: { val_bpb: number; val_loss: number; steps: number; train_tokens: number; bytes_total: number };
  peer: { peer: string; val_bpb: number; val_loss: number; steps: number; train_tokens: number } | null;
  peer_note: string | null;
}

export async function qualityBench(seconds = 600, say: (s: string) => void = () => {}): Promise<QualityResult> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-quality-"));
  try {
    const course = await prepareCourse({ dir: path.join(root, "data") });
    const entryDir = path.join(work, "baseline");
    await initEntry(entryDir);
    say(`pgolf: training the baseline entry for ${seconds} s ...`);
    const [r] = await runSeeds({ entryDir, courseDir: course.dir, track: track("cpu-10min-2mb"), seeds: [1337], minutes: seconds / 60, outDir: path.join(work, "runs") });
    let steps = 0;
    let tokens = 0;
    for (const line of fs.readFileSync(r.metrics, "utf8").split("\n")) {
      if (!line) continue;
      const m = JSON.parse(line) as { step?: number; tokens?: number };
      if (typeof m.step === "number") [steps, tokens] = [m.step, m.tokens ?? 0];
    }
    const pgolf = { val_bpb: r.val_bpb, val_loss: r.val_loss, steps, train_tokens: tokens, bytes_total: r.bytes_total };
    say(`pgolf: val_bpb ${r.val_bpb.toFixed(4)} (val_loss ${r.val_loss.toFixed(4)}), ${steps} steps, ${tokens.toLocaleString("en-US")} tokens`);
    if (spawnSync("/usr/bin/python3", ["-c", "import torch, sentencepiece"], { stdio: "ignore" }).status !== 0) {
      return { seconds, pgolf, peer: null, peer_note: "PyTorch peer skipped: install python3-torch, libopenblas0-pthread and python3-sentencepiece" };
    }
    say(`PyTorch peer: training for ${seconds} s ...`);
    const p = spawnSync("/usr/bin/python3", [path.join(root, "bench/peers/torch_train_sotu.py"), course.dir, String(seconds)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (p.status !== 0) return { seconds, pgolf, peer: null, peer_note: `PyTorch peer failed: ${p.stderr.trim().split("\n").pop()}` };
    const peer = JSON.parse(p.stdout.trim().split("\n").pop()!);
    say(`${peer.peer}: val_bpb ${peer.val_bpb.toFixed(4)} (val_loss ${peer.val_loss.toFixed(4)}), ${peer.steps} steps, ${peer.train_tokens.toLocaleString("en-US")} tokens`);
    return { seconds, pgolf, peer, peer_note: null };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await qualityBench(Number(process.argv[2] ?? 600), (s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
