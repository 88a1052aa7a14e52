// The one module that talks to onnxruntime-node (lint rule pgolf/one-onnxruntime): compiles ONNX
// model bytes into a session and runs it on host typed arrays. Everything above it speaks the engine's
// own types (DType, HostArray), so replacing or upgrading onnxruntime touches this file only.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as Ort from "onnxruntime-node";
import { PgolfError } from "../../core/error.js";
import { dtypeOf, type DType, type HostArray } from "../dtype.js";
import { numel, showShape } from "../shape.js";

let loaded: typeof Ort | null = null;

/**
 * onnxruntime-node, loaded on first use: its native library is loaded with it, and where that fails
 * (a platform without a prebuilt binary, a missing system library, a broken install) the user gets
 * ENGINE_BACKEND naming what was tried and how to fix it, not a stack trace at start-up; commands that
 * need no engine never load it.
 */
export function onnxruntime(): typeof Ort {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let where = "onnxruntime-node";
  try {
    where = require.resolve("onnxruntime-node");
    loaded = require("onnxruntime-node") as typeof Ort;
    return loaded;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new PgolfError("ENGINE_BACKEND", `onnxruntime-node could not be loaded on ${process.platform}/${process.arch} with Node ${process.versions.node}: ${msg}. Tried: ${whatWasTried(where)}`, {
      fix: "reinstall the dependencies (`rm -rf node_modules && npm ci`); onnxruntime-node ships CPU binaries for linux/darwin/win32 on x64 and arm64 and needs glibc 2.28 or later on Linux. Library callers can run the slow reference backend meanwhile (setBackend(\"reference\"))",
      cause: e,
    });
  }
}

/**
 * What loading onnxruntime-node looked for, for the error: the package's entry, then each native
 * binding folder (bin/napi-v<N>/<platform>/<arch>, the layout of onnxruntime-node 1.x) with the files
 * it holds, so a user can tell a missing platform from a damaged or partial install.
 */
function whatWasTried(entry: string): string {
  if (!path.isAbsolute(entry)) return "the package onnxruntime-node (not found from this installation)";
  const pkg = path.resolve(path.dirname(entry), "..");
  const bin = path.join(pkg, "bin");
  const dirs = fs.existsSync(bin) ? fs.readdirSync(bin).map((napi) => path.join(bin, napi, process.platform, process.arch)) : [];
  const bindings = dirs.map((d) => (fs.existsSync(d) ? `${d} (holds ${fs.readdirSync(d).join(", ") || "nothing"})` : `${d} (missing)`));
  return [`the package at ${pkg}`, ...(bindings.length ? bindings : [`${bin} (missing: no native bindings at all)`])].join("; ");
}

/** The onnxruntime version in use (recorded next to results that depend on it). */
export function ortVersion(): string {
  const ort = onnxruntime();
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** A tensor handed to a session: engine dtype, shape and row-major host data (not copied). */
export interface Feed {
  dtype: DType;
  shape: readonly number[];
  data: HostArray;
}

export interface SessionOptions {
  /** Threads for the work inside one op (intra-op); a given count gives bit-identical results. */
  threads: number;
  /** What the session computes, for error messages ("graph of 412 nodes"). */
  label?: string;
  /** When set, onnxruntime records a per-node profile to `<prefix>_<time>.json` (see endProfiling). */
  profilePrefix?: string;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the session on `feeds` (one per input name); returns the data of the outputs named in
   * `outputs` (default: every output, in `outputNames` order), as fresh arrays owned by the caller.
   */
  run(feeds: Record<string, Feed>, outputs?: readonly string[]): Promise<HostArray[]>;
  /** Frees the compiled session; it cannot run afterwards. */
  release(): Promise<void>;
  /** Stops profiling (sessions made with `profilePrefix`) and writes the profile file. */
  endProfiling(): Promise<void>;
}

/** Engine dtype -> onnxruntime tensor type (bool is one byte per element on both sides). */
const ORT_TYPE: Record<DType, "float32" | "float64" | "int32" | "bool"> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };
const ENGINE_TYPE: Record<string, DType> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };

/** Run failures come back as the rejection we rethrow; onnxruntime's own log line would repeat it on stderr. */
const RUN_OPTIONS: Ort.InferenceSession.RunOptions = { logSeverityLevel: 4 };

const FIX_BUG = "run the same computation on the reference backend (setBackend(\"reference\")) to confirm; if it works there, the ONNX lowering of the engine op in the failing node's name (op and position, as in \"matmul3/MatMul_5\") is wrong: report it";

function backendError(stage: string, e: unknown, label: string | undefined): PgolfError {
  const msg = e instanceof Error ? e.message : String(e);
  const oom = /failed to allocate|out of memory|bad_alloc/i.test(msg);
  return new PgolfError("ENGINE_BACKEND", `onnxruntime ${ortVersion()} failed to ${stage}${label ? ` (${label})` : ""}: ${msg}`, {
    fix: oom ? "the graph needs more memory than is free: reduce the batch size or sequence length, or keep fewer compiled sessions (setOrtCacheSize)" : FIX_BUG,
    cause: e,
  });
}

/** Compiles model bytes into a session: full graph optimizations, sequential execution, `threads` intra-op threads. */
export async function createSession(bytes: Uint8Array, opts: SessionOptions): Promise<OrtSession> {
  if (!Number.isInteger(opts.threads) || opts.threads < 1) {
    throw new PgolfError("CONFIG_INVALID", `onnxruntime threads must be a positive integer, got ${opts.threads}`, { fix: "call setThreads(n) with n >= 1" });
  }
  const ort = onnxruntime();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ["cpu"],
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      ...(opts.profilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix } : {}),
      logSeverityLevel: 3, // errors only: fusion notes and unused-initializer warnings are noise here
    });
  } catch (e) {
    throw backendError("compile the graph", e, opts.label);
  }
  const outputNames = [...session.outputNames];
  const outputTypes = new Map<string, DType>();
  session.outputMetadata.forEach((m, i) => {
    const t = m.isTensor ? ENGINE_TYPE[m.type] : undefined;
    if (t) outputTypes.set(outputNames[i], t);
  });
  let released = false;
  return {
    inputNames: [...session.inputNames],
    outputNames,
    async run(feeds, outputs = outputNames) {
      if (released) throw new PgolfError("ENGINE_BACKEND", `the onnxruntime session${opts.label ? ` (${opts.label})` : ""} was released`, { fix: "compile a new session" });
      const ortFeeds: Record<string, Ort.Tensor> = {};
      for (const name of session.inputNames) {
        const f = feeds[name];
        if (!f) throw new PgolfError("ENGINE_BACKEND", `no feed for session input "${name}"`, { fix: "feed every input the session declares (see its inputNames)" });
        if (dtypeOf(f.data) !== f.dtype || f.data.length !== numel(f.shape)) {
          throw new PgolfError("ENGINE_SHAPE", `feed "${name}": ${dtypeOf(f.data)}[${f.data.length}] does not hold ${f.dtype}${showShape(f.shape)}`, { fix: "feed a typed array of the declared dtype with as many elements as the shape holds" });
        }
        ortFeeds[name] = new ort.Tensor(ORT_TYPE[f.dtype], f.data, [...f.shape]);
      }
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = await session.run(ortFeeds, RUN_OPTIONS);
      } catch (e) {
        throw backendError("run the graph", e, opts.label);
      }
      return outputs.map((name) => {
        const t = results[name] as Ort.Tensor | undefined;
        if (!t) throw new PgolfError("ENGINE_BACKEND", `the session has no output "${name}"`, { fix: `ask for one of: ${outputNames.join(", ")}` });
        const want = outputTypes.get(name);
        if (!ENGINE_TYPE[t.type] || (want && ENGINE_TYPE[t.type] !== want)) {
          throw new PgolfError("ENGINE_BACKEND", `output "${name}" came back as ${t.type}`, { fix: FIX_BUG });
        }
        return t.data as HostArray;
      });
    },
    async endProfiling() {
      await session.endProfiling();
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
