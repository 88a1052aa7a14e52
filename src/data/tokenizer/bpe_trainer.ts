// Training a SentencePiece BPE tokenizer in TypeScript: the pipeline of SentencePiece's
// trainer_interface.cc (LoadSentences, SplitSentencesByWhitespace, Serialize) and
// bpe_model_trainer.cc (Train), fed the way the Parameter Golf builder
// (openai/parameter-golf data/download_hf_docs_and_tokenize.py, build_sentencepiece_tokenizer)
// feeds SentencePiece: one document per sentence, NUL replaced by a space, surrounding whitespace
// stripped, empty documents dropped. The result is a .model SentencePiece loads and a .vocab as it
// writes them.
//
// Steps:
//  1. sentences longer than maxSentenceLength UTF-8 bytes, or holding U+2585 "▅" (SentencePiece's
//     unknown-character marker), are skipped, as SentencePiece skips them;
//  2. each sentence is normalized (the model's own normalizer: nmt_nfkc or identity, whitespace
//     as "▁"), and occurrences of meta pieces (<unk>, <s>, </s>, <pad>, <0xXX>, user-defined
//     symbols) are cut out (replaced by a boundary that never merges);
//  3. the text is cut into words before each "▁" and identical words are counted once, with
//     their count;
//  4. required characters: the most frequent characters until characterCoverage of all
//     characters is reached; the others become "▅" and never merge;
//  5. greedy merges: repeatedly the adjacent symbol pair with the highest count becomes a piece.
//     Ties go to the shorter piece (in characters), then the smaller piece in code point order
//     (bpe_model_trainer.cc), then the pair of earlier-created symbols. A pair may only form a
//     valid piece (IsValidSentencePiece): at most maxPieceLength characters, "▁" only in front,
//     one Unicode script (splitByUnicodeScript), digits alone (splitDigits). Repeated pairs count
//     without overlap ("aaa" holds one "aa"), with SentencePiece's quirk of never again counting
//     a repeated pair it once skipped (see BpeMerger.markRuns);
//  6. layout (Serialize): meta pieces at their ids (pad/bos/eos/unk, then user-defined symbols,
//     then the 256 byte pieces when byteFallback), then the merged pieces scored 0, -1, -2, ... in
//     merge order, then the required characters by frequency with the scores continuing.
//
// Differences from SentencePiece, by design:
//  - SentencePiece only rescans the 5% most frequent pairs (at least 1000) every 100 merges; here
//    every pair is tracked exactly (a heap with incremental count updates), so the most frequent
//    pair always wins. The vocabularies agree except where SentencePiece's shortlist missed it
//    (on every corpus and setting tried, the .vocab files were byte-identical to SentencePiece
//    0.1.97's; see bpe_trainer.test.ts). Where two splits of one string tie ("aa"+"a", "a"+"aa"),
//    SentencePiece's pick depends on pointer hashing; here on symbol age.
//  - SentencePiece keeps adding pieces of count 0 when the corpus has no pairs left; here
//    training stops there (with hardVocabLimit false the vocabulary is then smaller).
//  - inputSentenceSize > 0 samples sentences with a seeded reservoir sampler of pgolf's own: the
//    sample is deterministic but not the one SentencePiece's libstdc++ sampler would draw.
// Everything is deterministic: no Map iteration order of unequal things, locale or timing decides
// anything, and document order does not matter, so the same documents give byte-identical .model
// files on any machine with the same Unicode version in Node's ICU (the nmt_nfkc rules come from
// it; pass `precompiledCharsmap`, e.g. the official model's, to pin them across Node versions).
import { compareCodePoints } from "../../core/code_points.js";
import { GrowableArray } from "../../core/growable.js";
import { mulberry32 } from "../../core/random.js";
import { PgolfError } from "../../core/error.js";
import { precompiledCharsMap } from "./charsmap_builder.js";
import { encodeModelProto, ModelType, PieceType, type ModelPiece, type NormalizerSpecFields } from "./model_proto.js";
import { Normalizer } from "./normalizer.js";

export interface BpeTrainOptions {
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
   * The normalization rules as a compiled precompiled_charsmap blob, used instead of building
   * `normalization`'s rules from Node's ICU (e.g. the official model's, to normalize exactly as it
   * does whatever Unicode version Node has). `normalization` still names them in the model.
   */
  precompiledCharsmap?: Uint8Array;
}

export interface BpeTrainStats {
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
  /** Merged pieces made. */
  merges: number;
  /** Pieces in the model. */
  vocabSize: number;
  /** Wall time, seconds (not part of the model). */
  seconds: number;
}

export interface BpeTrainResult {
  /** The .model file bytes (a SentencePiece ModelProto). */
  model: Uint8Array;
  /** The .vocab file text: one "piece\tscore" line per piece, as SentencePiece writes it. */
  vocab: string;
  stats: BpeTrainStats;
}

const WS = "\u2581"; // "▁", SentencePiece's whitespace symbol
const UNK_CHAR = 0x2585; // "▅", kUNKChar: stands for characters outside the alphabet
const BOUNDARY = "\t"; // kUPPBoundaryStr: what meta pieces in the text become
const SAMPLE_SEED = 12345678; // SentencePiece's sampler seed (the sampler itself differs)
/** Symbol ids stay below this, so that a pair (left, right) has the numeric key left * PAIR_KEY + right. */
const PAIR_KEY = 1 << 21;

function trainError(problem: string, fix: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("TOKENIZER_TRAIN", problem, { file: "<tokenizer training>", fix, details });
}

interface ResolvedOptions {
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
}

/** Defaults of the official builder; ranges of trainer_interface.cc VerifySpec. */
function resolveOptions(o: BpeTrainOptions): ResolvedOptions {
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
  };
  const bad = (what: string, fix: string) => {
    throw new PgolfError("CONFIG_INVALID", `tokenizer option ${what}`, { fix });
  };
  if (!Number.isInteger(r.vocabSize) || r.vocabSize <= 0) bad(`vocabSize=${r.vocabSize} is not a positive integer`, "set vocabSize, e.g. 1024");
  if (!(r.vocabSize < PAIR_KEY / 2)) bad(`vocabSize=${r.vocabSize} is too large`, `use a vocabSize below ${PAIR_KEY / 2}`);
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

interface MetaPiece {
  piece: string;
  type: number;
}

function byteToPiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}

function metaPieces(o: ResolvedOptions): Map<number, MetaPiece> {
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
// Text preparation.

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
// Unicode scripts (unicode_script.cc GetScript: unlisted characters are Common).

/** Script names of Unicode's Scripts.txt, as JavaScript's \p{Script=...} knows them. */
const SCRIPT_NAMES = [
  "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari", "Bengali", "Gurmukhi", "Gujarati",
  "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul",
  "Ethiopic", "Cherokee", "Canadian_Aboriginal", "Ogham", "Runic", "Khmer", "Mongolian", "Hiragana", "Katakana", "Bopomofo", "Han",
  "Yi", "Old_Italic", "Gothic", "Deseret", "Inherited", "Tagalog", "Hanunoo", "Buhid", "Tagbanwa", "Limbu", "Tai_Le", "Linear_B",
  "Ugaritic", "Shavian", "Osmanya", "Cypriot", "Braille", "Buginese", "Coptic", "New_Tai_Lue", "Glagolitic", "Tifinagh",
  "Syloti_Nagri", "Old_Persian", "Kharoshthi", "Balinese", "Cuneiform", "Phoenician", "Phags_Pa", "Nko", "Sundanese", "Lepcha",
  "Ol_Chiki", "Vai", "Saurashtra", "Kayah_Li", "Rejang", "Lycian", "Carian", "Lydian", "Cham", "Tai_Tham", "Tai_Viet", "Avestan",
  "Egyptian_Hieroglyphs", "Samaritan", "Lisu", "Bamum", "Javanese", "Meetei_Mayek", "Imperial_Aramaic", "Old_South_Arabian",
  "Inscriptional_Parthian", "Inscriptional_Pahlavi", "Old_Turkic", "Kaithi", "Batak", "Brahmi", "Mandaic", "Chakma",
  "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Sharada", "Sora_Sompeng", "Takri", "Caucasian_Albanian", "Bassa_Vah",
  "Duployan", "Elbasan", "Grantha", "Pahawh_Hmong", "Khojki", "Linear_A", "Mahajani", "Manichaean", "Mende_Kikakui", "Modi", "Mro",
  "Old_North_Arabian", "Nabataean", "Palmyrene", "Pau_Cin_Hau", "Old_Permic", "Psalter_Pahlavi", "Siddham", "Khudawadi", "Tirhuta",
  "Warang_Citi", "Ahom", "Anatolian_Hieroglyphs", "Hatran", "Multani", "Old_Hungarian", "SignWriting", "Adlam", "Bhaiksuki",
  "Marchen", "Newa", "Osage", "Tangut", "Masaram_Gondi", "Nushu", "Soyombo", "Zanabazar_Square", "Dogra", "Gunjala_Gondi",
  "Makasar", "Medefaidrin", "Hanifi_Rohingya", "Sogdian", "Old_Sogdian", "Elymaic", "Nandinagari", "Nyiakeng_Puachue_Hmong",
  "Wancho", "Chorasmian", "Dives_Akuru", "Khitan_Small_Script", "Yezidi", "Cypro_Minoan", "Old_Uyghur", "Tangsa", "Toto",
  "Vithkuqi", "Kawi", "Nag_Mundari",
];
const COMMON = 0;
const ANY_SCRIPT = -1;
let scriptRegexes: Array<[number, RegExp]> | undefined;
const scriptCache = new Map<number, number>();
const HAN = 1 + SCRIPT_NAMES.indexOf("Han");
const INHERITED = 1 + SCRIPT_NAMES.indexOf("Inherited");
const HIRAGANA = 1 + SCRIPT_NAMES.indexOf("Hiragana");
const KATAKANA = 1 + SCRIPT_NAMES.indexOf("Katakana");

/** Script number of a code point: 0 Common, else 1 + index in SCRIPT_NAMES. */
function scriptOf(cp: number): number {
  let s = scriptCache.get(cp);
  if (s !== undefined) return s;
  scriptRegexes ??= SCRIPT_NAMES.map((name, i) => [i + 1, new RegExp(`^\\p{Script=${name}}$`, "u")] as [number, RegExp]);
  const ch = String.fromCodePoint(cp);
  s = COMMON;
  for (const [id, re] of scriptRegexes) {
    if (re.test(ch)) {
      s = id;
      break;
    }
  }
  scriptCache.set(cp, s);
  return s;
}

function isDecimal(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19);
}

function isValidCodepoint(c: number): boolean {
  return c < 0xd800 || (c >= 0xe000 && c <= 0x10ffff);
}

/** trainer_interface.cc IsValidSentencePiece, for treat_whitespace_as_suffix=false. */
function isValidPiece(chars: number[], o: ResolvedOptions): boolean {
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
// The BPE merge loop (bpe_model_trainer.cc Train), exact: every pair's count is kept up to date.

class BpeMerger {
  // Symbols: required characters, the unknown marker, then merged pieces.
  readonly symChars: number[][] = [];
  readonly symText: string[] = [];
  private readonly unkSymbol: number;
  // Words: symbol sequences and counts.
  private readonly words: Int32Array[];
  /**
   * untracked[w][i] = 1: the adjacency of symbols i and i+1 of word w, a repeated pair (X, X),
   * is one SentencePiece stopped tracking (see `markRuns`): it is neither counted nor merged.
   */
  private readonly untracked: Uint8Array[];
  private readonly wordLen: Int32Array;
  private readonly wordCount: Float64Array;
  private readonly wordStamp: Int32Array;
  /** Scratch for mergeWord: old index of each symbol after a merge (-1: the new symbol). */
  private origin = new Int32Array(64);
  // Pairs: pair key -> pair index (or -1: not a valid piece).
  private readonly pairIndex = new Map<number, number>();
  private readonly pairLeft = new GrowableArray(new Int32Array(1024));
  private readonly pairRight = new GrowableArray(new Int32Array(1024));
  private readonly pairFreq = new GrowableArray(new Float64Array(1024));
  private readonly pairText: string[] = [];
  private readonly pairDone: number[] = [];
  private readonly pairWords: number[][] = [];
  // Pairs whose count changed during the current merge, with the count before it.
  private readonly touched: number[] = [];
  private readonly touchedBefore = new Map<number, number>();
  // Max-heap of (pair, count at push time); stale entries are skipped when popped.
  private heapPair = new Int32Array(1024);
  private heapFreq = new Float64Array(1024);
  private heapSize = 0;

  constructor(
    alphabet: number[],
    words: Array<{ chars: number[]; count: number }>,
    private readonly o: ResolvedOptions,
  ) {
    const charSymbol = new Map<number, number>();
    for (const c of alphabet) {
      charSymbol.set(c, this.symChars.length);
      this.symChars.push([c]);
      this.symText.push(String.fromCodePoint(c));
    }
    this.unkSymbol = this.symChars.length;
    this.symChars.push([UNK_CHAR]);
    this.symText.push(String.fromCodePoint(UNK_CHAR));

    this.words = words.map((w) => Int32Array.from(w.chars, (c) => charSymbol.get(c) ?? this.unkSymbol));
    this.wordLen = Int32Array.from(words, (w) => w.chars.length);
    this.wordCount = Float64Array.from(words, (w) => w.count);
    this.wordStamp = new Int32Array(words.length).fill(-1);
    this.untracked = this.words.map((seq) => new Uint8Array(seq.length));
    for (let w = 0; w < this.words.length; w++) {
      this.markRuns(w, -1);
      this.countPairs(w, 1, -1);
    }
    for (const p of this.touched) this.heapPush(p);
    this.touched.length = 0;
    this.touchedBefore.clear();
  }

  /** Index of the pair (a, b), creating it on first sight; -1 when it cannot form a piece. */
  private pairOf(a: number, b: number): number {
    const key = a * PAIR_KEY + b;
    let p = this.pairIndex.get(key);
    if (p !== undefined) return p;
    p = -1;
    if (a !== this.unkSymbol && b !== this.unkSymbol) {
      const chars = this.symChars[a].concat(this.symChars[b]);
      if (isValidPiece(chars, this.o)) {
        p = this.pairLeft.push(a);
        this.pairRight.push(b);
        this.pairFreq.push(0);
        this.pairText.push(this.symText[a] + this.symText[b]);
        this.pairDone.push(0);
        this.pairWords.push([]);
      }
    }
    this.pairIndex.set(key, p);
    return p;
  }

  /**
   * SentencePiece's bookkeeping of repeated pairs (bpe_model_trainer.cc ComputeFreq): positions of
   * a pair (X, X) are recorded when X's adjacencies appear (all characters at the start, a merged
   * symbol's neighbours when it is made), and the first count after that drops every second one
   * of a run ("XXXX" keeps the pairs at 0 and 2) for good. A dropped one is never counted or
   * merged again, even when its kept neighbour later disappears into another merge ("?..." after
   * "?." is merged keeps no ".." pair). Marks those adjacencies in runs of `symbol` (of every
   * symbol when -1) in word `w`.
   */
  private markRuns(w: number, symbol: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    let runIndex = 0;
    for (let i = 0; i + 1 < n; i++) {
      if (seq[i] === seq[i + 1] && (symbol < 0 || seq[i] === symbol)) {
        if (runIndex % 2 === 1) flags[i] = 1;
        runIndex++;
      } else runIndex = 0;
    }
  }

  /**
   * Adds `sign` times the word's count to every tracked pair occurrence in word `w`. Registers
   * `w` with the pairs that contain `withSymbol` (all pairs when -1).
   */
  private countPairs(w: number, sign: number, withSymbol: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    const delta = sign * this.wordCount[w];
    for (let i = 0; i + 1 < n; i++) {
      if (flags[i]) continue;
      const a = seq[i];
      const b = seq[i + 1];
      const p = this.pairOf(a, b);
      if (p < 0) continue;
      if (!this.touchedBefore.has(p)) {
        this.touchedBefore.set(p, this.pairFreq.data[p]);
        this.touched.push(p);
      }
      this.pairFreq.data[p] += delta;
      if (sign > 0 && (withSymbol < 0 || a === withSymbol || b === withSymbol)) {
        const list = this.pairWords[p];
        if (list[list.length - 1] !== w) list.push(w);
      }
    }
  }

  /**
   * Replaces the tracked occurrences of (left, right) in word `w` by `m`, left to right. The
   * adjacencies around each new `m` are new (tracked, except every second one in a run of `m`);
   * the others keep their state.
   */
  private mergeWord(w: number, left: number, right: number, m: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    if (this.origin.length < n) this.origin = new Int32Array(n * 2);
    const origin = this.origin;
    // Symbols, left to right; origin[j] = old index of a copied symbol (seq is rewritten in place:
    // j <= i, so nothing is overwritten before it is read).
    let j = 0;
    for (let i = 0; i < n; j++) {
      if (i + 1 < n && seq[i] === left && seq[i + 1] === right && !flags[i]) {
        seq[j] = m;
        origin[j] = -1;
        i += 2;
      } else {
        seq[j] = seq[i];
        origin[j] = i;
        i++;
      }
    }
    // Adjacencies: one between two copied symbols was one before (old i and i+1); keep its state.
    for (let k = 0; k + 1 < j; k++) flags[k] = origin[k] >= 0 && origin[k + 1] >= 0 ? flags[origin[k]] : 0;
    flags.fill(0, Math.max(0, j - 1), n);
    this.wordLen[w] = j;
    this.markRuns(w, m);
  }

  /** True when pair i ranks above pair j: higher count, shorter, smaller text, older symbols. */
  private better(pi: number, fi: number, pj: number, fj: number): boolean {
    if (fi !== fj) return fi > fj;
    const li = this.symChars[this.pairLeft.data[pi]].length + this.symChars[this.pairRight.data[pi]].length;
    const lj = this.symChars[this.pairLeft.data[pj]].length + this.symChars[this.pairRight.data[pj]].length;
    if (li !== lj) return li < lj;
    const c = compareCodePoints(this.pairText[pi], this.pairText[pj]);
    if (c !== 0) return c < 0;
    if (this.pairLeft.data[pi] !== this.pairLeft.data[pj]) return this.pairLeft.data[pi] < this.pairLeft.data[pj];
    return this.pairRight.data[pi] < this.pairRight.data[pj];
  }

  private heapPush(p: number): void {
    const f = this.pairFreq.data[p];
    if (f <= 0 || this.pairDone[p]) return;
    if (this.heapSize === this.heapPair.length) {
      const np = new Int32Array(this.heapPair.length * 2);
      np.set(this.heapPair);
      const nf = new Float64Array(this.heapFreq.length * 2);
      nf.set(this.heapFreq);
      this.heapPair = np;
      this.heapFreq = nf;
    }
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(p, f, this.heapPair[parent], this.heapFreq[parent])) break;
      this.heapPair[i] = this.heapPair[parent];
      this.heapFreq[i] = this.heapFreq[parent];
      i = parent;
    }
    this.heapPair[i] = p;
    this.heapFreq[i] = f;
  }

  private heapPop(): void {
    const last = --this.heapSize;
    const p = this.heapPair[last];
    const f = this.heapFreq[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.better(this.heapPair[c + 1], this.heapFreq[c + 1], this.heapPair[c], this.heapFreq[c])) c++;
      if (!this.better(this.heapPair[c], this.heapFreq[c], p, f)) break;
      this.heapPair[i] = this.heapPair[c];
      this.heapFreq[i] = this.heapFreq[c];
      i = c;
    }
    this.heapPair[i] = p;
    this.heapFreq[i] = f;
  }

  /** The best live pair, or -1 when no pair occurs any more. */
  private best(): number {
    while (this.heapSize > 0) {
      const p = this.heapPair[0];
      const f = this.heapFreq[0];
      this.heapPop();
      if (!this.pairDone[p] && f === this.pairFreq.data[p] && f > 0) return p;
    }
    return -1;
  }

  /** Runs merges until `target` pieces exist or no pair is left; returns the pieces in order. */
  run(target: number): string[] {
    const pieces: string[] = [];
    const made = new Set<string>();
    while (pieces.length < target) {
      const p = this.best();
      if (p < 0) break;
      this.pairDone[p] = 1;
      const text = this.pairText[p];
      // The same string reached through another split ("aa"+"a" vs "a"+"aa") is not a new piece.
      if (made.has(text)) continue;
      made.add(text);
      pieces.push(text);
      const left = this.pairLeft.data[p];
      const right = this.pairRight.data[p];
      const m = this.symChars.length;
      this.symChars.push(this.symChars[left].concat(this.symChars[right]));
      this.symText.push(text);
      const stamp = pieces.length;
      for (const w of this.pairWords[p]) {
        if (this.wordStamp[w] === stamp) continue;
        this.wordStamp[w] = stamp;
        const seq = this.words[w];
        const n = this.wordLen[w];
        const flags = this.untracked[w];
        let present = false;
        for (let i = 0; i + 1 < n; i++) {
          if (seq[i] === left && seq[i + 1] === right && !flags[i]) {
            present = true;
            break;
          }
        }
        if (!present) continue;
        this.countPairs(w, -1, -1);
        this.mergeWord(w, left, right, m);
        this.countPairs(w, 1, m);
      }
      this.pairWords[p] = [];
      for (const q of this.touched) if (this.pairFreq.data[q] !== this.touchedBefore.get(q)) this.heapPush(q);
      this.touched.length = 0;
      this.touchedBefore.clear();
    }
    return pieces;
  }
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

function normalizerSpec(o: ResolvedOptions, charsmap: Uint8Array): NormalizerSpecFields {
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

/**
 * Trains a SentencePiece BPE model on `docs` (one document per string, as the Parameter Golf
 * builder passes them). See the file comment for the exact procedure.
 */
export function trainBpe(docs: Iterable<string>, options: BpeTrainOptions): BpeTrainResult {
  const t0 = performance.now();
  const o = resolveOptions(options);
  const metas = metaPieces(o);
  const charsmap = o.precompiledCharsmap ?? precompiledCharsMap(o.normalization);
  const nspec = normalizerSpec(o, charsmap);
  const normalizer = new Normalizer(nspec, { file: "<precompiledCharsmap option>" }); // checks a given blob
  const replacer = new MetaReplacer([...metas.values()].map((m) => m.piece));

  const stats: BpeTrainStats = {
    documents: 0, emptyDocuments: 0, tooLongDocuments: 0, reservedCharDocuments: 0, sentences: 0, characters: 0,
    distinctCharacters: 0, requiredCharacters: 0, coverage: 0, distinctWords: 0, merges: 0, vocabSize: 0, seconds: 0,
  };

  // 1-3: select, normalize and count words.
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

  // 4: the alphabet by character_coverage (characters by count, then code point).
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

  // 5: merges.
  const target = o.vocabSize - metas.size - required.length;
  const merger = new BpeMerger(required.map(([c]) => c), words, o);
  const mergedPieces = merger.run(target);
  stats.merges = mergedPieces.length;

  // 6: layout (Serialize).
  const finals: Array<{ piece: string; score: number }> = mergedPieces.map((piece, i) => ({ piece, score: -i }));
  for (const [c] of required) finals.push({ piece: String.fromCodePoint(c), score: -finals.length });
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
  stats.seconds = (performance.now() - t0) / 1000;
  return { model, vocab, stats };
}
