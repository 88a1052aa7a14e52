// Worker thread of the encode pool: loads the tokenizer once from its model bytes, then encodes
// batches of documents and returns each batch as one flat Int32Array plus per-document lengths.
import { parentPort, workerData } from "node:worker_threads";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

const tok = SentencePieceTokenizer.fromBytes(workerData.model as Uint8Array, workerData.file as string);

parentPort!.on("message", (msg: { batch: number; texts: string[] }) => {
  const ids: number[] = [];
  const lengths = new Int32Array(msg.texts.length);
  msg.texts.forEach((t, i) => {
    const before = ids.length;
    tok.encodeInto(t, ids);
    lengths[i] = ids.length - before;
  });
  const flat = Int32Array.from(ids);
  parentPort!.postMessage({ batch: msg.batch, flat, lengths }, [flat.buffer, lengths.buffer]);
});
