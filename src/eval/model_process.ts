// A model being evaluated, as a child process the evaluator talks to with the protocol's frames.
// pgolf entries (entry.ts) run in the sandboxed host (entry_host.ts) from a sealed copy: they can read
// their own counted files and their artifact, nothing else (not the validation data, which stays in
// the evaluator). Entries in any other language declare `eval_command` in config.json (for example
// ["python3", "entry.py"]) and run from their sealed copy with a scrubbed environment, confined
// (train/confine.ts): no network, and the course's validation data hidden (`mask`).
// One wallclock deadline covers the whole session; past it the process is killed.
import { type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import { entryEnv, planConfinement, spawnConfined, type Confinement } from "../train/confine.js";
import { readEntryConfig } from "../train/entry_config.js";
import { distScript, spawnSandboxed } from "../train/sandbox.js";
import { sealEntry, type SealedEntry } from "../train/seal.js";
import { encodeMessage, FrameReader, kindName, MessageKind, type Message } from "./protocol.js";

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
  /** Folders hidden from a process entry's model: the course's validation data (confine.ts courseMasks). */
  mask?: string[];
  /** Refuse (ENTRY_CONFINEMENT) rather than run a process entry's model unconfined. */
  strictConfinement?: boolean;
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
    readonly o: StartOptions,
    readonly kind: "pgolf" | "process",
    /** How the model process is held: Node's permission model, namespaces, or (where impossible) nothing. */
    readonly confinement: "node-permissions" | Confinement,
    /** Set when the model ran unconfined. */
    readonly warning: string | null,
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
      if (o.echoStderr) process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.stdin!.on("error", () => {
      // the child went away; the exit handler reports it
    });
    child.on("error", (e) => this.fail(new PgolfError("ENTRY_CRASHED", `the model process could not start: ${e.message}`, { file: o.entryDir, fix: "check eval_command in config.json", cause: e })));
    child.on("exit", (code, signal) => {
      if (this.failure) return;
      this.fail(
        new PgolfError("ENTRY_CRASHED", `the model process exited (${signal ? `signal ${signal}` : `code ${code}`}) in the middle of evaluation${this.stderrTail ? `; its last words: ${this.lastWords()}` : ""}`, {
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

  static start(o: StartOptions): ModelProcess {
    const config = readEntryConfig(o.entryDir);
    const command = config.evalCommand;
    const what = `the eval_command of ${o.entryDir}`;
    const plan = command ? planConfinement(what, o.strictConfinement ?? false) : null;
    const sealed = sealEntry(o.entryDir, { verbatim: command !== null });
    try {
      if (!command || !plan) {
        const child = spawnSandboxed(distScript("eval/entry_host.js"), [sealed.dir], {
          read: [sealed.dir, o.artifactFile],
          write: [],
          stdio: ["pipe", "pipe", "pipe"],
        });
        return new ModelProcess(child, sealed, o, "pgolf", "node-permissions", null);
      }
      const child = spawnConfined(command, {
        plan,
        what,
        cwd: sealed.dir,
        stdio: ["pipe", "pipe", "pipe"],
        // a scrubbed environment: the toolchain's own variables (PATH, HOME, pyenv) and the artifact
        env: entryEnv({ PGOLF_ARTIFACT: path.resolve(o.artifactFile) }),
        mask: o.mask ?? [],
        keep: [sealed.dir, o.artifactFile],
      });
      return new ModelProcess(child, sealed, o, "process", plan.confinement, plan.warning);
    } catch (e) {
      sealed.remove();
      throw e;
    }
  }

  private lastWords(): string {
    return this.stderrTail.trim().split("\n").slice(-6).join(" | ");
  }

  private deliver(m: Message): void {
    if (m.kind === MessageKind.ERROR) {
      const code = typeof m.header.code === "string" && m.header.code in ERROR_CODES ? (m.header.code as ErrorCode) : "ENTRY_CRASHED";
      this.fail(new PgolfError(code, `the model gave up: ${String(m.header.message ?? "no message")}`, { file: this.o.entryDir, fix: "fix the error in the model's code" }));
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

  /** Sends one message and waits for the reply of the expected kind. */
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
      this.failure = new PgolfError("EVAL_PROTOCOL", "the session is closed");
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
  }

  /** Kills the process at once (after a failure elsewhere). */
  abort(e: Error): void {
    this.fail(e);
    this.sealed.remove();
  }
}
