// `npm run bench`: measured figures, each against a peer measured in the same run where there is one.
//  - tokenizer encode MB/s, single thread, vs SentencePiece's C++ encoder (Debian python3-sentencepiece),
//    on the same texts with the same official model; cold (a fresh tokenizer per pass) and warm;
//  - corpus encode on all cores;
//  - shard write and read throughput;
//  - wall time of `pgolf data prepare` for the embedded course (a fresh build);
//  - training and forward throughput vs PyTorch; the golf template's architecture vs PyTorch with the
//    same options and vs the baseline template's architecture; the trusted evaluator end to end vs PyTorch's
//    forward pass; sliding-window evaluation (eval_stride L, L/2, L/4): tokens/s and val_bpb; the 600 s
//    quality run vs the PyTorch peer trained the same way.
// Results print as a table and go to bench-output/bench.json.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeDocuments } from "../src/data/encode_pool.js";
import { prepareCourse } from "../src/data/prepare.js";
import { readSotuDocuments } from "../src/data/sources.js";
import { readShard, ShardReader, writeShard } from "../src/data/shard.js";
import { SentencePieceTokenizer } from "../src/data/tokenizer/sentencepiece.js";
import { benchTrain, type BenchTrainResult } from "../src/train/bench_train.js";
import { evalSpeedBench } from "./eval_speed.js";
import { evalStrideBench } from "./eval_stride.js";
import { golfArchBench } from "./golf_arch.js";
import { qualityBench } from "./quality.js";
import { serveLoadBench, submissionBurstBench } from "./serve_load.js";
import { uploadCpuBench } from "./upload_cpu.js";
import { lineageCorpusBench } from "./lineage_corpus.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const real = path.resolve(root, "../shared/fixtures/real");
const outDir = path.join(root, "bench-output");
fs.mkdirSync(outDir, { recursive: true });
const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version } };
const line = (s: string) => process.stdout.write(s + "\n");

function pythonWithSentencePiece(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) if (spawnSync(py, ["-c", "import sentencepiece"], { stdio: "ignore" }).status === 0) return py;
  return undefined;
}

// 1. Encode throughput against SentencePiece.
const model = path.join(real, "tokenizers/fineweb_1024_bpe.model");
const jsonl = path.join(real, "text/verify_docs_200.jsonl");
if (fs.existsSync(model) && fs.existsSync(jsonl)) {
  const texts = fs.readFileSync(jsonl, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).text as string);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
  const modelBytes = fs.readFileSync(model);
  const reps = 5;
  // cold: a fresh tokenizer (empty word cache) for each pass; best of reps after one warm-up pass.
  let cold = Infinity;
  SentencePieceTokenizer.fromBytes(modelBytes).encode(texts.join("\n"));
  for (let r = 0; r < reps; r++) {
    const tok = SentencePieceTokenizer.fromBytes(modelBytes);
    const t0 = performance.now();
    for (const t of texts) tok.encode(t);
    cold = Math.min(cold, (performance.now() - t0) / 1000);
  }
  const warmTok = SentencePieceTokenizer.fromBytes(modelBytes);
  for (const t of texts) warmTok.encode(t);
  let warm = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const t of texts) warmTok.encode(t);
    warm = Math.min(warm, (performance.now() - t0) / 1000);
  }
  const pgolfCold = bytes / cold / 1e6;
  const pgolfWarm = bytes / warm / 1e6;
  const py = pythonWithSentencePiece();
  let peer: { peer: string; MB_per_s: number } | undefined;
  if (py) {
    const r = spawnSync(py, [path.join(root, "bench/peers/sp_encode.py"), model, jsonl, String(reps)], { encoding: "utf8" });
    if (r.status === 0) peer = JSON.parse(r.stdout.trim().split("\n").pop()!);
    else line(`peer failed: ${r.stderr}`);
  }
  results.encode = {
    bytes,
    docs: texts.length,
    pgolf_cold_MB_per_s: pgolfCold,
    pgolf_warm_MB_per_s: pgolfWarm,
    peer: peer?.peer ?? null,
    peer_MB_per_s: peer?.MB_per_s ?? null,
    ratio_cold: peer ? pgolfCold / peer.MB_per_s : null,
    ratio_warm: peer ? pgolfWarm / peer.MB_per_s : null,
  };
  line(`encode (1 thread, official sp1024, ${texts.length} FineWeb docs, ${(bytes / 1e6).toFixed(2)} MB):`);
  line(`  pgolf cold ${pgolfCold.toFixed(2)} MB/s, warm ${pgolfWarm.toFixed(2)} MB/s`);
  line(peer ? `  ${peer.peer}: ${peer.MB_per_s.toFixed(2)} MB/s  ->  ratio cold ${(pgolfCold / peer.MB_per_s).toFixed(2)}x, warm ${(pgolfWarm / peer.MB_per_s).toFixed(2)}x` : "  peer: python3-sentencepiece not installed (apt-get install python3-sentencepiece)");

  // 2. Corpus encode with the worker pool, 1 thread vs all cores: the SOTU corpus once (10.8 MB, each
  // worker starts with an empty word cache), and 8 times over (86 MB: caches warm, as on a large corpus).
  const sotu = readSotuDocuments().map((d) => d.text);
  const pool = async (label: string, corpus: string[]) => {
    const corpusBytes = corpus.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
    const timeIt = async (threads: number) => {
      let best = Infinity;
      for (let r = 0; r < 2; r++) {
        const t0 = performance.now();
        await encodeDocuments(modelBytes, model, corpus, { threads });
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      return best;
    };
    const one = await timeIt(1);
    const all = await timeIt(os.availableParallelism());
    line(`corpus encode, ${label} (${(corpusBytes / 1e6).toFixed(1)} MB, worker pool incl. start-up): 1 thread ${(corpusBytes / one / 1e6).toFixed(2)} MB/s, ${os.availableParallelism()} threads ${(corpusBytes / all / 1e6).toFixed(2)} MB/s (${(one / all).toFixed(2)}x)`);
    return { bytes: corpusBytes, threads: os.availableParallelism(), one_thread_MB_per_s: corpusBytes / one / 1e6, all_threads_MB_per_s: corpusBytes / all / 1e6 };
  };
  results.encode_corpus = await pool("SOTU once", sotu);
  results.encode_corpus_8x = await pool("SOTU x8", Array.from({ length: 8 }, () => sotu).flat());
} else line(`encode: skipped, fixtures not found at ${real}`);

// 3. Shard write/read throughput (50M tokens = 100 MB).
{
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-bench-"));
  const n = 50_000_000;
  const tokens = new Uint16Array(n);
  for (let i = 0; i < n; i++) tokens[i] = (i * 2654435761) % 1024;
  const file = path.join(tmp, "bench.bin");
  let t0 = performance.now();
  writeShard(file, tokens);
  const w = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const back = readShard(file, { vocabSize: 1024 });
  const r = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const reader = ShardReader.open(file);
  let sum = 0;
  for (const { tokens: c } of reader.chunks(1 << 20)) sum += c[0];
  reader.close();
  const s = (performance.now() - t0) / 1000;
  if (back.length !== n || sum < 0) throw new Error("shard round trip failed");
  const mb = (2 * n + 1024) / 1e6;
  results.shards = { tokens: n, bytes: 2 * n + 1024, write_MB_per_s: mb / w, read_checked_MB_per_s: mb / r, stream_MB_per_s: mb / s };
  line(`shards (${mb.toFixed(0)} MB): write ${(mb / w).toFixed(0)} MB/s (atomic, fsync), read+range-check ${(mb / r).toFixed(0)} MB/s, streamed in 1M-token chunks ${(mb / s).toFixed(0)} MB/s`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

// 4. `pgolf data prepare` of the embedded course, from scratch.
{
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-bench-"));
  const t0 = performance.now();
  const summary = await prepareCourse({ dir: tmp, force: true });
  const secs = (performance.now() - t0) / 1000;
  results.prepare = { course: summary.course, seconds: secs, tokens_train: summary.tokens_train, tokens_val: summary.tokens_val };
  line(`pgolf data prepare (sotu-sp1024, fresh): ${secs.toFixed(1)} s wall (${summary.tokens_train.toLocaleString("en-US")} train + ${summary.tokens_val.toLocaleString("en-US")} val tokens)`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

// 5. Training and evaluation throughput of the reference architecture (cpu-small) vs PyTorch.
let trainRef: BenchTrainResult | undefined;
{
  const r = await benchTrain({ config: "cpu-small", onLine: (s) => line(`  ${s}`) });
  results.train = r;
  trainRef = r;
  line(
    `train cpu-small (batch 32x256, 2 threads): pgolf ${r.train_tokens_per_s.toFixed(0)} tokens/s (${r.train_step_ms.toFixed(0)} ms/step, MFU ${(100 * r.mfu).toFixed(0)}% of ${r.gemm_gflops.toFixed(0)} GFLOP/s measured), eval ${r.eval_tokens_per_s.toFixed(0)} tokens/s, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB`,
  );
  line(r.peer ? `  vs ${r.peer.peer}: train ${r.ratio_train!.toFixed(2)}x, eval ${r.ratio_eval!.toFixed(2)}x` : `  ${r.peer_note}`);
}

// 5b. The golf template's architecture (templates/golf/config.json's model, model_overrides and
// train_batch_tokens, read now; skipped with a note while the file does not exist) vs the PyTorch peer
// with the same options, and vs the baseline template's architecture in this run.
{
  const r = await golfArchBench({ line, reference: trainRef });
  if (r) results.train_golf = r;
}

// 6. The trusted evaluator end to end vs the PyTorch peer's forward pass, same stream, same run.
{
  const r = await evalSpeedBench((s) => line(`  ${s}`));
  results.eval = r;
  line(
    r.peer
      ? `trusted evaluation on ${r.cpu} (sotu-sp1024 val, cpu-small, 2 threads, ${r.pgolf.probes} probes by a fresh instance): pgolf ${r.pgolf.tokens_per_s.toFixed(0)} tokens/s vs ${r.peer.peer} forward ${r.peer.tokens_per_s.toFixed(0)} tokens/s (${r.ratio!.toFixed(2)}x); the probes keep ${(100 * r.probe_ratio).toFixed(0)}% of the throughput without them`
      : `trusted evaluation on ${r.cpu}: pgolf ${r.pgolf.tokens_per_s.toFixed(0)} tokens/s (${(100 * r.probe_ratio).toFixed(0)}% of it without probes); ${r.peer_note}`,
  );
}

// 6b. Sliding-window evaluation: eval tokens/s and val_bpb at eval_stride L, L/2, L/4 (one model, same targets).
{
  const r = await evalStrideBench((s) => line(`  ${s}`));
  results.eval_stride = r;
  const [full, ...rest] = r.rows;
  line(`sliding-window evaluation on ${r.cpu} (L ${r.seq_len}, ${r.targets} targets): ${r.rows.map((x) => `S ${x.stride} ${x.tokens_per_s.toFixed(0)} tokens/s val_bpb ${x.val_bpb.toFixed(4)}`).join("; ")}; S = L/4 costs ${(full.tokens_per_s / rest[rest.length - 1].tokens_per_s).toFixed(1)}x the time for ${(full.val_bpb - rest[rest.length - 1].val_bpb).toFixed(4)} bpb`);
}

// 7. The contest server under load: 200 concurrent clients on the leaderboard pages and API.
{
  const r = await serveLoadBench(200, 10, (s) => line(s));
  if (r) results.serve_load = r;
  const b = await submissionBurstBench(100, (s) => line(s));
  if (b) results.submission_burst = b;
  // the event loop's share of one 63 MiB upload (what every other request waits behind)
  const u = await uploadCpuBench(6, (s) => line(s));
  if (u) results.upload_cpu = u;
}

// 7b. pgolf lineage on the contest's 2,030 PR submissions: time, memory, one incremental check, and
// citation recovery@3 against a naive winnowing baseline measured in the same run.
{
  const r = await lineageCorpusBench();
  if (!r) line("lineage: pr-corpus.tar.xz not found beside the project, skipped");
  else {
    results.lineage = r;
    const naive = r.naive as { recoveryAt3: number };
    const inc = r.incremental as { seconds: number; peakRssMB: number };
    line(
      `lineage on ${r.cpu}: ${r.submissions} submissions in ${r.seconds} s, peak ${r.peakRssMB} MB; one new submission against the saved index in ${inc.seconds} s (fresh process, peak ${inc.peakRssMB} MB); citation recovery@3 ${r.recoveryAt3} over ${r.citing} citing submissions vs naive winnowing ${naive.recoveryAt3}`,
    );
  }
}

// 8. Quality: pgolf run for 600 s vs the PyTorch peer trained the same way (PGOLF_BENCH_QUALITY_SECONDS
// to shorten; 0 skips it).
{
  const seconds = Number(process.env.PGOLF_BENCH_QUALITY_SECONDS ?? 600);
  if (seconds > 0) {
    const q = await qualityBench(seconds, (s) => line(`  ${s}`));
    results.quality = q;
    line(
      q.peer
        ? `quality (${seconds} s, sotu-sp1024): pgolf val_bpb ${q.pgolf.val_bpb.toFixed(4)} on ${q.pgolf.train_tokens.toLocaleString("en-US")} tokens vs ${q.peer.peer} ${q.peer.val_bpb.toFixed(4)} on ${q.peer.train_tokens.toLocaleString("en-US")} tokens`
        : `quality (${seconds} s): pgolf val_bpb ${q.pgolf.val_bpb.toFixed(4)}; ${q.peer_note}`,
    );
  }
}

fs.writeFileSync(path.join(outDir, "bench.json"), JSON.stringify(results, null, 2) + "\n");
line(`wrote ${path.relative(process.cwd(), path.join(outDir, "bench.json"))}`);
