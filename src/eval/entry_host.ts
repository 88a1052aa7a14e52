// The model side of the evaluation protocol for pgolf entries: run by the evaluator in the sandbox as
// `node <permission flags> entry_host.js /entry`, it loads the sealed entry and its artifact and
// answers frames on stdin/stdout. stdout carries frames only: console output goes to stderr.
//
// A windowed model is driven as the reference's eval_val drives it: the stream's targets are cut
// into non-overlapping windows of eval_seq_len (targets wL+1..wL+L read inputs wL..wL+L-1), each
// truncated at the end of what is revealed; windows of one length go in one batch. With eval_stride
// S < L the windows overlap (sliding-window evaluation, eval_window.ts): they start every S tokens
// and each scores only its last S targets, so every target has at least L - S tokens of context.
import * as fs from "node:fs";
import * as os from "node:os";
import { setBackend, setThreads } from "../engine/backend.js";
import type { EntryModel, StreamingModel, WindowedModel } from "../entry/contract.js";
import { evalWindow, type EvalWindow } from "../entry/eval_window.js";
import { ENTRY_CONFIG, loadEntry } from "../entry/load_entry.js";
import { describeChildError } from "../entry/child_error.js";
import { frameStdout } from "../entry/frame_stdout.js";
import { FrameReader, MessageKind, payloadInt32, type Message } from "../entry/protocol.js";
import { windowedScore } from "./windowed_score.js";

const send = frameStdout();

async function main(): Promise<void> {
  const sealedDir = process.argv[2];
  const reader = new FrameReader(1 << 30, "the evaluator");
  let model: EntryModel | undefined;
  let vocab = 0;
  let window: EvalWindow = evalWindow({});
  let history = new Int32Array(0);
  const handle = async (m: Message): Promise<boolean> => {
    switch (m.kind) {
      case MessageKind.HELLO: {
        const h = m.header as { vocab_size: number; bos: number; artifact: string; config: Record<string, unknown>; threads: number | null };
        const entry = await loadEntry(sealedDir);
        const config = { ...entry.config, ...h.config };
        const threads = h.threads ?? os.availableParallelism();
        setBackend("ort");
        setThreads(threads);
        vocab = h.vocab_size;
        window = evalWindow(config, ENTRY_CONFIG);
        history = Int32Array.of(h.bos);
        model = await entry.module.load(new Uint8Array(fs.readFileSync(h.artifact)), { config, vocabSize: vocab, threads });
        const kind = typeof (model as StreamingModel).score === "function" ? "streaming" : "windowed";
        if (kind === "windowed" && typeof (model as WindowedModel).logProbs !== "function") throw new Error("load() returned neither logProbs() nor score()");
        await send(MessageKind.READY, { name: sealedDir, model: kind });
        return true;
      }
      case MessageKind.SCORE: {
        const tokens = payloadInt32(m);
        const lp =
          typeof (model as StreamingModel).score === "function"
            ? await (model as StreamingModel).score(tokens, history)
            : await windowedScore(model as WindowedModel, window, vocab, history, tokens);
        await send(MessageKind.DIST, { chunk: m.header.chunk, n: tokens.length }, new Uint8Array(lp.buffer, lp.byteOffset, lp.byteLength));
        return true;
      }
      case MessageKind.OBSERVE: {
        const tokens = payloadInt32(m);
        const next = new Int32Array(history.length + tokens.length);
        next.set(history);
        next.set(tokens, history.length);
        const before = history;
        history = next;
        const observe = (model as StreamingModel).observe;
        if (typeof observe === "function") await observe.call(model, tokens, before);
        await send(MessageKind.OK, {});
        return true;
      }
      case MessageKind.BYE:
        return false;
      default:
        throw new Error(`unexpected message kind ${m.kind}`);
    }
  };
  let queue = Promise.resolve(true);
  let done = false;
  process.stdin.on("data", (d: Buffer) => {
    reader.push(d);
    for (let m = reader.next(); m; m = reader.next()) {
      const msg = m;
      queue = queue.then(async (go) => {
        if (!go || done) return false;
        const more = await handle(msg);
        if (!more) {
          done = true;
          process.exit(0);
        }
        return more;
      });
      queue.catch(async (e: unknown) => {
        const d = describeChildError(e, sealedDir);
        await send(MessageKind.ERROR, { message: `${d.code}: ${d.message}`, code: d.code });
        process.exit(1);
      });
    }
  });
  process.stdin.on("end", () => {
    void queue.then(() => process.exit(0));
  });
}

void main();
