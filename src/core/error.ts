// The one error type of pgolf. Every failure a user can cause ends here, with a stable code that
// scripts can match on, the file it concerns, what is wrong and what to do about it.

/** Stable error codes. Never rename one: tools and tests match on them. */
export const ERROR_CODES = {
  // usage
  USAGE: "Command line is not valid",
  CONFIG_UNKNOWN_KEY: "Config has a key pgolf does not know",
  CONFIG_INVALID: "Config value is not valid",
  // files
  FILE_NOT_FOUND: "File not found",
  FILE_READ: "File could not be read",
  FILE_WRITE: "File could not be written",
  FILE_EXISTS: "File or folder exists already",
  CHECKSUM_MISMATCH: "File content does not match its checksum",
  SIZE_MISMATCH: "File size does not match what was declared",
  // shards
  SHARD_MAGIC: "Shard has the wrong magic number",
  SHARD_VERSION: "Shard has an unsupported version",
  SHARD_SIZE: "Shard size does not match its header",
  SHARD_TRUNCATED: "Shard is truncated",
  SHARD_TOKEN_RANGE: "Shard holds a token id outside the vocabulary",
  // tokenizers
  TOKENIZER_PARSE: "Tokenizer model could not be parsed",
  TOKENIZER_UNSUPPORTED: "Tokenizer model uses a feature pgolf does not support",
  TOKENIZER_TRAIN: "Tokenizer could not be trained",
  TOKENIZER_CHARSMAP: "Normalization rules could not be compiled into a character map",
  TOKENIZER_ROUNDTRIP: "Tokenizer does not reproduce the raw text it encodes",
  // courses
  COURSE_UNKNOWN: "Course name is not known",
  COURSE_NOT_FOUND: "Course directory not found",
  COURSE_MANIFEST: "Course manifest is not valid",
  COURSE_VERIFY: "Course does not verify",
  COURSE_LEAK: "Validation document occurs in the training data",
  COURSE_SOURCE: "Course source text could not be read",
  // engine
  ENGINE_SHAPE: "Tensor shapes do not fit the operation",
  ENGINE_DTYPE: "Tensor dtype does not fit the operation",
  ENGINE_BACKEND: "Compute backend failed",
  ENGINE_GRAD: "Gradient could not be computed",
  // artifacts (container, compression, quantization, model import)
  ARTIFACT_MAGIC: "Artifact has the wrong magic number",
  ARTIFACT_VERSION: "Artifact has an unsupported format version",
  ARTIFACT_TRUNCATED: "Artifact is truncated",
  ARTIFACT_LENGTH: "Artifact length does not match its header",
  ARTIFACT_CHECKSUM: "Artifact content does not match its checksum",
  ARTIFACT_TOO_LARGE: "Artifact declares a size over the limit",
  ARTIFACT_TABLE: "Artifact tensor table is not valid",
  ARTIFACT_TABLE_RANGE: "Artifact tensor table points outside the payload",
  ARTIFACT_META: "Artifact metadata is not valid",
  ARTIFACT_CODEC: "Compression codec is not known or not available",
  ARTIFACT_DECOMPRESS: "Compressed data could not be decompressed",
  ARTIFACT_DECOMPRESS_LIMIT: "Decompressed data exceeds the size limit",
  ARTIFACT_QUANTIZE: "Tensor could not be quantized or packed",
  ARTIFACT_MODEL: "Artifact does not fit the model",
  // entries (run by the harness in a child process)
  ENTRY_CRASHED: "Entry process failed",
  ENTRY_TIMEOUT: "Entry passed its wallclock cap and was stopped",
  ENTRY_ACCESS: "Entry tried to use a file or capability it is not given",
  ENTRY_CONFINEMENT: "Entry process cannot be sandboxed (user, mount, network and PID namespaces) on this machine",
  ENTRY_NATIVE_CODE: "Entry ships native code (an addon, a shared library or an executable)",
  ENTRY_FILES: "Entry has too many files or folders nested too deep",
  // evaluation
  EVAL_PROTOCOL: "Entry broke the evaluation protocol",
  EVAL_DISTRIBUTION: "Entry returned a distribution that is not valid",
  EVAL_CAUSALITY: "Entry's distributions depend on tokens not yet revealed",
  EVAL_BYTES: "Validation byte count does not match the course",
  ATLAS_INVALID: "Per-document atlas file is not valid",
  COMPARE_MISMATCH: "Runs compared were not scored on the same documents",
  // records
  RECORD_SCHEMA: "Record's submission.json does not match its schema",
  RECORD_FILE: "Record is missing a file or a file does not match",
  RECORD_UNCONFINED: "Run was not sandboxed, so it cannot become a record",
  RECORD_INELIGIBLE: "Run went over the track's time or byte caps, so it cannot become a record",
  RECORD_FILE_UNSAFE: "File in a record or run folder is refused: a symbolic link, not a regular file, over its size limit, or outside the folder",
  // contest server
  HTTP_BAD_REQUEST: "Request is not valid",
  HTTP_TOO_LARGE: "Request body is too large",
  HTTP_UNAUTHORIZED: "Request has no valid credentials",
  HTTP_FORBIDDEN: "Account may not do this",
  HTTP_NOT_FOUND: "No such resource",
  HTTP_GONE: "Resource existed but was removed (a withdrawn or replaced submission's pack)",
  HTTP_CONFLICT: "Request conflicts with the current state",
  HTTP_RATE_LIMITED: "Too many open submissions or requests",
  HTTP_BUSY: "Server is busy with other work; retry shortly",
  HTTP_SLOW_BODY: "Request body arrived slower than the server's floor",
  HTTP_BODY_INCOMPLETE: "Connection closed before the request body was complete",
  CONTEST_PRACTICE_COURSE: "Course's validation split fits compressed under the track's byte cap: not safe for ranked play",
  CONTEST_COURSE_UNMEASURED: "Contest server cannot measure the course's memorization bound (no verified copy of the course)",
  CONTEST_QUOTA: "Account has uploaded as many pack bytes as the contest allows in 24 hours",
  // network
  FETCH_HTTP: "Download failed",
  FETCH_NOT_FOUND: "Remote file not found",
  FETCH_AUTH: "Remote refused access (private or gated repository)",
  FETCH_UNREACHABLE: "Server could not be reached",
  FETCH_MANIFEST: "Remote dataset manifest is not valid",
  // github
  GITHUB_SIGNATURE: "Webhook signature is missing or does not match the secret",
  GITHUB_DELIVERY: "Webhook delivery is not valid (headers or JSON payload)",
  GITHUB_BODY_TOO_LARGE: "Webhook body exceeds the size limit",
  GITHUB_API: "GitHub API request failed",
  GITHUB_AUTH: "GitHub refused the token",
  GITHUB_RATE_LIMITED: "GitHub API rate limit reached",
  GITHUB_PR_NO_RECORD: "Pull request adds no record folder",
  GITHUB_PR_MANY_RECORDS: "Pull request touches more than one record folder",
  GITHUB_PR_OUTSIDE_RECORD: "Pull request changes files outside its record folder",
  GITHUB_PR_UNSAFE_PATH: "Pull request holds a file path that is not safe",
  GITHUB_PR_SYMLINK: "Pull request holds a symlink or submodule",
  GITHUB_PR_TOO_MANY_FILES: "Pull request holds too many files",
  GITHUB_PR_FILE_TOO_LARGE: "Pull request holds a file over the size limit",
  GITHUB_PR_TOO_LARGE: "Pull request's record folder exceeds the total size limit",
  // lineage
  LINEAGE_PARSER: "Source parser (tree-sitter) could not load or parse",
  LINEAGE_CORPUS: "Folder is not a submission corpus or records root",
  LINEAGE_INDEX: "Lineage index file is not valid",
  // server
  DB_OPEN: "Database could not be opened or reached",
  DB_UNAVAILABLE: "Database connection was refused or lost during a request",
  DB_LOCKED: "Database folder is in use by another process",
  DB_CLOSED: "Database is closed",
  DB_TRANSACTION: "Database was used outside its open transaction",
  DB_MIGRATION: "Database migration failed",
  DB_SCHEMA_NEWER: "Database schema is newer than this pgolf",
  BLOB_KEY: "Blob key is not a sha256 hex digest",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PgolfErrorInit {
  /** The file or URL the problem is about, when there is one. */
  file?: string;
  /** What to do about it, as a sentence a user can act on. */
  fix?: string;
  /** Structured facts for --json output (expected and actual values, offsets...). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class PgolfError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly fix?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, problem: string, init: PgolfErrorInit = {}) {
    super(problem, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "PgolfError";
    this.code = code;
    this.file = init.file;
    this.fix = init.fix;
    this.details = init.details;
  }

  /** One human line: `PGOLF_SHARD_MAGIC data/x.bin: wrong magic 7 (expected 20240520). Fix: ...` */
  describe(): string {
    const where = this.file ? ` ${this.file}:` : "";
    const fix = this.fix ? ` Fix: ${this.fix}` : "";
    return `PGOLF_${this.code}${where} ${this.message}${fix}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: {
        code: `PGOLF_${this.code}`,
        file: this.file ?? null,
        message: this.message,
        fix: this.fix ?? null,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export function isPgolfError(e: unknown, code?: ErrorCode): e is PgolfError {
  return e instanceof PgolfError && (code === undefined || e.code === code);
}
