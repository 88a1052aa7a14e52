// GPT configurations, declared once. `baseline-9x512` is the reference baseline (train_gpt.py's
// defaults); `cpu-small` is the size the CPU benchmark and the embedded course use.
import { PgolfError } from "../core/error.js";

export interface GPTConfig {
  vocabSize: number;
  layers: number;
  dim: number;
  heads: number;
  kvHeads: number;
  mlpMult: number;
  tieEmbeddings: boolean;
  tiedEmbedInitStd: number;
  logitSoftcap: number;
  ropeBase: number;
  qkGain: number;
  /** Training sequence length. */
  seqLen: number;
  /** BigramHash buckets (nn/bigram_hash.ts); 0: none (the reference). */
  bigramBuckets: number;
  /** BigramHash embedding width before its projection to dim. */
  bigramDim: number;
  /** SmearGate after the first norm (nn/smear_gate.ts); false: none (the reference). */
  smearGate: boolean;
  /** Dimensions of each head RoPE rotates (0: all, the reference); nn/attention.ts. */
  ropeDims: number;
  /** Exclusive self attention (nn/exclusive_attention.ts); false: none (the reference). */
  xsa: boolean;
  /** Depth recurrence: each block runs this many times in a row, sharing its weights (1: the reference). */
  depthLoops: number;
}

const BASE: GPTConfig = {
  vocabSize: 1024,
  layers: 9,
  dim: 512,
  heads: 8,
  kvHeads: 4,
  mlpMult: 2,
  tieEmbeddings: true,
  tiedEmbedInitStd: 0.005,
  logitSoftcap: 30,
  ropeBase: 10000,
  qkGain: 1.5,
  seqLen: 1024,
  bigramBuckets: 0,
  bigramDim: 64,
  smearGate: false,
  ropeDims: 0,
  xsa: false,
  depthLoops: 1,
};

export const GPT_CONFIGS: Record<string, GPTConfig> = {
  "baseline-9x512": BASE,
  "cpu-small": { ...BASE, layers: 4, dim: 256, heads: 4, kvHeads: 2, seqLen: 256 },
};

const KEYS = new Set(Object.keys(BASE));

/** A named config with overrides; unknown keys and bad values are rejected. */
export function gptConfig(name: string, overrides: Record<string, unknown> = {}): GPTConfig {
  const base = GPT_CONFIGS[name];
  if (!base) throw new PgolfError("CONFIG_INVALID", `no model config named "${name}"`, { fix: `use one of: ${Object.keys(GPT_CONFIGS).join(", ")}` });
  for (const [k, v] of Object.entries(overrides)) {
    if (!KEYS.has(k)) throw new PgolfError("CONFIG_UNKNOWN_KEY", `unknown model config key "${k}"`, { fix: `known keys: ${[...KEYS].join(", ")}` });
    if (typeof v !== typeof (base as unknown as Record<string, unknown>)[k]) throw new PgolfError("CONFIG_INVALID", `model config "${k}" must be a ${typeof (base as unknown as Record<string, unknown>)[k]}, got ${JSON.stringify(v)}`, { fix: "give the key a value of the type in the reference config (pgolf init writes one)" });
  }
  return { ...base, ...(overrides as Partial<GPTConfig>) };
}
