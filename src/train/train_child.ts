// The training child: the process the harness (harness.ts) starts in the sandbox, as
// `node <permission flags> train_child.js`, to train one seed of a sealed pgolf entry. It owns nothing:
// it says READY, gets its job (TRAIN_JOB: the seed, the cap, the time already used, the data paths
// and any checkpoint state), runs the entry's train(ctx), and sends everything the entry produces back
// over stdout frames — log lines, metrics, progress, checkpoints, "training done" and the artifact.
// The harness keeps the clock, filters and writes every file, and decides what the run was. The
// entry's clock here is a read-only view: it starts from the harness's figure at the job's arrival.
// stdout carries frames only: everything the entry prints goes to stderr.
import { setBackend, setThreads } from "../engine/backend.js";
import { readTrainingText } from "../data/course_text.js";
import { TokenStream } from "../data/token_stream.js";
import { loadTokenizer } from "../data/tokenizer/load.js";
import { PgolfError } from "../core/error.js";
import { describeChildError } from "../entry/child_error.js";
import type { TrainContext } from "../entry/contract.js";
import { loadEntry } from "../entry/load_entry.js";
import { frameStdout } from "../entry/frame_stdout.js";
import { FrameReader, MessageKind, type Message } from "../entry/protocol.js";
import { WallClock } from "./clock.js";

const send = frameStdout();

/** What the harness sends in TRAIN_JOB's header. */
export interface TrainJob {
  /** The sealed entry, as this process sees it. */
  entry: string;
  seed: number;
  threads: number;
  cap_ms: number | null;
  /** Training time already used (a resume), by the harness's clock, milliseconds. */
  elapsed_ms: number;
  config: Record<string, unknown>;
  vocab_size: number;
  tokenizer: string;
  train_files: string[];
  /** The training text files (JSONL), as this process sees them; empty when the course has none. */
  train_text?: string[];
  resumed: boolean;
}

const reader = new FrameReader(1 << 30, "the harness");
const inbox: Message[] = [];
const waiting: ((m: Message) => void)[] = [];
process.stdin.on("data", (d: Buffer) => {
  reader.push(d);
  for (let m = reader.next(); m; m = reader.next()) {
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  }
});
// the harness is gone: nothing to train for
process.stdin.on("end", () => process.exit(1));

function receive(): Promise<Message> {
  const m = inbox.shift();
  return m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
}

async function expectOk(): Promise<void> {
  const m = await receive();
  if (m.kind !== MessageKind.OK) throw new Error(`the harness answered with message kind ${m.kind}`);
}

async function main(): Promise<void> {
  await send(MessageKind.READY, {});
  const jobMsg = await receive();
  if (jobMsg.kind !== MessageKind.TRAIN_JOB) throw new Error(`expected TRAIN_JOB, got message kind ${jobMsg.kind}`);
  const job = jobMsg.header as unknown as TrainJob;
  const state = jobMsg.payload.byteLength > 0 ? new Uint8Array(jobMsg.payload) : undefined;
  const clock = new WallClock(job.cap_ms ?? Infinity, job.elapsed_ms);
  try {
    const entry = await loadEntry(job.entry);
    setBackend("ort");
    setThreads(job.threads);
    // Frames go out at once, in order: stdout on a pipe is written synchronously on Linux, so a
    // TRAIN_DONE reaches the harness when it is called, not after an export that keeps the event loop busy.
    const post = (kind: MessageKind, header: Record<string, unknown>) => void send(kind, header);
    // Training data closes when the training loop ends: what follows ctx.trainingDone() runs on the
    // export budget, so from then on every stream handed out throws, and no new one (or the training
    // text) is given. Calibration on training data (GPTQ's Hessians) belongs before it.
    let trainingOver = false;
    const handedOut: TokenStream[] = [];
    const closed = (what: string) =>
      new PgolfError("ENTRY_ACCESS", `${what} after ctx.trainingDone(): the training data closes when the training loop ends`, {
        file: job.entry,
        fix: "read every batch you need (calibration data too) before calling ctx.trainingDone(); what follows it runs on the export budget and may only quantize, compress and serialize",
      });
    const ctx: TrainContext = {
      config: { ...entry.config, ...job.config },
      seed: job.seed,
      threads: job.threads,
      vocabSize: job.vocab_size,
      tokenizer: loadTokenizer(job.tokenizer),
      trainStream: () => {
        if (trainingOver) throw closed("ctx.trainStream()");
        const s = new TokenStream(job.train_files, job.vocab_size);
        handedOut.push(s);
        return s;
      },
      trainingText: () => {
        if (trainingOver) throw closed("ctx.trainingText()");
        return readTrainingText(job.train_text ?? []);
      },
      clock,
      log: (line) => post(MessageKind.TRAIN_LOG, { line: String(line) }),
      metric: (m) => post(MessageKind.TRAIN_METRIC, { metric: m }),
      progress: (p) => post(MessageKind.TRAIN_PROGRESS, { step: p.step, loss: p.loss, tokens: p.tokens }),
      trainingDone: () => {
        if (!trainingOver) {
          trainingOver = true;
          for (const s of handedOut) s.revoke(closed("a training stream read"));
          handedOut.length = 0;
        }
        post(MessageKind.TRAIN_DONE, {});
      },
      saveCheckpoint: async (s) => {
        if (trainingOver) throw closed("ctx.saveCheckpoint()");
        await send(MessageKind.TRAIN_CHECKPOINT, {}, s);
        await expectOk();
      },
      loadCheckpoint: () => state,
    };
    const artifact = await entry.module.train(ctx);
    if (!(artifact instanceof Uint8Array) || artifact.length === 0) {
      await send(MessageKind.ERROR, { code: "CONFIG_INVALID", message: "the entry's train() did not return artifact bytes", fix: "return the exported artifact as a Uint8Array" });
      process.exit(1);
    }
    await send(MessageKind.TRAIN_ARTIFACT, {}, artifact);
    await expectOk();
    process.exit(0);
  } catch (e) {
    const d = describeChildError(e, job.entry);
    await send(MessageKind.ERROR, { ...d });
    process.exit(1);
  }
}

main().catch(async (e: unknown) => {
  await send(MessageKind.ERROR, { code: "ENTRY_CRASHED", message: (e as Error)?.stack ?? String(e) });
  process.exit(1);
});
