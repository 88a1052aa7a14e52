// Encodes a corpus on all cores: documents are cut into batches of about 1 MB, batches go to worker
// threads that each hold the tokenizer, and results come back in document order, so the output is
// identical to encoding on one thread.
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { Progress } from "../core/progress.js";

export interface EncodeOptions {
  /** Threads to use (default: all cores). */
  threads?: number;
  /** Label of the progress bar. */
  label?: string;
}

/**
 * The worker module: built, plain .js; under tsx (tests, benchmarks) the .ts source, loaded through a
 * small ES module that registers tsx in the worker first (loader flags do not reach workers on Node 20).
 */
function workerUrl(): URL {
  if (!import.meta.url.endsWith(".ts")) return new URL("./encode_worker.js", import.meta.url);
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};
register();
await import(${JSON.stringify(new URL("./encode_worker.ts", import.meta.url).href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

/** Token ids of every document, in order (without BOS). */
export async function encodeDocuments(modelBytes: Uint8Array, modelFile: string, texts: string[], opts: EncodeOptions = {}): Promise<Int32Array[]> {
  const threads = Math.max(1, Math.min(opts.threads ?? os.availableParallelism(), texts.length || 1));
  const batches: Array<{ start: number; end: number }> = [];
  const target = 1 << 20;
  for (let i = 0; i < texts.length; ) {
    let bytes = 0;
    let j = i;
    while (j < texts.length && (j === i || bytes < target)) bytes += texts[j++].length;
    batches.push({ start: i, end: j });
    i = j;
  }
  const out: Int32Array[] = new Array(texts.length);
  const totalChars = texts.reduce((a, t) => a + t.length, 0);
  const progress = new Progress(opts.label ?? "encode", totalChars, { unit: "MB", scale: 1e6 });
  const url = workerUrl();
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { model: modelBytes, file: modelFile } }));
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= batches.length) return resolve();
              const b = next++;
              w.postMessage({ batch: b, texts: texts.slice(batches[b].start, batches[b].end) });
            };
            w.on("message", (m: { batch: number; flat: Int32Array; lengths: Int32Array }) => {
              const { start, end } = batches[m.batch];
              let off = 0;
              for (let d = start; d < end; d++) {
                const n = m.lengths[d - start];
                out[d] = m.flat.subarray(off, off + n);
                off += n;
                progress.tick(texts[d].length);
              }
              send();
            });
            w.on("error", reject);
            w.on("exit", (code) => (code !== 0 ? reject(new Error(`encode worker exited with code ${code}`)) : undefined));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    progress.finish();
  }
  return out;
}
