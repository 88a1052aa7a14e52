// The contest's lineage analysis, in one long-lived worker thread (contest_lineage.ts talks to it):
// it owns the contest's fingerprint index (lineage_index.ts), so a new submission is checked
// against every earlier one without re-reading them, and the event loop never carries the work.
//
// A request names a submission and brings its record pack. The thread unpacks it into scratch
// space, fingerprints its code (unwrapping packed code), resolves its credits, and attributes it
// against the index (attribute.ts); then adds it to the index. The code it analysed is kept, gzip'd,
// as `<dir>/texts/<id>.json.gz`, so later findings can quote both sides. The index is saved to
// `<dir>/lineage.idx` at most every SAVE_EVERY_MS (and when asked); what a crash loses since, the
// server re-indexes from the stored packs at its next start (ContestLineage.catchUp).
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { parentPort } from "node:worker_threads";
import { unpackRecordFolder } from "../artifact/pack.js";
import { writeFileAtomic } from "../core/atomic.js";
import { isPgolfError } from "../core/error.js";
import { attribute, type SubmissionLineage } from "../lineage/attribute.js";
import { parsersReady } from "../lineage/code_tokens.js";
import { codeFiles, type Submission } from "../lineage/corpus.js";
import { prepareEntry, significantlyBetter } from "../lineage/lineage.js";
import { LineageIndex } from "../lineage/lineage_index.js";
import { intakeScratchDir } from "./intake_scratch.js";
import { yieldToTheServer } from "./server_thread.js";

yieldToTheServer();

export const SAVE_EVERY_MS = 10_000;

export type LineageRequest =
  | { op: "add"; seq: number; dir: string; id: string; author: string; date: string; name: string; pr: number | null; pack: Uint8Array; analyse: boolean }
  | { op: "ids"; seq: number; dir: string }
  | { op: "save"; seq: number; dir: string };

export type LineageReply = { seq: number } & ({ ok: true; lineage?: SubmissionLineage | null; ids?: string[] } | { ok: false; error: { code: string; message: string } });

let index: LineageIndex | null = null;
let indexDir = "";
let dirty = false;
let lastSave = 0;
let saveTimer: NodeJS.Timeout | null = null;

function open(dir: string): LineageIndex {
  if (index && indexDir === dir) return index;
  indexDir = dir;
  fs.mkdirSync(path.join(dir, "texts"), { recursive: true });
  const file = path.join(dir, "lineage.idx");
  try {
    index = fs.existsSync(file) ? LineageIndex.load(file) : new LineageIndex();
  } catch (e) {
    // a damaged index is a cache: set aside and rebuilt from the packs (ContestLineage.catchUp)
    if (!isPgolfError(e)) throw e;
    fs.renameSync(file, `${file}.damaged-${Date.now()}`);
    index = new LineageIndex();
  }
  return index;
}

async function save(): Promise<void> {
  if (!index || !dirty) return;
  dirty = false;
  lastSave = Date.now();
  await index.save(path.join(indexDir, "lineage.idx"));
}

function scheduleSave(): void {
  dirty = true;
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    void save();
  }, Math.max(0, SAVE_EVERY_MS - (Date.now() - lastSave)));
}

const texts = new Map<string, Map<string, string[]>>(); // a few submissions' analysed files, by id

function textsFile(id: string): string {
  return path.join(indexDir, "texts", `${id.replace(/[^A-Za-z0-9_-]/g, "_")}.json.gz`);
}

function storedText(sub: Submission, file: string): string[] | null {
  let files = texts.get(sub.id);
  if (!files) {
    try {
      const obj = JSON.parse(zlib.gunzipSync(fs.readFileSync(textsFile(sub.id))).toString("utf8")) as Record<string, string>;
      files = new Map(Object.entries(obj).map(([k, v]) => [k, v.split("\n")]));
    } catch {
      return null;
    }
    if (texts.size > 64) texts.clear();
    texts.set(sub.id, files);
  }
  return files.get(file) ?? null;
}

async function add(req: Extract<LineageRequest, { op: "add" }>): Promise<SubmissionLineage | null> {
  await parsersReady();
  const idx = open(req.dir);
  const known = idx.byId.get(req.id);
  if (known !== undefined) return req.analyse ? attribute(idx, idx.entries[known], { betterThan: significantlyBetter, textOf: storedText }) : null;
  const work = fs.mkdtempSync(path.join(intakeScratchDir(), `pgolf-lineage-${process.pid}-`));
  try {
    unpackRecordFolder(Buffer.from(req.pack.buffer, req.pack.byteOffset, req.pack.byteLength), work, `submission ${req.id}`);
    const sub: Submission = { id: req.id, pr: req.pr, folder: req.name, date: req.date, time: Date.parse(req.date), author: req.author, dir: path.join(indexDir, "texts", req.id), code: codeFiles(work) };
    const own = new Map<string, string>();
    // the folder is read where it was unpacked; the entry keeps a stable dir for identity
    const prepared = await prepareEntry(idx, { ...sub, dir: work }, "records", (file, text) => own.set(file, text));
    prepared.entry.sub = sub;
    const ownLines = new Map([...own].map(([k, v]) => [k, v.split("\n")]));
    const lineage = req.analyse ? attribute(idx, prepared.entry, { betterThan: significantlyBetter, textOf: (s, file) => (s.id === req.id ? (ownLines.get(file) ?? null) : storedText(s, file)) }) : null;
    await writeFileAtomic(textsFile(req.id), zlib.gzipSync(JSON.stringify(Object.fromEntries(own))));
    idx.add(prepared.entry);
    scheduleSave();
    return lineage;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function handle(req: LineageRequest): Promise<LineageReply> {
  try {
    if (req.op === "add") return { seq: req.seq, ok: true, lineage: await add(req) };
    if (req.op === "ids") return { seq: req.seq, ok: true, ids: [...open(req.dir).byId.keys()] };
    open(req.dir);
    dirty = true;
    await save();
    return { seq: req.seq, ok: true };
  } catch (e) {
    return { seq: req.seq, ok: false, error: { code: isPgolfError(e) ? e.code : "LINEAGE_INDEX", message: (e as Error).message } };
  }
}

// one request at a time, in the order they came: each submission is attributed against all earlier ones
let chain = Promise.resolve();
parentPort!.on("message", (req: LineageRequest) => {
  chain = chain.then(async () => parentPort!.postMessage(await handle(req)));
});
