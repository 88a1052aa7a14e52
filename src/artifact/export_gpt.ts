// A GPT to artifact bytes and back: quantize the state dict (quantize_int8.ts), pack it with its
// metadata in the container (container.ts), compress and frame it (compress.ts). Importing undoes
// each step with every size bounded by what a model of the given config can need, then writes the
// dequantized weights into a fresh GPT of that config.
import { PgolfError } from "../core/error.js";
import type { DType, HostArray } from "../engine/dtype.js";
import { realize } from "../engine/realize.js";
import { sameShape, showShape } from "../engine/shape.js";
import { GPT } from "../model/gpt.js";
import type { GPTConfig } from "../model/config.js";
import { compressBest, compressFramed, decompressFramed, type Codec } from "./compress.js";
import { decodeArtifact, encodeArtifact } from "./container.js";
import { dequantizeStateDict, quantizeStateDict, type QuantizeOptions } from "./quantize_int8.js";

export interface ExportOptions extends QuantizeOptions {
  /** "zlib": the reference's codec; "best": the smallest of every codec this Node has. */
  codec?: Codec | "best";
}

/** The model's parameters as artifact bytes (framed, compressed, checksummed). */
export async function exportGPT(model: GPT, opts: ExportOptions = {}): Promise<Uint8Array> {
  const named = model.namedParameters();
  await realize(...named.map(([, t]) => t));
  const q = quantizeStateDict(named, { bits: opts.bits, clipSearch: opts.clipSearch, keepFloatMaxNumel: opts.keepFloatMaxNumel, hessians: opts.hessians });
  // The config rides along for diagnostics; importGPT takes the config from its caller.
  const container = encodeArtifact(q.tensors, { quant: q.meta, config: model.config });
  const codec = opts.codec ?? "zlib";
  return codec === "best" ? compressBest(container) : compressFramed(container, codec);
}

/**
 * The most bytes a decompressed artifact for a model of `paramCount` parameters can need: every
 * weight as float64 (more than any stored form takes, scales included) plus 1 MiB for the table and
 * metadata. Anything declaring more is rejected before it is inflated.
 */
export function importLimitBytes(paramCount: number): number {
  return 8 * paramCount + (1 << 20);
}

export interface ImportOptions {
  /** Override of importLimitBytes for the decompressed container. */
  maxBytes?: number;
  /** Named in errors. */
  file?: string;
}

/** A GPT of `config` holding the weights in `bytes` (as written by exportGPT). */
export function importGPT(bytes: Uint8Array, config: GPTConfig, opts: ImportOptions = {}): GPT {
  const model = new GPT(config, { seed: 0 });
  const named = model.namedParameters();
  const limit = opts.maxBytes ?? importLimitBytes(model.parameterCount());
  const container = decompressFramed(bytes, { maxOutputBytes: limit, file: opts.file });
  const { tensors, meta } = decodeArtifact(container, { maxBytes: limit, file: opts.file });
  const weights = dequantizeStateDict(tensors, meta.quant);
  const fix = "import with the config the artifact was exported with";
  for (const [name, p] of named) {
    const w = weights.get(name);
    if (!w) throw new PgolfError("ARTIFACT_MODEL", `the artifact has no tensor "${name}"`, { file: opts.file, fix, details: { name, artifactConfig: meta.config } });
    if (!sameShape(w.shape, p.shape)) {
      throw new PgolfError("ARTIFACT_MODEL", `"${name}" is ${showShape(w.shape)} in the artifact, the model needs ${showShape(p.shape)}`, { file: opts.file, fix, details: { name, artifact: w.shape, model: p.shape, artifactConfig: meta.config } });
    }
    if (w.dtype !== "float32" && w.dtype !== "float64") throw new PgolfError("ARTIFACT_MODEL", `"${name}" is ${w.dtype} in the artifact, the model needs floats`, { file: opts.file, fix });
    p.assign(castTo(p.dtype, w.data));
  }
  const extra = [...weights.keys()].filter((n) => !named.some(([m]) => m === n));
  if (extra.length > 0) {
    throw new PgolfError("ARTIFACT_MODEL", `the artifact has tensors the model does not: ${extra.slice(0, 5).join(", ")}`, { file: opts.file, fix, details: { extra, artifactConfig: meta.config } });
  }
  return model;
}

/** `data` as the parameter's float dtype (a copy only when the types differ). */
function castTo(dtype: DType, data: HostArray): HostArray {
  if (dtype === "float64") return data instanceof Float64Array ? data : Float64Array.from(data);
  return data instanceof Float32Array ? data : Float32Array.from(data);
}
