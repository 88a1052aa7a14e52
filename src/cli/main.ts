// The pgolf command line: a thin shell. Each command lazily imports a library function, calls it and
// prints its result (as JSON with --json). Errors print as one line with a stable code and exit 1
// (2 for usage errors).
import { parseArgs } from "node:util";
import { PgolfError } from "../core/error.js";
import type { Command, CommandIO } from "./command.js";

/** Command name -> loader. Loaded lazily so that `pgolf shard info` does not load the tokenizer. */
const COMMANDS: Record<string, () => Promise<Command<any>>> = {
  run: async () => (await import("./commands/run.js")).default,
  init: async () => (await import("./commands/init.js")).default,
  train: async () => (await import("./commands/train.js")).default,
  pack: async () => (await import("./commands/pack.js")).default,
  eval: async () => (await import("./commands/eval.js")).default,
  submit: async () => (await import("./commands/submit.js")).default,
  check: async () => (await import("./commands/check.js")).default,
  compare: async () => (await import("./commands/compare.js")).default,
  lineage: async () => (await import("./commands/lineage.js")).default,
  serve: async () => (await import("./commands/serve.js")).default,
  worker: async () => (await import("./commands/worker.js")).default,
  "leaderboard build": async () => (await import("./commands/leaderboard-build.js")).default,
  "data prepare": async () => (await import("./commands/data-prepare.js")).default,
  "data fetch": async () => (await import("./commands/data-fetch.js")).default,
  "data build": async () => (await import("./commands/data-build.js")).default,
  "data verify": async () => (await import("./commands/data-verify.js")).default,
  "data bytes": async () => (await import("./commands/data-bytes.js")).default,
  "bench train": async () => (await import("./commands/bench-train.js")).default,
  "shard info": async () => (await import("./commands/shard-info.js")).default,
  "tokenizer encode": async () => (await import("./commands/tokenizer-encode.js")).default,
  "tokenizer decode": async () => (await import("./commands/tokenizer-decode.js")).default,
  "tokenizer train": async () => (await import("./commands/tokenizer-train.js")).default,
};

async function helpText(): Promise<string> {
  const lines = ["pgolf: Parameter Golf on your own machine", "", "Usage: pgolf <command> [options] [--json]", "", "Commands:"];
  for (const name of Object.keys(COMMANDS)) {
    const c = await COMMANDS[name]();
    lines.push(`  pgolf ${name} ${c.usage}`.trimEnd(), `      ${c.summary}`);
  }
  return lines.join("\n") + "\n";
}

function findCommand(argv: string[]): { name: string; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const name = argv.slice(0, n).join(" ");
    if (argv.length >= n && COMMANDS[name]) return { name, rest: argv.slice(n) };
  }
  return undefined;
}

export async function main(argv: string[], io: Partial<CommandIO> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const json = argv.includes("--json");
  try {
    if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
      stdout.write(await helpText());
      return 0;
    }
    if (argv[0] === "--version") {
      stdout.write(`${(await import("../core/version.js")).VERSION}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      throw new PgolfError("USAGE", `unknown command "${argv.slice(0, 2).join(" ")}"`, { fix: "run `pgolf help` for the list of commands" });
    }
    const cmd = await COMMANDS[found.name]();
    if (found.rest.includes("--help") || found.rest.includes("-h")) {
      stdout.write(`Usage: pgolf ${found.name} ${cmd.usage}\n${cmd.summary}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: found.rest,
        options: { ...cmd.options, json: { type: "boolean" } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new PgolfError("USAGE", `pgolf ${found.name}: ${(e as Error).message}`, { fix: `usage: pgolf ${found.name} ${cmd.usage}` });
    }
    const [min, max] = cmd.positionals ?? [0, 0];
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new PgolfError("USAGE", `pgolf ${found.name} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${parsed.positionals.length}`, {
        fix: `usage: pgolf ${found.name} ${cmd.usage}`,
      });
    }
    const result = await cmd.run(parsed.values, parsed.positionals, { json, stdout, stderr });
    if (!cmd.streams) {
      if (json || !cmd.human) stdout.write(JSON.stringify(result, null, json ? 0 : 2) + "\n");
      else stdout.write(cmd.human(result) + "\n");
    }
    return 0;
  } catch (e) {
    if (e instanceof PgolfError) {
      if (json) stdout.write(JSON.stringify(e.toJSON()) + "\n");
      stderr.write(`error: ${e.describe()}\n`);
      return e.code === "USAGE" ? 2 : 1;
    }
    stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}
