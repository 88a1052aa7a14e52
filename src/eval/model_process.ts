// A model being evaluated: a process in the sandbox (entry/sandbox.ts) the evaluator talks to with
// the protocol's frames. It sees its own sealed copy (/entry), the artifact (/input/artifact.bin,
// read-only) and the runtime, and nothing else: no validation data (that stays in the evaluator), no
// network, no file written by training, no other model process's scratch. pgolf entries run in the
// library's host (entry_host.ts) with Node's permission model as a second layer; entries in any other
// language declare `eval_command` in config.json (for example ["python3", "entry.py"]).
// Every instance is fresh: the evaluator starts two of the same artifact (the scorer and the prober,
// stream_eval.ts) and they share no writable state. One wallclock deadline covers the whole session;
// past it the process is killed.
import * as path from "node:path";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import { classifyLastWords, outsidePaths } from "../entry/child_error.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { libraryCommand } from "../entry/node_permissions.js";
import { encodeMessage, FrameReader, kindName, MessageKind, type Message } from "../entry/protocol.js";
import { checkProgram, INSIDE, planConfinement, Sandbox, SANDBOX_PATH, type Confinement } from "../entry/sandbox.js";
import { sealEntry, type SealedEntry } from "../entry/seal.js";
import type { ChildProcess } from "node:child_process";

/** Keep this much of the model's stderr for error messages, bytes. */
const STDERR_TAIL_BYTES = 4096;

export interface StartOptions {
  entryDir: string;
  artifactFile: string;
  /** Wallclock for the whole session, milliseconds (the track's evaluation cap; null: none). */
  deadlineMs: number | null;
  /** Largest frame payload accepted from the model, bytes. */
  maxPayloadBytes: number;
  /** Pass the model's stderr through (otherwise only its tail is kept for errors). */
  echoStderr?: boolean;
  /** Folders to keep hidden even where the runtime would show them (the course's). */
  hide?: string[];
  /** Refuse (ENTRY_CONFINEMENT) rather than run the model without the sandbox. */
  strictConfinement?: boolean;
  /** For messages: which instance this is ("scorer", "prober"). */
  role?: string;
}

export class ModelProcess {
  private readonly reader: FrameReader;
  private readonly waiting: { resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  private readonly received: Message[] = [];
  private failure: Error | undefined;
  private stderrTail = "";
  private readonly timer: NodeJS.Timeout | undefined;
  readonly startedAt = performance.now();

  private constructor(
    private readonly child: ChildProcess,
    private readonly sealed: SealedEntry,
    private readonly sandbox: Sandbox,
    readonly o: StartOptions,
    readonly kind: "pgolf" | "process",
    /** The artifact's path as the process sees it (sent in HELLO). */
    readonly artifactPath: string,
  ) {
    this.reader = new FrameReader(o.maxPayloadBytes, `the model process (${o.entryDir})`);
    child.stdout!.on("data", (d: Buffer) => {
      try {
        this.reader.push(d);
        for (let m = this.reader.next(); m; m = this.reader.next()) this.deliver(m);
      } catch (e) {
        this.fail(e as Error);
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      if (o.echoStderr) process.stderr.write(outsidePaths(d.toString("utf8"), o.entryDir));
      this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.stdin!.on("error", () => {
      // the child went away; the exit handler reports it
    });
    child.on("error", (e) => this.fail(new PgolfError("ENTRY_CRASHED", `the model process could not start: ${e.message}`, { file: o.entryDir, fix: "check eval_command in config.json", cause: e })));
    child.on("exit", (code, signal) => {
      if (this.failure) return;
      const rule = classifyLastWords(this.stderrTail);
      this.fail(
        new PgolfError(rule ? (rule.code as ErrorCode) : "ENTRY_CRASHED", `the model process exited (${signal ? `signal ${signal}` : `code ${code}`}) in the middle of evaluation${rule ? `: ${rule.why}` : ""}${this.stderrTail ? `; its last words: ${this.lastWords()}` : ""}`, {
          file: o.entryDir,
          fix: "fix the error in the model's code (run it with --echo to see its output)",
        }),
      );
    });
    const deadline = o.deadlineMs;
    this.timer =
      deadline === null
        ? undefined
        : setTimeout(() => {
            this.fail(new PgolfError("ENTRY_TIMEOUT", `evaluation passed its ${(deadline / 1000).toFixed(0)} s cap and the model process was stopped`, { file: o.entryDir, fix: "make evaluation faster (the cap covers loading and scoring)" }));
          }, deadline);
  }

  /** How the process is held: the namespace sandbox, or (where impossible, not strict) nothing. */
  get confinement(): Confinement {
    return this.sandbox.plan.confinement;
  }

  /** Set when the model ran without the sandbox. */
  get warning(): string | null {
    return this.sandbox.plan.warning;
  }

  static start(o: StartOptions): ModelProcess {
    const config = readEntryConfig(o.entryDir);
    const command = config.evalCommand;
    const what = `the model of ${o.entryDir}${o.role ? ` (${o.role})` : ""}`;
    const plan = planConfinement(what, o.strictConfinement ?? false);
    const sealed = sealEntry(o.entryDir, { verbatim: command !== null });
    const sb = new Sandbox(what, plan);
    try {
      for (const h of o.hide ?? []) sb.hide(h);
      const entryIn = sb.bind(sealed.dir, INSIDE.entry);
      const artifactIn = sb.bind(path.resolve(o.artifactFile), path.posix.join(INSIDE.input, "artifact.bin"));
      const scratch = sb.scratchEnv();
      if (!command) {
        const argv = libraryCommand(sb, "eval/entry_host.js", [entryIn, artifactIn]);
        const child = sb.spawn([...argv, entryIn], { cwd: entryIn, env: { PATH: SANDBOX_PATH, ...scratch, LANG: "C.UTF-8" }, stdio: ["pipe", "pipe", "pipe"] });
        return new ModelProcess(child, sealed, sb, o, "pgolf", artifactIn);
      }
      checkProgram(command[0], { entryDir: sealed.dir, confined: sb.confined, what: `the eval_command of ${o.entryDir}`, file: config.file });
      const env = { PATH: sb.confined ? SANDBOX_PATH : (process.env.PATH ?? SANDBOX_PATH), ...scratch, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1", PGOLF_ARTIFACT: artifactIn };
      const child = sb.spawn(command, { cwd: entryIn, env, stdio: ["pipe", "pipe", "pipe"] });
      return new ModelProcess(child, sealed, sb, o, "process", artifactIn);
    } catch (e) {
      sealed.remove();
      sb.cleanup();
      throw e;
    }
  }

  private lastWords(): string {
    return outsidePaths(this.stderrTail.trim().split("\n").slice(-6).join(" | "), this.o.entryDir);
  }

  private deliver(m: Message): void {
    if (m.kind === MessageKind.ERROR) {
      const message = outsidePaths(String(m.header.message ?? "no message"), this.o.entryDir);
      // a process entry's own report of what went wrong: a rule it ran into still gets the rule's code
      const rule = classifyLastWords(message);
      const code = typeof m.header.code === "string" && m.header.code in ERROR_CODES && m.header.code !== "ENTRY_CRASHED" ? (m.header.code as ErrorCode) : rule ? (rule.code as ErrorCode) : "ENTRY_CRASHED";
      this.fail(new PgolfError(code, `the model gave up: ${message}${rule && code === rule.code ? ` (${rule.why})` : ""}`, { file: this.o.entryDir, fix: typeof m.header.fix === "string" ? m.header.fix : "fix the error in the model's code" }));
      return;
    }
    const w = this.waiting.shift();
    if (w) w.resolve(m);
    else this.received.push(m);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    clearTimeout(this.timer);
    this.child.kill("SIGKILL");
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  /** Milliseconds since the process started. */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Sends one message and waits for the reply of the expected kind (requests are answered in order). */
  async request(kind: MessageKind, header: Record<string, unknown>, payload: Uint8Array | undefined, expect: MessageKind): Promise<Message> {
    if (this.failure) throw this.failure;
    this.child.stdin!.write(encodeMessage(kind, header, payload));
    const m = this.received.shift() ?? (await new Promise<Message>((resolve, reject) => this.waiting.push({ resolve, reject })));
    if (m.kind !== expect) {
      const e = new PgolfError("EVAL_PROTOCOL", `the model answered ${kindName(kind)} with ${kindName(m.kind)}, expected ${kindName(expect)}`, { file: this.o.entryDir, fix: "follow docs/eval-protocol.md" });
      this.fail(e);
      throw e;
    }
    return m;
  }

  /** Says BYE, waits briefly for a clean exit, and removes the sealed copy. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.failure && this.child.exitCode === null) {
      this.failure = new PgolfError("EVAL_PROTOCOL", "the session is closed", { fix: "open a new session to score again; this one was closed" });
      this.child.stdin!.end(encodeMessage(MessageKind.BYE, {}));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.child.kill("SIGKILL");
          resolve();
        }, 5000);
        this.child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    } else this.child.kill("SIGKILL");
    this.sealed.remove();
    this.sandbox.cleanup();
  }

  /** Kills the process at once (after a failure elsewhere). */
  abort(e: Error): void {
    this.fail(e);
    this.sealed.remove();
    this.sandbox.cleanup();
  }
}
