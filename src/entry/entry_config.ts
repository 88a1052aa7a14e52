// An entry's config.json, read once for the harness and the evaluator. Two kinds of entry:
//   pgolf entries   entry.ts exporting train/load; config.json holds their own settings (ctx.config)
//   process entries any language; config.json declares the commands pgolf runs, from the sealed copy:
//                     "train_command": ["python3", "train.py"]   trains one seed, writes $PGOLF_ARTIFACT
//                     "eval_command":  ["python3", "entry.py"]   answers the evaluator (docs/eval-protocol.md)
// and the evaluation window of a pgolf entry (eval_window.ts):
//                     "eval_seq_len": 256, "eval_stride": 64
// Every other key belongs to the entry. Keys that name a command are pgolf's, so a misspelt one
// ("train_cmd", "evalCommand") is refused rather than silently leaving the entry untrainable; so are
// "eval_*" keys pgolf does not read ("eval_strid" would otherwise leave the windows as they were).
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { readJsonFile } from "../core/json.js";
import { EVAL_WINDOW_KEYS, evalWindow, type EvalWindow } from "./eval_window.js";

export const ENTRY_CONFIG = "config.json";

/** The command keys pgolf knows. */
const COMMAND_KEYS = ["train_command", "eval_command"] as const;
/** A key that looks like a command declaration (and so must be one of COMMAND_KEYS). */
const COMMANDISH = /(command|cmd)/i;
/** A key that looks like an evaluation setting (and so must be one pgolf reads). */
const EVALISH = /^eval_/i;

export interface EntryConfig {
  /** The config.json path (it may not exist: a pgolf entry without settings). */
  file: string;
  /** Every key of config.json (the entry's settings; a pgolf entry gets them as ctx.config). */
  values: Record<string, unknown>;
  /** "process" when config.json declares eval_command, else "pgolf" (entry.ts). */
  kind: "pgolf" | "process";
  /** argv of the training command (process entries), null when none is declared. */
  trainCommand: string[] | null;
  /** argv of the model process (process entries), null for pgolf entries. */
  evalCommand: string[] | null;
  /** The evaluation window of config.json alone (overrides are checked again where they are merged). */
  evalWindow: EvalWindow;
}

function command(values: Record<string, unknown>, key: (typeof COMMAND_KEYS)[number], file: string): string[] | null {
  const v = values[key];
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.length === 0 || !v.every((c) => typeof c === "string" && c.length > 0 && !c.includes("\0"))) {
    throw new PgolfError("CONFIG_INVALID", `${key} must be a non-empty array of non-empty strings (the program and its arguments)`, {
      file,
      fix: `e.g. "${key}": ["python3", "${key === "train_command" ? "train.py" : "entry.py"}"]`,
    });
  }
  return v as string[];
}

export function readEntryConfig(entryDir: string): EntryConfig {
  const file = path.join(entryDir, ENTRY_CONFIG);
  const values = fs.existsSync(file) ? readJsonFile<Record<string, unknown>>(file, "entry config") : {};
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new PgolfError("CONFIG_INVALID", "config.json must hold a JSON object", { file, fix: 'write {"key": value, ...}' });
  }
  for (const k of Object.keys(values)) {
    if (COMMANDISH.test(k) && !(COMMAND_KEYS as readonly string[]).includes(k)) {
      throw new PgolfError("CONFIG_UNKNOWN_KEY", `config.json declares "${k}", which is not a command pgolf runs`, {
        file,
        fix: `the command keys are ${COMMAND_KEYS.join(" and ")}; rename "${k}" (or, if it is the entry's own setting, give it a name without "command"/"cmd")`,
      });
    }
    if (EVALISH.test(k) && !(COMMAND_KEYS as readonly string[]).includes(k) && !(EVAL_WINDOW_KEYS as readonly string[]).includes(k)) {
      throw new PgolfError("CONFIG_UNKNOWN_KEY", `config.json declares "${k}", which is not an evaluation setting pgolf reads`, {
        file,
        fix: `the evaluation keys are ${EVAL_WINDOW_KEYS.join(" and ")}; rename "${k}" (or, if it is the entry's own setting, give it a name that does not start with "eval_")`,
      });
    }
  }
  const trainCommand = command(values, "train_command", file);
  const evalCommand = command(values, "eval_command", file);
  if (trainCommand && !evalCommand) {
    throw new PgolfError("CONFIG_INVALID", "config.json declares train_command but no eval_command: the artifact could be trained but not scored", {
      file,
      fix: 'add "eval_command" (the model side of docs/eval-protocol.md, e.g. ["python3", "entry.py"])',
    });
  }
  return { file, values, kind: evalCommand ? "process" : "pgolf", trainCommand, evalCommand, evalWindow: evalWindow(values, file) };
}
