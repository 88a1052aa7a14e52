// SentencePiece's trainer_interface.cc in TypeScript: what every model trainer shares. pgolf has
// one trainer, the BPE trainer (bpe_model_trainer.ts), which runs these steps around its merges:
//  - VerifySpec: the options, with the official Parameter Golf builder's defaults
//    (openai/parameter-golf data/download_hf_docs_and_tokenize.py, build_sentencepiece_tokenizer);
//  - InitMetaPieces: <unk>, <s>, </s>, <pad>, user-defined symbols and the 256 byte pieces <0xXX>;
//  - LoadSentences: documents fed the way the builder feeds SentencePiece (one document per
//    sentence, NUL replaced by a space, surrounding whitespace stripped, empty documents dropped);
//    sentences longer than maxSentenceLength UTF-8 bytes, or holding U+2585 "▅" (SentencePiece's
//    unknown-character marker), skipped as SentencePiece skips them; each sentence normalized (the
//    model's own normalizer: nmt_nfkc or identity, whitespace as "▁") with meta pieces cut out
//    (replaced by a boundary that never merges);
//  - SplitSentencesByWhitespace: the text cut into words before each "▁", identical words
//    counted once with their count;
//  - character coverage: the required characters are the most frequent ones until
//    characterCoverage of all character occurrences is reached; the others become "▅";
//  - IsValidSentencePiece: which strings may become pieces;
//  - Serialize: the final .model (ModelProto) and .vocab text.
//
// The normalization table a trained model carries is, by default, the pinned nmt_nfkc table
// (pinned_charsmap.ts): the same bytes whatever Node (and Unicode version) trains. Building it from
// this Node's ICU is the opt-in `buildCharsmapFromLocalIcu`.
//
// inputSentenceSize > 0 samples sentences with a seeded reservoir sampler of pgolf's own: the
// sample is deterministic but not the one SentencePiece's libstdc++ sampler would draw.
import { compareCodePoints } from "../../core/code_points.js";
import { mulberry32 } from "../../core/random.js";
import { PgolfError } from "../../core/error.js";
import { encodeModelProto, ModelType, PieceType, type ModelPiece, type NormalizerSpecFields } from "./model_proto.js";
import { localIcuPrecompiledCharsMap } from "./normalization_rule.js";
import { Normalizer } from "./normalizer.js";
import { pinnedNmtNfkcCharsMap } from "./pinned_charsmap.js";
import { HAN, HIRAGANA, INHERITED, KATAKANA, scriptOf } from "./unicode_script.js";

export interface TrainerOptions {
  /** Pieces in the model, meta pieces included (required). */
  vocabSize: number;
  /** 256 byte pieces <0x00>..<0xFF> for characters outside the vocabulary (default true). */
  byteFallback?: boolean;
  /** Digits never merge with anything (default true). */
  splitDigits?: boolean;
  /** Normalization rules (default "nmt_nfkc"). */
  normalization?: "nmt_nfkc" | "identity";
  /** Put a "▁" in front of every sentence (default false, as the official builder sets it). */
  addDummyPrefix?: boolean;
  /** Drop leading, trailing and repeated whitespace (default true). */
  removeExtraWhitespaces?: boolean;
  /** Share of character occurrences the required characters must cover (default 0.999, range 0.98..1). */
  characterCoverage?: number;
  /** Longest piece, in characters (default 16, range 1..512). */
  maxPieceLength?: number;
  /** Pieces never span "▁" except at their start (default true). */
  splitByWhitespace?: boolean;
  /** Pieces hold one Unicode script (default true). */
  splitByUnicodeScript?: boolean;
  /** Digits count as their own script (default true). */
  splitByNumber?: boolean;
  padId?: number;
  bosId?: number;
  eosId?: number;
  unkId?: number;
  /** Pieces kept whole and never split (default none). */
  userDefinedSymbols?: string[];
  /** Fail when fewer than vocabSize pieces can be made (default false: the vocabulary shrinks). */
  hardVocabLimit?: boolean;
  /** Documents longer than this many UTF-8 bytes are skipped, as SentencePiece does (default 4192). */
  maxSentenceLength?: number;
  /** Train on a deterministic sample of this many documents; 0 = all (default 0). */
  inputSentenceSize?: number;
  /** Stored as trainer_spec.model_prefix (informational; SentencePiece stores its output prefix). */
  modelPrefix?: string;
  /**
   * The normalization rules as a compiled precompiled_charsmap blob (e.g. the official model's, to
   * normalize exactly as it does), used instead of the default: the pinned nmt_nfkc table
   * (pinned_charsmap.ts) for "nmt_nfkc", no rules for "identity". `normalization` still names them
   * in the model.
   */
  precompiledCharsmap?: Uint8Array;
  /**
   * Build the nmt_nfkc rules from this Node's ICU (String.prototype.normalize) instead of using the
   * pinned table (default false). The model's bytes then depend on the Unicode version of the Node
   * that trains it; the pinned table's do not. Ignored when precompiledCharsmap is given.
   */
  buildCharsmapFromLocalIcu?: boolean;
}

export interface TrainerStats {
  /** Documents given. */
  documents: number;
  /** Documents empty after stripping whitespace (the builder drops them). */
  emptyDocuments: number;
  /** Documents skipped for being longer than maxSentenceLength bytes. */
  tooLongDocuments: number;
  /** Documents skipped for containing U+2585. */
  reservedCharDocuments: number;
  /** Documents trained on (after sampling, non-empty after normalization). */
  sentences: number;
  /** Character occurrences in the normalized training text. */
  characters: number;
  /** Distinct characters seen. */
  distinctCharacters: number;
  /** Characters kept as pieces (the alphabet). */
  requiredCharacters: number;
  /** Share of character occurrences the alphabet covers. */
  coverage: number;
  /** Distinct words after normalization. */
  distinctWords: number;
  /** Pieces the model trainer learned (BPE: merged pieces made). */
  merges: number;
  /** Pieces in the model. */
  vocabSize: number;
  /** Wall time, seconds (not part of the model). */
  seconds: number;
}

export interface TrainerResult {
  /** The .model file bytes (a SentencePiece ModelProto). */
  model: Uint8Array;
  /** The .vocab file text: one "piece\tscore" line per piece, as SentencePiece writes it. */
  vocab: string;
  stats: TrainerStats;
}

const WS = "\u2581"; // "▁", SentencePiece's whitespace symbol
export const UNK_CHAR = 0x2585; // "▅", kUNKChar: stands for characters outside the alphabet
const BOUNDARY = "\t"; // kUPPBoundaryStr: what meta pieces in the text become
const SAMPLE_SEED = 12345678; // SentencePiece's sampler seed (the sampler itself differs)
/**
 * vocabSize stays below this: the BPE trainer keys a pair of symbol ids (left, right) by the number
 * left * 2 * MAX_VOCAB_SIZE + right, which needs every symbol id (at most vocabSize + 1) below
 * 2 * MAX_VOCAB_SIZE.
 */
export const MAX_VOCAB_SIZE = 1 << 20;

export function trainError(problem: string, fix: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("TOKENIZER_TRAIN", problem, { file: "<tokenizer training>", fix, details });
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  vocabSize: number;
  byteFallback: boolean;
  splitDigits: boolean;
  normalization: "nmt_nfkc" | "identity";
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  characterCoverage: number;
  maxPieceLength: number;
  splitByWhitespace: boolean;
  splitByUnicodeScript: boolean;
  splitByNumber: boolean;
  padId: number;
  bosId: number;
  eosId: number;
  unkId: number;
  userDefinedSymbols: string[];
  hardVocabLimit: boolean;
  maxSentenceLength: number;
  inputSentenceSize: number;
  modelPrefix?: string;
  precompiledCharsmap?: Uint8Array;
  buildCharsmapFromLocalIcu: boolean;
}

/** Defaults of the official builder; ranges of trainer_interface.cc VerifySpec. */
export function resolveOptions(o: TrainerOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    vocabSize: o.vocabSize,
    byteFallback: o.byteFallback ?? true,
    splitDigits: o.splitDigits ?? true,
    normalization: o.normalization ?? "nmt_nfkc",
    addDummyPrefix: o.addDummyPrefix ?? false,
    removeExtraWhitespaces: o.removeExtraWhitespaces ?? true,
    characterCoverage: o.characterCoverage ?? 0.999,
    maxPieceLength: o.maxPieceLength ?? 16,
    splitByWhitespace: o.splitByWhitespace ?? true,
    splitByUnicodeScript: o.splitByUnicodeScript ?? true,
    splitByNumber: o.splitByNumber ?? true,
    padId: o.padId ?? 0,
    bosId: o.bosId ?? 1,
    eosId: o.eosId ?? 2,
    unkId: o.unkId ?? 3,
    userDefinedSymbols: o.userDefinedSymbols ?? [],
    hardVocabLimit: o.hardVocabLimit ?? false,
    maxSentenceLength: o.maxSentenceLength ?? 4192,
    inputSentenceSize: o.inputSentenceSize ?? 0,
    modelPrefix: o.modelPrefix,
    precompiledCharsmap: o.precompiledCharsmap,
    buildCharsmapFromLocalIcu: o.buildCharsmapFromLocalIcu ?? false,
  };
  const bad = (what: string, fix: string) => {
    throw new PgolfError("CONFIG_INVALID", `tokenizer option ${what}`, { fix });
  };
  if (!Number.isInteger(r.vocabSize) || r.vocabSize <= 0) bad(`vocabSize=${r.vocabSize} is not a positive integer`, "set vocabSize, e.g. 1024");
  if (!(r.vocabSize < MAX_VOCAB_SIZE)) bad(`vocabSize=${r.vocabSize} is too large`, `use a vocabSize below ${MAX_VOCAB_SIZE}`);
  if (r.normalization !== "nmt_nfkc" && r.normalization !== "identity") bad(`normalization="${String(r.normalization)}" is not known`, 'use "nmt_nfkc" or "identity"');
  if (!(r.characterCoverage >= 0.98 && r.characterCoverage <= 1)) bad(`characterCoverage=${r.characterCoverage} is outside 0.98..1`, "use a value in 0.98..1, e.g. 0.999");
  if (!(Number.isInteger(r.maxPieceLength) && r.maxPieceLength >= 1 && r.maxPieceLength <= 512)) bad(`maxPieceLength=${r.maxPieceLength} is outside 1..512`, "use e.g. 16");
  if (!(Number.isInteger(r.maxSentenceLength) && r.maxSentenceLength >= 10 && r.maxSentenceLength <= 1073741824)) {
    bad(`maxSentenceLength=${r.maxSentenceLength} is outside 10..1073741824`, "use e.g. 4192");
  }
  if (!(Number.isInteger(r.inputSentenceSize) && (r.inputSentenceSize === 0 || r.inputSentenceSize > 100))) {
    bad(`inputSentenceSize=${r.inputSentenceSize} must be 0 (all) or more than 100`, "use 0 to train on every document");
  }
  for (const [name, id] of [["padId", r.padId], ["bosId", r.bosId], ["eosId", r.eosId], ["unkId", r.unkId]] as const) {
    if (!Number.isInteger(id) || id < -1) bad(`${name}=${id} is not an id (or -1 for none)`, "use a small non-negative id, or -1 to leave the piece out");
  }
  for (const s of r.userDefinedSymbols) if (s.length === 0) bad("userDefinedSymbols holds an empty string", "remove the empty symbol");
  return r;
}

// ---------------------------------------------------------------------------------------------
// Meta pieces (trainer_interface.cc InitMetaPieces).

export interface MetaPiece {
  piece: string;
  type: number;
}

function byteToPiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}

export function metaPieces(o: ResolvedOptions): Map<number, MetaPiece> {
  const metas = new Map<number, MetaPiece>();
  const names = { unk: "<unk>", bos: "<s>", eos: "</s>", pad: "<pad>" };
  let hasUnk = false;
  const insertId = (id: number, piece: string, what: string) => {
    if (id < 0) return;
    if (id >= o.vocabSize || metas.has(id) || (hasUnk && piece === names.unk)) {
      throw trainError(`${what} id ${id} is taken or outside the vocabulary of ${o.vocabSize}`, "give pad/bos/eos/unk distinct ids below vocabSize");
    }
    if (piece === names.unk) hasUnk = true;
    metas.set(id, { piece, type: piece === names.unk ? PieceType.UNKNOWN : PieceType.CONTROL });
  };
  insertId(o.unkId, names.unk, "unk");
  insertId(o.bosId, names.bos, "bos");
  insertId(o.eosId, names.eos, "eos");
  insertId(o.padId, names.pad, "pad");
  if (!hasUnk) throw trainError("the <unk> piece has no id", "set unkId to a non-negative id (default 3)");

  const seen = new Set<string>();
  let next = 0;
  const insertSymbol = (piece: string, type: number) => {
    if (seen.has(piece)) throw trainError(`meta piece "${piece}" is defined twice`, "list each user-defined symbol once; byte pieces <0xXX> exist already with byteFallback");
    seen.add(piece);
    if (piece === names.unk) throw trainError('"<unk>" cannot be a user-defined symbol', "remove it from userDefinedSymbols");
    if (piece === names.bos && o.bosId >= 0) metas.get(o.bosId)!.type = type;
    else if (piece === names.eos && o.eosId >= 0) metas.get(o.eosId)!.type = type;
    else if (piece === names.pad && o.padId >= 0) metas.get(o.padId)!.type = type;
    else {
      while (metas.has(next)) next++;
      metas.set(next, { piece, type });
    }
  };
  for (const s of o.userDefinedSymbols) insertSymbol(s, PieceType.USER_DEFINED);
  if (o.byteFallback) for (let b = 0; b < 256; b++) insertSymbol(byteToPiece(b), PieceType.BYTE);
  return metas;
}

// ---------------------------------------------------------------------------------------------
// Text preparation (LoadSentences).

/**
 * Python's str.isspace() set, which the builder's `.strip()` removes: Unicode White_Space plus the
 * information separators U+001C..U+001F (Python counts them; JavaScript's trim() does not, and
 * trims U+FEFF, which Python keeps).
 */
function isPythonSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** The builder's `text.replace("\x00", " ").strip()`. */
function builderClean(text: string): string {
  let s = text.includes("\0") ? text.replaceAll("\0", " ") : text;
  let a = 0;
  let b = s.length;
  while (a < b && isPythonSpace(s.charCodeAt(a))) a++;
  while (b > a && isPythonSpace(s.charCodeAt(b - 1))) b--;
  if (a > 0 || b < s.length) s = s.slice(a, b);
  return s;
}

/** Replaces every occurrence of a meta piece by `BOUNDARY` (normalizer.cc PrefixMatcher::GlobalReplace). */
class MetaReplacer {
  private readonly byFirst = new Map<number, string[]>();
  private readonly firstChars: RegExp;

  constructor(pieces: string[]) {
    for (const p of pieces) {
      const c = p.codePointAt(0)!;
      const list = this.byFirst.get(c) ?? [];
      list.push(p);
      this.byFirst.set(c, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    const esc = [...this.byFirst.keys()].map((c) => `\\u{${c.toString(16)}}`).join("");
    this.firstChars = esc.length > 0 ? new RegExp(`[${esc}]`, "u") : /$^/;
  }

  replace(s: string): string {
    if (!this.firstChars.test(s)) return s;
    let out = "";
    for (let i = 0; i < s.length; ) {
      const c = s.codePointAt(i)!;
      const step = c > 0xffff ? 2 : 1;
      const list = this.byFirst.get(c);
      let matched = 0;
      if (list) for (const p of list) if (s.startsWith(p, i)) {
        matched = p.length;
        break;
      }
      if (matched > 0) {
        out += BOUNDARY;
        i += matched;
      } else {
        out += s.slice(i, i + step);
        i += step;
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Valid pieces (IsValidSentencePiece).

/** kAnyType: a character that fits any script (a digit without splitByNumber; the first one). */
const ANY_SCRIPT = -1;

function isDecimal(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19);
}

function isValidCodepoint(c: number): boolean {
  return c < 0xd800 || (c >= 0xe000 && c <= 0x10ffff);
}

/** trainer_interface.cc IsValidSentencePiece, for treat_whitespace_as_suffix=false. */
export function isValidPiece(chars: number[], o: ResolvedOptions): boolean {
  const n = chars.length;
  if (n === 0 || n > o.maxPieceLength) return false;
  let prev = ANY_SCRIPT;
  for (let pos = 0; pos < n; pos++) {
    const c = chars[pos];
    if (c === UNK_CHAR || c === 0 || c === 0x09 || c === 0x20 || !isValidCodepoint(c)) return false;
    if (c === 0x2581) {
      if (o.splitByWhitespace ? pos > 0 : pos > 0 && pos === n - 1) return false;
      continue;
    }
    let s = scriptOf(c);
    if (s === HIRAGANA || s === KATAKANA || c === 0x30fc) s = HAN;
    else if (s === INHERITED) s = prev;
    if (!o.splitByNumber && isDecimal(c)) s = ANY_SCRIPT;
    if (o.splitDigits && isDecimal(c) && n > 1) return false;
    if (o.splitByUnicodeScript && s !== ANY_SCRIPT && prev !== ANY_SCRIPT && prev !== s) return false;
    prev = s;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The normalization table and the sentences (LoadSentences, SplitSentencesByWhitespace).

/**
 * The precompiled_charsmap the model carries and training normalizes with: the given blob, else the
 * pinned nmt_nfkc table (identity: none), or with buildCharsmapFromLocalIcu this Node's ICU rules.
 */
export function trainingCharsMap(o: ResolvedOptions): Uint8Array {
  if (o.precompiledCharsmap) return o.precompiledCharsmap;
  if (o.normalization === "identity") return new Uint8Array(0);
  return o.buildCharsmapFromLocalIcu ? localIcuPrecompiledCharsMap(o.normalization) : pinnedNmtNfkcCharsMap();
}

/** A stats record with every count at zero (seconds is the trainer's to set). */
export function emptyStats(): TrainerStats {
  return {
    documents: 0, emptyDocuments: 0, tooLongDocuments: 0, reservedCharDocuments: 0, sentences: 0, characters: 0,
    distinctCharacters: 0, requiredCharacters: 0, coverage: 0, distinctWords: 0, merges: 0, vocabSize: 0, seconds: 0,
  };
}

/**
 * Selects, normalizes and cuts `docs` into words: word -> occurrences (LoadSentences and the
 * counting of SplitSentencesByWhitespace). Counts documents into `stats`.
 */
export function loadSentences(
  docs: Iterable<string>,
  o: ResolvedOptions,
  metas: Map<number, MetaPiece>,
  nspec: NormalizerSpecFields,
  stats: TrainerStats,
): Map<string, number> {
  const normalizer = new Normalizer(nspec, { file: "<precompiledCharsmap option>" }); // checks a given blob
  const replacer = new MetaReplacer([...metas.values()].map((m) => m.piece));
  const wordCounts = new Map<string, number>();
  const addSentence = (text: string) => {
    const normalized = normalizer.normalizeBytes(Buffer.from(text, "utf8"));
    if (normalized.length === 0) return;
    const s = replacer.replace(Buffer.from(normalized.buffer, normalized.byteOffset, normalized.byteLength).toString("utf8"));
    stats.sentences++;
    if (!o.splitByWhitespace) {
      wordCounts.set(s, (wordCounts.get(s) ?? 0) + 1);
      return;
    }
    let start = 0;
    while (start < s.length) {
      let cut = s.indexOf(WS, start + 1);
      if (cut < 0) cut = s.length;
      const w = s.slice(start, cut);
      wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
      start = cut;
    }
  };
  const sample: string[] = [];
  const random = mulberry32(SAMPLE_SEED);
  let eligible = 0;
  for (const doc of docs) {
    stats.documents++;
    const text = builderClean(doc);
    if (text.length === 0) {
      stats.emptyDocuments++;
      continue;
    }
    if (Buffer.byteLength(text, "utf8") > o.maxSentenceLength) {
      stats.tooLongDocuments++;
      continue;
    }
    if (text.includes("\u2585")) {
      stats.reservedCharDocuments++;
      continue;
    }
    if (o.inputSentenceSize === 0) {
      addSentence(text);
      continue;
    }
    eligible++;
    if (sample.length < o.inputSentenceSize) sample.push(text);
    else {
      const k = Math.floor(random() * eligible);
      if (k < sample.length) sample[k] = text;
    }
  }
  for (const text of sample) addSentence(text);
  if (wordCounts.size === 0) {
    throw trainError("no training text is left after normalization", "pass non-empty documents (documents longer than maxSentenceLength bytes are skipped)", {
      documents: stats.documents,
      tooLong: stats.tooLongDocuments,
    });
  }
  return wordCounts;
}

// ---------------------------------------------------------------------------------------------
// Character coverage.

/** A word of the training text: its characters (code points, rare ones as "▅") and occurrences. */
export interface TrainingWord {
  chars: number[];
  count: number;
}

/**
 * The alphabet by characterCoverage (characters by count, then code point): `required` as
 * [code point, occurrences], most frequent first. `words`: the words with the other characters
 * replaced by "▅", words that became equal counted together, in SplitSentencesByWhitespace's order
 * (count descending, then the word). Empties `wordCounts`.
 */
export function requiredCharacters(
  wordCounts: Map<string, number>,
  o: ResolvedOptions,
  metas: Map<number, MetaPiece>,
  stats: TrainerStats,
): { required: Array<[number, number]>; words: TrainingWord[] } {
  // Characters by count, then code point, until characterCoverage of the occurrences.
  const charCounts = new Map<number, number>();
  let allChars = 0;
  for (const [w, count] of wordCounts) {
    for (const ch of w) {
      const c = ch.codePointAt(0)!;
      if (c === 0 || !isValidCodepoint(c)) continue;
      charCounts.set(c, (charCounts.get(c) ?? 0) + count);
      allChars += count;
    }
  }
  const byCount = [...charCounts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const required: Array<[number, number]> = [];
  let accumulated = 0;
  const coverageTarget = Math.fround(o.characterCoverage);
  for (const [c, count] of byCount) {
    // SentencePiece computes the coverage in float and stores the option as float.
    if (Math.fround(accumulated / allChars) >= coverageTarget) break;
    accumulated += count;
    if (c === BOUNDARY.charCodeAt(0)) continue; // the meta-piece boundary is never a piece
    required.push([c, count]);
  }
  stats.characters = allChars;
  stats.distinctCharacters = charCounts.size;
  stats.requiredCharacters = required.length;
  stats.coverage = accumulated / allChars;
  if (required.length + metas.size > o.vocabSize) {
    throw trainError(
      `vocabSize ${o.vocabSize} is smaller than the ${metas.size} meta pieces plus the ${required.length} required characters`,
      "increase vocabSize or decrease characterCoverage",
      { metaPieces: metas.size, requiredCharacters: required.length },
    );
  }

  // Rare characters become "▅"; words that become equal are counted together.
  const requiredSet = new Set(required.map(([c]) => c));
  const merged = new Map<string, number[]>();
  const mergedCount = new Map<string, number>();
  for (const [w, count] of wordCounts) {
    const chars: number[] = [];
    let rare = false;
    for (const ch of w) {
      const c = ch.codePointAt(0)!;
      if (requiredSet.has(c)) chars.push(c);
      else {
        chars.push(UNK_CHAR);
        rare = true;
      }
    }
    const key = rare ? Array.from(w, (ch) => (requiredSet.has(ch.codePointAt(0)!) ? ch : "\u2585")).join("") : w;
    if (!merged.has(key)) merged.set(key, chars);
    mergedCount.set(key, (mergedCount.get(key) ?? 0) + count);
  }
  // SplitSentencesByWhitespace's order: count descending, then the word.
  const words = [...merged.keys()]
    .sort((a, b) => mergedCount.get(b)! - mergedCount.get(a)! || compareCodePoints(a, b))
    .map((k) => ({ chars: merged.get(k)!, count: mergedCount.get(k)! }));
  stats.distinctWords = words.length;
  wordCounts.clear();
  return { required, words };
}

// ---------------------------------------------------------------------------------------------
// Output formatting.

/** A float as C++ `std::ostream << float` prints it (precision 6, %g style; -0 stays "-0"). */
function formatScore(x: number): string {
  if (Object.is(x, -0)) return "-0";
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mant, expText] = x.toExponential(5).split("e");
  const exp = Number(expText);
  const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= 6) return `${strip(mant)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return strip(x.toFixed(5 - exp));
}

/** Fields SentencePiece writes: the ones the official builder sets, plus any non-default option. */
function trainerSpec(o: ResolvedOptions, vocabSize: number): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (o.modelPrefix !== undefined) spec.model_prefix = o.modelPrefix;
  spec.model_type = ModelType.BPE;
  spec.vocab_size = vocabSize;
  spec.character_coverage = o.characterCoverage;
  if (o.inputSentenceSize !== 0) spec.input_sentence_size = o.inputSentenceSize;
  if (o.maxSentenceLength !== 4192) spec.max_sentence_length = o.maxSentenceLength;
  if (o.maxPieceLength !== 16) spec.max_sentencepiece_length = o.maxPieceLength;
  if (!o.splitByUnicodeScript) spec.split_by_unicode_script = false;
  if (!o.splitByWhitespace) spec.split_by_whitespace = false;
  if (!o.splitByNumber) spec.split_by_number = false;
  spec.split_digits = o.splitDigits;
  if (o.userDefinedSymbols.length > 0) spec.user_defined_symbols = o.userDefinedSymbols;
  spec.hard_vocab_limit = o.hardVocabLimit;
  spec.byte_fallback = o.byteFallback;
  spec.unk_id = o.unkId;
  spec.bos_id = o.bosId;
  spec.eos_id = o.eosId;
  spec.pad_id = o.padId;
  return spec;
}

export function normalizerSpec(o: ResolvedOptions, charsmap: Uint8Array): NormalizerSpecFields {
  return {
    name: o.normalization,
    precompiled_charsmap: charsmap,
    add_dummy_prefix: o.addDummyPrefix,
    remove_extra_whitespaces: o.removeExtraWhitespaces,
    escape_whitespaces: true,
    normalization_rule_tsv: "",
  };
}

// ---------------------------------------------------------------------------------------------
// The model (Serialize).

/**
 * Lays out the model (Serialize): meta pieces at their ids (pad/bos/eos/unk, then user-defined
 * symbols, then the 256 byte pieces with byteFallback), then `finals` (the trainer's pieces in
 * order, with their scores) in the free ids. Returns the .model bytes and the .vocab text; sets
 * stats.vocabSize.
 */
export function serialize(
  o: ResolvedOptions,
  metas: Map<number, MetaPiece>,
  finals: Array<{ piece: string; score: number }>,
  nspec: NormalizerSpecFields,
  stats: TrainerStats,
): { model: Uint8Array; vocab: string } {
  const pieces: ModelPiece[] = [];
  const seen = new Set<string>();
  let fid = 0;
  for (let id = 0; id < o.vocabSize; id++) {
    const meta = metas.get(id);
    let entry: ModelPiece;
    if (meta) {
      if (pieces.length !== id) {
        throw trainError(`meta piece ${meta.piece} cannot get id ${id}: only ${pieces.length} pieces come before it`, "use smaller ids for pad/bos/eos/unk or a larger corpus");
      }
      entry = { piece: meta.piece, score: 0, type: meta.type as ModelPiece["type"] };
    } else if (fid < finals.length) {
      const f = finals[fid++];
      entry = { piece: f.piece, score: f.score, type: PieceType.NORMAL };
    } else continue;
    if (seen.has(entry.piece)) throw trainError(`piece "${entry.piece}" would be defined twice`, "rename the user-defined symbol that clashes with a learned piece");
    seen.add(entry.piece);
    pieces.push(entry);
  }
  if (o.hardVocabLimit && pieces.length !== o.vocabSize) {
    throw trainError(`only ${pieces.length} pieces could be made, not vocabSize ${o.vocabSize}`, `set vocabSize <= ${pieces.length}, add training text, or set hardVocabLimit false`);
  }
  stats.vocabSize = pieces.length;

  // NORMAL is the proto default: SentencePiece leaves the type out for normal pieces.
  const protoPieces = pieces.map((p) => (p.type === PieceType.NORMAL ? { piece: p.piece, score: p.score } : p)) as ModelPiece[];
  const model = encodeModelProto({
    pieces: protoPieces,
    trainer_spec: trainerSpec(o, pieces.length),
    normalizer_spec: {
      name: nspec.name,
      precompiled_charsmap: nspec.precompiled_charsmap,
      add_dummy_prefix: nspec.add_dummy_prefix,
      ...(o.removeExtraWhitespaces ? {} : { remove_extra_whitespaces: false }),
    },
  });
  const vocab = pieces.map((p) => `${p.piece}\t${formatScore(Math.fround(p.score))}\n`).join("");
  return { model, vocab };
}
