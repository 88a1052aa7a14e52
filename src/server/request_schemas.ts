// The JSON bodies the contest API accepts, as JSON Schemas (ajv), checked before a handler runs and
// so before anything touches SQL: a body that does not match is a 400 HTTP_BAD_REQUEST naming the
// field. Every string of every body is also refused when it holds a NUL character or a lone UTF-16
// surrogate: neither survives a Postgres text column, and neither belongs in a contest's data.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { PgolfError } from "../core/error.js";

const HANDLE = "^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$";
const SHA256 = "^[0-9a-f]{64}$";
const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

export const SCHEMAS = {
  credit: {
    type: "object",
    additionalProperties: false,
    required: ["source"],
    properties: { source: { type: "string", pattern: UUID } },
  },
  review: {
    type: "object",
    additionalProperties: false,
    required: ["action"],
    properties: { action: { enum: ["approve", "reject", "request-changes"] }, reason: { type: "string", maxLength: 4000 }, override: { type: "boolean" } },
  },
  user: {
    type: "object",
    additionalProperties: false,
    required: ["handle"],
    properties: {
      handle: { type: "string", pattern: HANDLE },
      role: { enum: ["participant", "reviewer", "admin", "worker"] },
      github_login: { type: "string", maxLength: 39 },
    },
  },
  heartbeat: {
    type: "object",
    additionalProperties: false,
    required: ["instance", "host", "version", "started_at", "state", "job", "cpus", "memory_bytes", "isolation", "jobs_done", "jobs_failed"],
    properties: {
      instance: { type: "string", pattern: "^[A-Za-z0-9_-]{8,64}$" },
      host: { type: "string", maxLength: 255 },
      version: { type: "string", maxLength: 64 },
      started_at: { type: "string", format: "date-time" },
      state: { enum: ["idle", "working", "stopped"] },
      job: {
        oneOf: [
          { type: "null" },
          { type: "object", additionalProperties: false, required: ["id", "submission_id", "seed"], properties: { id: { type: "string", maxLength: 64 }, submission_id: { type: "string", pattern: UUID }, seed: { type: "integer", minimum: 0, maximum: 2147483647 } } },
        ],
      },
      cpus: { type: "integer", minimum: 0, maximum: 65536 },
      memory_bytes: { type: "integer", minimum: 0, maximum: 9007199254740991 },
      isolation: { type: "boolean" },
      jobs_done: { type: "integer", minimum: 0, maximum: 2147483647 },
      jobs_failed: { type: "integer", minimum: 0, maximum: 2147483647 },
    },
  },
  /**
   * A worker's report: the trusted evaluator's numbers, bounded to what a scored run can give (a
   * loss in nats and bits per byte above 0 and far below 64; a size within 1 TB; times within a
   * day), or why it could not reproduce the seed.
   */
  jobReport: {
    oneOf: [
      {
        type: "object",
        additionalProperties: false,
        required: ["result"],
        properties: {
          result: {
            type: "object",
            additionalProperties: false,
            required: ["seed", "artifact_sha256", "val_loss", "val_bpb", "bytes_total", "eval_seconds"],
            properties: {
              seed: { type: "integer", minimum: 0, maximum: 2147483647 },
              artifact_sha256: { type: "string", pattern: SHA256 },
              val_loss: { type: "number", exclusiveMinimum: 0, maximum: 64 },
              val_bpb: { type: "number", exclusiveMinimum: 0, maximum: 64 },
              bytes_total: { type: "integer", minimum: 1, maximum: 1e12 },
              train_seconds: { type: ["number", "null"], minimum: 0, maximum: 86400 },
              eval_seconds: { type: "number", minimum: 0, maximum: 86400 },
            },
          },
        },
      },
      { type: "object", additionalProperties: false, required: ["error"], properties: { error: { type: "string", maxLength: 8000 } } },
    ],
  },
  /** The web form's upload: files as base64. */
  formUpload: {
    type: "object",
    additionalProperties: false,
    required: ["files"],
    properties: {
      files: {
        type: "array",
        minItems: 1,
        maxItems: 1000,
        items: { type: "object", additionalProperties: false, required: ["path", "base64"], properties: { path: { type: "string", minLength: 1, maxLength: 1024 }, base64: { type: "string", pattern: "^[A-Za-z0-9+/]*={0,2}$" } } },
      },
    },
  },
  /** Any JSON object (the contest's rules check their own keys, contest_config.ts). */
  object: { type: "object" },
} as const;

export type SchemaName = keyof typeof SCHEMAS;

const ajv = new Ajv2020({ allErrors: false, strict: true });
(addFormatsModule as unknown as (a: unknown, formats: string[]) => void)(ajv, ["date-time"]);
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile(SCHEMAS[name]);
    compiled.set(name, v);
  }
  return v;
}

/** Where a body's string holds a NUL or a lone surrogate, as a JSON pointer, or null. */
export function badString(v: unknown, at = ""): string | null {
  if (typeof v === "string") {
    return /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v) ? at || "/" : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = badString(v[i], `${at}/${i}`);
      if (b) return b;
    }
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const b = badString(k, `${at}/${k}`) ?? badString(x, `${at}/${k}`);
      if (b) return b;
    }
  }
  return null;
}

function describe(e: ErrorObject): string {
  return `${e.instancePath || "the body"} ${e.message ?? "is not valid"}`;
}

/** Parses and checks a JSON body against a schema; HTTP_BAD_REQUEST names what is wrong. */
/** Deepest nesting of arrays and objects a JSON body may have (the API's bodies nest 3 deep). */
export const MAX_JSON_DEPTH = 32;

/**
 * True when the JSON text nests arrays and objects deeper than `max`, found by one pass over it
 * (strings skipped), stopping at the first level too deep: a body of a million "[" is refused before
 * JSON.parse builds it and before any recursive check walks it (a stack overflow, a 500, and seconds
 * of the event loop per request, found by a blind attack).
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x5c) i++;
        else if (c === 0x22) break;
      }
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return false;
}

export function parseBody<T>(text: string, name: SchemaName): T {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new PgolfError("HTTP_BAD_REQUEST", `the body nests arrays or objects more than ${MAX_JSON_DEPTH} deep`, { fix: "send the API's JSON shapes (see src/server/request_schemas.ts)" });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new PgolfError("HTTP_BAD_REQUEST", "the body is not JSON", { fix: "send Content-Type: application/json with a JSON object" });
  }
  const bad = badString(v);
  if (bad) throw new PgolfError("HTTP_BAD_REQUEST", `${bad} holds a NUL character or a lone surrogate`, { fix: "send text without NUL characters, as valid UTF-8" });
  const check = validator(name);
  if (!check(v)) throw new PgolfError("HTTP_BAD_REQUEST", `the body does not match the ${name} schema: ${describe(check.errors![0])}`, { fix: "see the API's schemas in src/server/request_schemas.ts" });
  return v as T;
}

/** A path parameter that names a submission or job by id must be a UUID (else no such thing). */
export function uuidParam(id: string, what: string): string {
  if (!new RegExp(UUID).test(id)) throw new PgolfError("HTTP_NOT_FOUND", `no ${what} ${JSON.stringify(id.slice(0, 80))}`, { fix: `${what} ids are UUIDs, as the API returns them` });
  return id;
}
