// Sealing an entry: a private copy of exactly its counted code files (code_bytes.ts), from which the
// harness runs it. Files the size rule does not count (README.md, submission.json, logs, the
// dependency list) are not in the copy, so an entry cannot hide weights in them and read them at run
// time; every file it can read is a file it pays for. Every file gets the same mode (0644) and a fresh
// mtime, so metadata carries nothing. For pgolf entries, TypeScript files are compiled to JavaScript
// (esbuild, type stripping only: the byte count is of the source as written) and the copy's
// package.json is written fresh as {"type": "module"}. A process entry (config.json's train_command /
// eval_command, any language) is copied verbatim: its commands name its files.
//
// Native code is refused here (ENTRY_NATIVE_CODE): a Node addon, a shared library or an executable
// binary runs outside Node's permission model, and the sandbox mounts the entry noexec anyway; the
// runtime's own addons (onnxruntime) come from pgolf's allow-list. WebAssembly is fine: it runs inside
// the runtime.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { codeFiles, countedBytes, type CodeFile } from "./code_bytes.js";

export interface SealedEntry {
  /** The private copy (a fresh folder under the OS temp folder). */
  dir: string;
  /** The counted files of the original, and their total (content and path bytes). */
  files: CodeFile[];
  codeBytes: number;
  remove(): void;
}

const TS = /\.(m?)ts$/;
/** File name endings of native code, refused whatever the content. */
const NATIVE_NAMES = /\.(node|so(\.\d+)*|dylib|dll)$/i;

/** What kind of native binary `head` (a file's first bytes) starts, or null. */
export function nativeKind(head: Uint8Array): string | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return "an ELF binary (executable or shared library)";
  if (b.length >= 4) {
    const m = b.readUInt32BE(0);
    if (m === 0xfeedface || m === 0xfeedfacf || m === 0xcefaedfe || m === 0xcffaedfe) return "a Mach-O binary";
  }
  // PE: "MZ", then at e_lfanew (offset 0x3c) "PE\0\0"
  if (b.length >= 0x40 && b[0] === 0x4d && b[1] === 0x5a) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 4 <= b.length && b.readUInt32BE(pe) === 0x50450000) return "a Windows PE binary";
  }
  return null;
}

function refuseNative(file: string, rel: string): void {
  const fd = fs.openSync(file, "r");
  const head = Buffer.alloc(4096);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const kind = nativeKind(head.subarray(0, n)) ?? (NATIVE_NAMES.test(rel) ? `a native library or object by its name` : null);
  if (kind) {
    throw new PgolfError("ENTRY_NATIVE_CODE", `${rel} is ${kind}: entries may not ship native code (it would run outside the sandbox's rules; the runtime's own addons come from pgolf's allow-list)`, {
      file,
      fix: "remove it and write that part in TypeScript, Python or WebAssembly",
    });
  }
}

let esbuildTransform: typeof import("esbuild").transformSync | undefined;
/** esbuild, loaded on first use: the library imported by an entry's process must not need it. */
function transform(): typeof import("esbuild").transformSync {
  esbuildTransform ??= (createRequire(import.meta.url)("esbuild") as typeof import("esbuild")).transformSync;
  return esbuildTransform;
}

export function sealEntry(entryDir: string, opts: { verbatim?: boolean } = {}): SealedEntry {
  const files = codeFiles(entryDir);
  for (const f of files) refuseNative(path.join(entryDir, f.path), f.path);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-entry-"));
  try {
    for (const f of files) {
      const src = path.join(entryDir, f.path);
      const dst = path.join(dir, f.path);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      let out = dst;
      if (!opts.verbatim && TS.test(f.path) && !f.path.endsWith(".d.ts")) {
        let js: string;
        try {
          js = transform()(fs.readFileSync(src, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: f.path, sourcemap: "inline" }).code;
        } catch (e) {
          throw new PgolfError("CONFIG_INVALID", `the entry's ${f.path} does not compile: ${(e as Error).message.split("\n")[0]}`, { file: src, fix: "fix the syntax error", cause: e });
        }
        out = dst.replace(TS, ".$1js");
        fs.writeFileSync(out, js);
      } else fs.copyFileSync(src, dst);
      fs.chmodSync(out, 0o644);
    }
    if (!opts.verbatim) fs.writeFileSync(path.join(dir, "package.json"), '{"type": "module"}\n');
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, files, codeBytes: countedBytes(files), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
