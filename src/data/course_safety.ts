// Course safety: the memorization bound of a course's validation split, and what it means on each
// track. An entry's counted bytes (code + artifact) may hold anything, the validation text included:
// where the validation split fits, compressed, under a track's byte cap, an entry can carry it and
// score near 0 bits per byte. On that track the course is a practice course, not safe for ranked play
// (unless the validation split is held only by the scorer, as a contest server can).
//
// The memorization bound is the smallest compressed size, in bytes, that the strongest
// general-purpose compressors pgolf has (compressed_size.ts: brotli quality 11, xz preset 9e) reach on
// either of two representations from which the validation token stream is rebuilt:
//  - text: the UTF-8 text of each validation document as its tokens spell it (the tokenizer's
//    decode), each followed by one 0x1E separator byte; the course's own tokenizer encodes it back;
//  - tokens: the validation token stream itself, uint16 little-endian, as the shards store it.
// The bound is what general-purpose compression costs; a stronger coder (PPM, cmix, or a model of the
// training split) needs fewer bytes, so "safe" means an entry cannot ship the whole split by ordinary
// compression, and `carry_fraction` says how much of it still fits.
//
// The files measured are checked against the manifest's sha256 first, so a bound always belongs to
// the exact course a manifest names. Nothing is cached: the figure is recomputed from verified bytes.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { sha256File } from "../core/hash.js";
import { TRACKS, type Track } from "../core/track.js";
import { compressedSize, SIZE_CODECS, sizeCodecUnavailable, type CompressedSize, type SizeCodec } from "./compressed_size.js";
import { courseTokenizer, openCourse, readValTokens, type Course } from "./course.js";
import { filesOf } from "./manifest.js";

export type BoundInput = "text" | "tokens";

export interface BoundSize extends CompressedSize {
  input: BoundInput;
}

export interface BoundFigure {
  /** Bytes: the smallest complete compressed size, or (exact false) a lower bound. */
  bytes: number;
  /** False when the streams were stopped past the largest cap: the true figure is above `bytes`. */
  exact: boolean;
}

export interface MemorizationBound {
  course: string;
  manifest_sha256: string;
  val_docs: number;
  val_tokens: number;
  /** UTF-8 bytes of the decoded documents with their separators, and of the uint16 stream. */
  text_bytes: number;
  token_bytes: number;
  /** Every compressor on every representation. */
  sizes: BoundSize[];
  /** Codecs this machine could not run, with the reason. */
  unavailable: { codec: SizeCodec; reason: string }[];
  text: BoundFigure;
  tokens: BoundFigure;
  /** The memorization bound: the smaller of the two. */
  bound: BoundFigure;
  /** Streams stop once they emit more than this many bytes (the largest cap judged): every verdict is still decided. */
  stop_above_bytes: number;
  seconds: number;
}

export type SafetyVerdict = "safe for ranked play" | "not safe for ranked play";

export interface TrackSafety {
  track: string;
  /** The track's byte cap (code + artifact), decimal bytes. */
  cap_bytes: number;
  /** Ranked tracks have a training cap; the non-record track is not ranked. */
  ranked: boolean;
  bound_bytes: number;
  /** bound > cap: the whole split cannot ride in an entry by general-purpose compression. */
  safe: boolean;
  verdict: SafetyVerdict;
  /** Share of the validation split that fits compressed in the cap, min(1, cap / bound); an upper figure when the bound is not exact. */
  carry_fraction: number;
}

export interface CourseSafety {
  course: string;
  manifest_sha256: string;
  bound: MemorizationBound;
  tracks: TrackSafety[];
  /** Not safe on at least one ranked track: a practice course there. */
  practice: boolean;
}

/** The record separator written after each document's text (one byte in UTF-8). */
const DOC_SEPARATOR = "\u001e";

/** The documents of a token stream split at BOS, without their BOS (tokens before the first BOS form a document too). */
function documents(tokens: Uint16Array, bos: number): Uint16Array[] {
  const out: Uint16Array[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i === tokens.length || tokens[i] === bos) {
      if (i > start) out.push(tokens.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Checks the validation shards and the tokenizer against the manifest's sizes and sha256 (COURSE_VERIFY). */
async function checkMeasuredFiles(course: Course): Promise<void> {
  for (const f of [...filesOf(course.manifest, "tokenizer").slice(0, 1), ...filesOf(course.manifest, "val")]) {
    const file = path.join(course.dir, f.path);
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
    const problem = size === undefined ? "is missing" : size !== f.bytes ? `is ${size} bytes, the manifest says ${f.bytes}` : (await sha256File(file)) !== f.sha256 ? "does not match the manifest's sha256" : null;
    if (problem) {
      throw new PgolfError("COURSE_VERIFY", `${f.path} ${problem}, so its memorization bound would not be the course's`, {
        file,
        fix: "rebuild or re-fetch the course (`pgolf data prepare --force`, `pgolf data fetch`), then run `pgolf data verify`",
      });
    }
  }
}

/** The smallest size over `sizes`, exact unless a stopped stream could still end below it. */
function smallest(sizes: CompressedSize[]): BoundFigure {
  const complete = sizes.filter((s) => s.complete).map((s) => s.bytes);
  const stopped = sizes.filter((s) => !s.complete).map((s) => s.bytes);
  const best = complete.length ? Math.min(...complete) : Infinity;
  // a stopped stream ends above what it had emitted, so it cannot beat a complete size at or below that
  if (stopped.every((b) => b >= best)) return { bytes: best, exact: true };
  return { bytes: Math.min(best, ...stopped), exact: false };
}

export interface BoundOptions {
  /** Stop a stream once it emits more than this many bytes (default: the largest cap of `tracks`). */
  stopAboveBytes?: number;
  /** Tracks whose caps the stop limit must cover (default: every track of core/track.ts). */
  tracks?: Track[];
}

/** The memorization bound of an opened course, from its verified validation shards. */
export async function memorizationBound(course: Course, opts: BoundOptions = {}): Promise<MemorizationBound> {
  const t0 = performance.now();
  const tracks = opts.tracks ?? Object.values(TRACKS);
  const stopAbove = opts.stopAboveBytes ?? Math.max(...tracks.map((t) => t.maxBytes));
  await checkMeasuredFiles(course);
  const stream = readValTokens(course);
  const tok = courseTokenizer(course);
  const docs = documents(stream, tok.bosId);
  const text = Buffer.from(docs.map((d) => tok.decode(d) + DOC_SEPARATOR).join(""), "utf8");
  // the shards' own byte order (little-endian), whatever this machine's is
  const tokens = Buffer.alloc(stream.length * 2);
  for (let i = 0; i < stream.length; i++) tokens.writeUInt16LE(stream[i], i * 2);

  const codecs = SIZE_CODECS.filter((c) => sizeCodecUnavailable(c) === null);
  const unavailable = SIZE_CODECS.filter((c) => sizeCodecUnavailable(c) !== null).map((codec) => ({ codec, reason: sizeCodecUnavailable(codec)! }));
  const jobs = (["text", "tokens"] as const).flatMap((input) =>
    codecs.map(async (codec): Promise<BoundSize> => ({ input, ...(await compressedSize(input === "text" ? text : tokens, codec, stopAbove, `the validation ${input} of ${course.name}`)) })),
  );
  const sizes = await Promise.all(jobs);
  const textFigure = smallest(sizes.filter((s) => s.input === "text"));
  const tokensFigure = smallest(sizes.filter((s) => s.input === "tokens"));
  return {
    course: course.name,
    manifest_sha256: course.manifestSha256,
    val_docs: docs.length,
    val_tokens: stream.length,
    text_bytes: text.length,
    token_bytes: tokens.length,
    sizes,
    unavailable,
    text: textFigure,
    tokens: tokensFigure,
    bound: smallest(sizes),
    stop_above_bytes: stopAbove,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The verdict of each track on a bound (a stopped bound decides only caps up to its stop limit). */
export function trackVerdicts(b: MemorizationBound, tracks: Track[] = Object.values(TRACKS)): TrackSafety[] {
  return tracks.map((t) => {
    if (!b.bound.exact && t.maxBytes > b.stop_above_bytes) {
      throw new PgolfError("CONFIG_INVALID", `the memorization bound of ${b.course} was measured only up to ${b.stop_above_bytes} bytes, below the ${t.maxBytes}-byte cap of ${t.name}`, {
        fix: `measure again with stopAboveBytes at least ${t.maxBytes} (or pass the track to memorizationBound)`,
      });
    }
    const safe = b.bound.bytes > t.maxBytes;
    return {
      track: t.name,
      cap_bytes: t.maxBytes,
      ranked: t.trainSeconds !== null,
      bound_bytes: b.bound.bytes,
      safe,
      verdict: safe ? "safe for ranked play" : "not safe for ranked play",
      carry_fraction: Math.min(1, t.maxBytes / b.bound.bytes),
    };
  });
}

/**
 * A course's safety on every track: its memorization bound and per-track verdicts. Takes an opened
 * course or its folder. `pgolf run` calls this to say "practice course"; `pgolf data verify` reports it.
 */
export async function courseSafety(course: Course | string, opts: { tracks?: Track[] } = {}): Promise<CourseSafety> {
  const c = typeof course === "string" ? openCourse(course) : course;
  const tracks = opts.tracks ?? Object.values(TRACKS);
  const bound = await memorizationBound(c, { tracks });
  const verdicts = trackVerdicts(bound, tracks);
  return { course: c.name, manifest_sha256: c.manifestSha256, bound, tracks: verdicts, practice: verdicts.some((v) => v.ranked && !v.safe) };
}

/** The verdict for one track (CONFIG_INVALID when the safety report does not cover it). */
export function safetyOn(s: CourseSafety, trackName: string): TrackSafety {
  const v = s.tracks.find((t) => t.track === trackName);
  if (!v) throw new PgolfError("CONFIG_INVALID", `the safety report of ${s.course} has no verdict for track "${trackName}"`, { fix: `compute it with the track: courseSafety(course, { tracks: [track("${trackName}")] })` });
  return v;
}

/** One line per track for people: cap, bound, verdict. */
export function describeSafety(s: CourseSafety): string[] {
  const mb = (n: number) => `${(n / 1e6).toFixed(3)} MB`;
  const b = s.bound;
  const head = `memorization bound of ${s.course}: ${b.bound.exact ? "" : "more than "}${b.bound.bytes.toLocaleString("en-US")} bytes (text ${b.text.exact ? "" : "> "}${b.text.bytes.toLocaleString("en-US")}, tokens ${b.tokens.exact ? "" : "> "}${b.tokens.bytes.toLocaleString("en-US")}; ${b.seconds.toFixed(1)} s)`;
  return [
    head,
    ...s.tracks.map((t) => `  ${t.track}: cap ${mb(t.cap_bytes)}, bound ${b.bound.exact ? "" : "> "}${mb(t.bound_bytes)}: ${t.verdict}${t.safe ? ` (${(t.carry_fraction * 100).toFixed(0)}% of the split fits in the cap)` : t.ranked ? " (a practice course on this track)" : ""}`),
  ];
}
