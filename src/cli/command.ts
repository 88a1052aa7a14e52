// The shape of a CLI command: declared options (unknown ones are rejected by parseArgs' strict mode),
// a `run` that calls one exported library function and returns its result, and an optional
// human-readable rendering. `--json` prints the result object itself.
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandIO {
  /** True when --json was given: the command must not print anything but the result. */
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command<R = unknown> {
  /** Words after `pgolf`, e.g. "data prepare". */
  name: string;
  summary: string;
  /** Usage line after the command name, e.g. "[--course NAME] [--dir DIR]". */
  usage: string;
  options: OptionSpec;
  /** How many positional arguments are accepted: [min, max]. */
  positionals?: [number, number];
  run(values: ParsedValues, positionals: string[], io: CommandIO): Promise<R>;
  /** Human output; when absent the result is printed as JSON anyway. */
  human?(result: R): string;
  /**
   * Commands whose output is a stream of JSON lines (one per input) print as they go and return
   * undefined; `--json` is accepted and the lines are already JSON.
   */
  streams?: boolean;
}

export function defineCommand<R>(c: Command<R>): Command<R> {
  return c;
}

export function str(values: ParsedValues, key: string): string | undefined {
  const v = values[key];
  return typeof v === "string" ? v : undefined;
}

export function int(values: ParsedValues, key: string): number | undefined {
  const v = str(values, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw usage(`--${key} takes a whole number, got "${v}"`);
  return n;
}

/** A probability strictly between 0 and 1 (--alpha). */
export function probability(values: ParsedValues, key: string): number | undefined {
  const v = str(values, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw usage(`--${key} takes a number between 0 and 1, got "${v}"`);
  return n;
}

import { PgolfError } from "../core/error.js";
export function usage(problem: string, fix?: string): PgolfError {
  return new PgolfError("USAGE", problem, { fix: fix ?? "run `pgolf help` for the commands and their options" });
}

/** --seeds "1,2,3": comma-separated non-negative integers (default [1337], the contest's first seed). */
export function parseSeeds(s: string | undefined): number[] {
  if (s === undefined) return [1337];
  const seeds = s.split(",").map((x) => Number(x.trim()));
  if (seeds.length === 0 || seeds.some((x) => !Number.isInteger(x) || x < 0)) throw usage(`--seeds must be comma-separated non-negative integers, got "${s}"`);
  return seeds;
}

export function parseMinutes(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = Number(s);
  if (!(m > 0)) throw usage(`--minutes must be a positive number, got "${s}"`);
  return m;
}
