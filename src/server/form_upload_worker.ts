// An upload sent as JSON (the submit page: {files: [{path, base64}]}) turned into a record pack, in a
// worker thread (intake.ts runs it, server_thread.ts starts it): decoding up to 85 MiB of JSON, checking
// it against its schema, decoding the base64 and packing the files took the event loop 0.3-1.1 s per
// request, and /healthz waited (a blind attack: 1.5 million empty entries, or one 57 MB path).
import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { packRecordFiles } from "../artifact/pack.js";
import { isPgolfError } from "../core/error.js";
import { parseBody } from "./request_schemas.js";
import { yieldToTheServer } from "./server_thread.js";

yieldToTheServer();

export interface FormUploadRequest {
  /** The request body's bytes (moved here, not copied). */
  body: Uint8Array;
}

export type FormUploadReply = { ok: true; pack: Uint8Array; sha256: string } | { ok: false; error: { code: string; message: string; file: string | null; fix: string | null } };

function decode(req: FormUploadRequest): FormUploadReply {
  try {
    const text = new TextDecoder("utf-8").decode(req.body);
    const { files } = parseBody<{ files: { path: string; base64: string }[] }>(text, "formUpload");
    const pack = packRecordFiles(files.map((f) => ({ path: f.path, data: Buffer.from(f.base64, "base64") })));
    // the pack in an ArrayBuffer of its own, to be moved back whole
    const own = new Uint8Array(pack.byteLength);
    own.set(pack);
    return { ok: true, pack: own, sha256: createHash("sha256").update(own).digest("hex") };
  } catch (e) {
    if (isPgolfError(e)) return { ok: false, error: { code: e.code, message: e.message, file: e.file ?? null, fix: e.fix ?? null } };
    return { ok: false, error: { code: "HTTP_BAD_REQUEST", message: `the upload could not be read: ${(e as Error).message}`, file: null, fix: "send {files: [{path, base64}]} as the submit page does" } };
  }
}

parentPort!.on("message", (req: FormUploadRequest) => {
  const reply = decode(req);
  parentPort!.postMessage(reply, reply.ok ? [reply.pack.buffer as ArrayBuffer] : []);
});
