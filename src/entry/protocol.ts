// The framing of the entry protocol (docs/eval-protocol.md): how the harness talks to an entry's
// process over its stdin/stdout: the trusted evaluator to a model process, and the training harness
// to a pgolf entry's training process. Every message is one frame (integers little-endian):
//   off  size  field
//     0     4  magic "PGEP"
//     4     1  u8 protocol version (1)
//     5     1  u8 kind (MessageKind)
//     6     2  u16 reserved, 0
//     8     4  u32 J: JSON header length in bytes
//    12     4  u32 P: payload length in bytes
//    16     J  JSON header (UTF-8 object)
//  16+J     P  payload: int32 tokens (SCORE, OBSERVE) or float32 log-probabilities (DIST)
import { PgolfError } from "../core/error.js";

export const PROTOCOL_MAGIC = "PGEP";
export const PROTOCOL_VERSION = 1;
export const FRAME_HEADER_BYTES = 16;
/** Largest JSON header a reader accepts, bytes. */
export const MAX_JSON_BYTES = 1 << 20;

export const MessageKind = {
  /** evaluator -> model: {protocol, vocab_size, bos, artifact, config, chunk_tokens, targets}. */
  HELLO: 1,
  /** model -> evaluator: {name}. */
  READY: 2,
  /** evaluator -> model: {chunk, start}, int32[n] tokens (maybe a probe: see the protocol). */
  SCORE: 3,
  /** model -> evaluator: {chunk, n}, float32[n * vocab] natural-log probabilities. */
  DIST: 4,
  /** evaluator -> model: {chunk, start}, int32[n] the chunk's real tokens: the model may now learn from them. */
  OBSERVE: 5,
  /** model -> evaluator: {} (after OBSERVE). */
  OK: 6,
  /** evaluator -> model: {} end of evaluation; the model exits. */
  BYE: 8,
  /** model -> evaluator: {message}: the model gives up. */
  ERROR: 9,
  // Training a pgolf entry (train/train_child.ts <-> train/harness.ts). The child starts with READY;
  // everything it sends is untrusted: the harness keeps the clock and writes every file.
  /** harness -> child: {entry, seed, threads, cap_ms, elapsed_ms, config, vocab_size, tokenizer, train_files, resumed}, payload: the checkpoint state (empty: a fresh start). */
  TRAIN_JOB: 20,
  /** child -> harness: {line}: a line for the run's log (filtered: it cannot imitate harness lines). */
  TRAIN_LOG: 21,
  /** child -> harness: {metric}: a flat JSON object for metrics.jsonl (tagged as the entry's). */
  TRAIN_METRIC: 22,
  /** child -> harness: {step, loss, tokens}: the live status line. */
  TRAIN_PROGRESS: 23,
  /** child -> harness: payload: the entry's checkpoint state; the harness stores it with its own clock and answers OK. */
  TRAIN_CHECKPOINT: 24,
  /** child -> harness: {}: the training loop is over; the export budget runs from here. */
  TRAIN_DONE: 25,
  /** child -> harness: payload: the artifact; the harness answers OK. */
  TRAIN_ARTIFACT: 26,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];
const KIND_NAMES = new Map(Object.entries(MessageKind).map(([k, v]) => [v as number, k]));

export function kindName(kind: number): string {
  return KIND_NAMES.get(kind) ?? `kind ${kind}`;
}

export interface Message {
  kind: MessageKind;
  header: Record<string, unknown>;
  payload: Uint8Array;
}

/** A frame as two pieces, its head (fixed header + JSON) and its payload, to write without joining them. */
export function encodeMessageParts(kind: MessageKind, header: Record<string, unknown>, payload: Uint8Array = new Uint8Array(0)): [Buffer, Buffer] {
  const whole = encodeHead(kind, header, payload.byteLength);
  return [whole, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
}

export function encodeMessage(kind: MessageKind, header: Record<string, unknown>, payload: Uint8Array = new Uint8Array(0)): Buffer {
  return Buffer.concat(encodeMessageParts(kind, header, payload));
}

function encodeHead(kind: MessageKind, header: Record<string, unknown>, payloadBytes: number): Buffer {
  // JSON padded with spaces to a multiple of 4 bytes, so the payload starts 4-byte aligned and a
  // reader can view it as int32/float32 without copying it
  const text = JSON.stringify(header);
  const json = Buffer.from(text + " ".repeat((4 - (Buffer.byteLength(text) % 4)) % 4), "utf8");
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.write(PROTOCOL_MAGIC, 0, "latin1");
  head.writeUInt8(PROTOCOL_VERSION, 4);
  head.writeUInt8(kind, 5);
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(payloadBytes, 12);
  return Buffer.concat([head, json]);
}

/** Reassembles frames from a byte stream that arrives in arbitrary pieces. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly maxPayloadBytes: number,
    private readonly source: string,
  ) {}

  push(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
  }

  /** The next complete message, or undefined until more bytes arrive. Throws EVAL_PROTOCOL on a bad frame. */
  next(): Message | undefined {
    if (this.buffered < FRAME_HEADER_BYTES) return undefined;
    // Look at the header without joining the pieces, so a large payload arriving in many pieces
    // is joined once, not once per piece.
    let head = this.chunks[0];
    if (head.length < FRAME_HEADER_BYTES) {
      head = Buffer.concat(this.chunks);
      this.chunks = [head];
    }
    const bad = (problem: string) =>
      new PgolfError("EVAL_PROTOCOL", `${this.source} sent a bad frame: ${problem}`, { fix: "write frames as docs/eval-protocol.md describes (and nothing else on stdout)" });
    if (head.toString("latin1", 0, 4) !== PROTOCOL_MAGIC) throw bad(`magic ${JSON.stringify(head.toString("latin1", 0, 4))}, expected "PGEP"`);
    if (head[4] !== PROTOCOL_VERSION) throw bad(`protocol version ${head[4]}, this evaluator speaks ${PROTOCOL_VERSION}`);
    const j = head.readUInt32LE(8);
    const p = head.readUInt32LE(12);
    if (j > MAX_JSON_BYTES) throw bad(`JSON header of ${j} bytes (limit ${MAX_JSON_BYTES})`);
    if (p > this.maxPayloadBytes) throw bad(`payload of ${p} bytes (limit ${this.maxPayloadBytes})`);
    if (this.buffered < FRAME_HEADER_BYTES + j + p) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [all];
    const kind = all[5];
    if (!KIND_NAMES.has(kind)) throw bad(`unknown message kind ${kind}`);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(all.toString("utf8", FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + j)) as Record<string, unknown>;
    } catch {
      throw bad("the JSON header does not parse");
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) throw bad("the JSON header is not an object");
    // a view when the payload is 4-byte aligned (writers pad the JSON so it is), else a copy
    const start = FRAME_HEADER_BYTES + j;
    let payload = all.subarray(start, start + p) as Uint8Array;
    if ((all.byteOffset + start) % 4 !== 0) payload = new Uint8Array(payload);
    const rest = all.subarray(FRAME_HEADER_BYTES + j + p);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return { kind: kind as MessageKind, header, payload };
  }
}

export function int32Payload(tokens: ArrayLike<number>): Uint8Array {
  const a = Int32Array.from(tokens);
  return new Uint8Array(a.buffer);
}

export function payloadInt32(m: Message): Int32Array {
  if (m.payload.byteLength % 4 !== 0) throw new PgolfError("EVAL_PROTOCOL", `${kindName(m.kind)} payload of ${m.payload.byteLength} bytes is not whole int32s`, { fix: "send int32 tokens" });
  return new Int32Array(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength / 4);
}

export function payloadFloat32(m: Message): Float32Array {
  if (m.payload.byteLength % 4 !== 0) throw new PgolfError("EVAL_PROTOCOL", `${kindName(m.kind)} payload of ${m.payload.byteLength} bytes is not whole float32s`, { fix: "send float32 little-endian log-probabilities" });
  return new Float32Array(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength / 4);
}
