// submission.json of a pgolf-native record, version 1: its TypeScript type and its JSON Schema,
// declared here once. The published copy (assets/schemas/submission.v1.schema.json) is this object
// written out, and a test keeps the two identical. Validation uses Ajv (strict mode, no unknown keys).
//
// The top-level keys the original contest's submission.json has (author, github_id, name, blurb,
// date, val_loss, val_bpb, bytes_total, bytes_code) keep their names and meanings, so tools written
// for the original read pgolf records: val_loss and val_bpb are the means over seeds, bytes_total the
// largest seed's total.
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { PgolfError } from "../core/error.js";

export const SUBMISSION_SCHEMA_ID = "pgolf-submission/1";

export interface SeedResult {
  seed: number;
  /** Mean nats per scored target. */
  val_loss: number;
  /** Bits per UTF-8 byte of the validation text. */
  val_bpb: number;
  bytes_code: number;
  bytes_model: number;
  bytes_total: number;
  train_seconds: number;
  eval_seconds: number;
  /** Targets scored and the UTF-8 bytes they cover. */
  eval_targets: number;
  eval_bytes: number;
  steps: number;
  train_tokens: number;
  artifact_sha256: string;
  /** The seed's log, relative to the record folder, and its sha256. */
  log: string;
  log_sha256: string;
  /** The seed's atlas (per-document nats and bytes), logs/atlas_seed<N>.json, and its sha256; absent in records made before atlases. */
  atlas?: string;
  atlas_sha256?: string;
}

export interface Provenance {
  /** Records, pull requests or papers this builds on. */
  parents: { ref: string; kind: "record" | "pr" | "paper" | "other"; note?: string }[];
  /** Technique tags (e.g. "int6", "muon", "sliding-window-eval"). */
  techniques: string[];
  /** AI tools or agents used, how, and who reviewed the result. */
  assistance: { tool: string; how: string; reviewed_by: string }[];
}

export interface Submission {
  schema: typeof SUBMISSION_SCHEMA_ID;
  author: string;
  github_id: string;
  name: string;
  blurb: string;
  /** ISO 8601 UTC submission time. */
  date: string;
  track: string;
  course: { name: string; manifest_sha256: string };
  val_loss: number;
  val_bpb: number;
  val_loss_std: number;
  val_bpb_std: number;
  bytes_total: number;
  bytes_code: number;
  seeds: SeedResult[];
  hardware: string;
  versions: { pgolf: string; node: string; onnxruntime: string };
  provenance: Provenance;
}

const num = { type: "number" };
const count = { type: "integer", minimum: 0 };
const sha = { type: "string", pattern: "^[0-9a-f]{64}$" };
const text = { type: "string", minLength: 1 };

function obj(properties: Record<string, unknown>, optional: string[] = []): Record<string, unknown> {
  return { type: "object", additionalProperties: false, required: Object.keys(properties).filter((k) => !optional.includes(k)), properties };
}

export const SUBMISSION_SCHEMA: Record<string, unknown> = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: SUBMISSION_SCHEMA_ID,
  title: "pgolf record submission.json, version 1",
  ...obj({
    schema: { const: SUBMISSION_SCHEMA_ID },
    author: text,
    github_id: { type: "string" },
    name: text,
    blurb: { type: "string" },
    date: { type: "string", format: "date-time" },
    track: text,
    course: obj({ name: text, manifest_sha256: sha }),
    val_loss: num,
    val_bpb: num,
    val_loss_std: { type: "number", minimum: 0 },
    val_bpb_std: { type: "number", minimum: 0 },
    bytes_total: count,
    bytes_code: count,
    seeds: {
      type: "array",
      minItems: 1,
      items: obj({
        seed: { type: "integer" },
        val_loss: num,
        val_bpb: num,
        bytes_code: count,
        bytes_model: count,
        bytes_total: count,
        train_seconds: { type: "number", minimum: 0 },
        eval_seconds: { type: "number", minimum: 0 },
        eval_targets: count,
        eval_bytes: count,
        steps: count,
        train_tokens: count,
        artifact_sha256: sha,
        log: { type: "string", pattern: "^[^/\\\\]+\\.log$" },
        log_sha256: sha,
        // the seed's atlas under logs/ (not counted as code); records made before atlases have none
        atlas: { type: "string", pattern: "^logs/atlas_seed[0-9]+\\.json$" },
        atlas_sha256: sha,
      }, ["atlas", "atlas_sha256"]),
    },
    hardware: text,
    versions: obj({ pgolf: text, node: text, onnxruntime: text }),
    provenance: obj({
      parents: { type: "array", items: obj({ ref: text, kind: { enum: ["record", "pr", "paper", "other"] }, note: { type: "string" } }, ["note"]) },
      techniques: { type: "array", items: text },
      assistance: { type: "array", items: obj({ tool: text, how: text, reviewed_by: text }) },
    }),
  }),
};

type Validator = ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let validator: Validator | undefined;

/** Schema problems of a parsed submission.json, as "path: message" strings (empty when valid). */
export function submissionProblems(value: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    (addFormatsModule as unknown as (a: unknown) => void)(ajv);
    validator = ajv.compile(SUBMISSION_SCHEMA) as Validator;
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
}

export function assertSubmission(value: unknown, file: string): Submission {
  const problems = submissionProblems(value);
  if (problems.length > 0) {
    throw new PgolfError("RECORD_SCHEMA", `submission.json does not match ${SUBMISSION_SCHEMA_ID}: ${problems.slice(0, 5).join("; ")}`, {
      file,
      fix: "rebuild the record with `pgolf submit` instead of editing submission.json by hand",
      details: { problems },
    });
  }
  return value as Submission;
}
