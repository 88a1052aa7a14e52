// Confining an entry's own process (a process entry's train_command and eval_command), in one place.
// pgolf entries are held by Node's permission model (sandbox.ts); a Python or C++ process has no such
// switch, so the kernel does it. The command runs as
//
//   unshare --user --map-root-user --mount --net --pid --fork --kill-child --mount-proc \
//     sh -c SETUP   (bind the training view's files read-only, hide the masked folders behind an
//                    empty read-only tmpfs, drop every capability, exec the command)
//
// which gives it: no network (a new network namespace holds only a down loopback), the course's
// validation data hidden (the mask is mounted in its own mount namespace; with every capability
// dropped it cannot unmount it, and a nested user namespace cannot either: mounts inherited from a
// more privileged namespace are locked together), its own PID namespace and /proc (it cannot reach
// the harness's files through /proc/<pid>/root, and killing `unshare` kills every process it made).
// If the harness dies, so does the run (a parent-death signal on unshare). It needs no root:
// unprivileged user namespaces suffice, and it nests inside the worker's runIsolated (uid 65534,
// no_new_privs, its own pid and net namespaces).
//
// Where the kernel offers none of this (macOS, Windows, user namespaces disabled), planConfinement
// says so: local runs go on with a warning in the result; with `strict` (verification workers) the
// run is refused with ENTRY_CONFINEMENT.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import type { Course } from "../data/course.js";

/** How an entry's process ran: in its own namespaces, or (where impossible, not strict) as is. */
export type Confinement = "namespaces" | "none";

export interface ConfineSupport {
  ok: boolean;
  /** What is missing, in words (empty when ok). */
  problems: string[];
}

export interface ConfinementPlan {
  confinement: Confinement;
  /** Set when the process runs unconfined: what that means, for the run's result and log. */
  warning: string | null;
}

const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

function tool(name: string): string | null {
  for (const d of TOOL_DIRS) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** Single-quoted for sh (tool paths are fixed, but quote them anyway). */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs as root of the new user namespace. Arguments: N, then N (source, target) pairs to bind
 * read-only; M, then M folders to hide; then the command. Binds come first: their sources may lie
 * in a folder that is masked next.
 */
function setupScript(mount: string, setpriv: string): string {
  return [
    "set -e",
    'n=$1; shift; while [ "$n" -gt 0 ]; do ' + `${sq(mount)} --bind -o ro "$1" "$2"` + "; shift 2; n=$((n - 1)); done",
    'n=$1; shift; while [ "$n" -gt 0 ]; do ' + `${sq(mount)} -t tmpfs -o ro,nosuid,nodev,noexec,mode=0555,size=4k pgolf-mask "$1"` + "; shift; n=$((n - 1)); done",
    `exec ${sq(setpriv)} --no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- "$@"`,
  ].join("\n");
}

const UNSHARE_FLAGS = ["--user", "--map-root-user", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"];

function wrap(command: string[], binds: { from: string; to: string }[], mask: string[]): string[] {
  const [unshare, mount, setpriv] = [tool("unshare"), tool("mount"), tool("setpriv")];
  if (!unshare || !mount || !setpriv) throw new PgolfError("ENTRY_CONFINEMENT", "unshare, mount or setpriv is missing", { fix: "install util-linux" });
  // setpriv --pdeathsig: if the harness dies, unshare gets SIGKILL, and with it the whole PID namespace
  return [setpriv, "--pdeathsig", "KILL", "--", unshare, ...UNSHARE_FLAGS, "/bin/sh", "-c", setupScript(mount, setpriv), "pgolf-confine", String(binds.length), ...binds.flatMap((b) => [b.from, b.to]), String(mask.length), ...mask, ...command];
}

let probed: ConfineSupport | undefined;

/**
 * Whether this machine can confine (probed once per process, ~20 ms): the whole mechanism is tried
 * on a scratch folder (a read-only bind, a mask, the capability drop) and its effect checked.
 */
export function confineSupport(): ConfineSupport {
  if (probed) return probed;
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`confinement needs Linux user, mount and network namespaces (this is ${process.platform})`);
  else {
    for (const t of ["unshare", "mount", "setpriv"]) if (!tool(t)) problems.push(`${t} is missing (util-linux)`);
    if (!fs.existsSync("/bin/sh")) problems.push("/bin/sh is missing");
  }
  if (problems.length === 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-confine-probe-"));
    try {
      const src = path.join(dir, "src");
      const dst = path.join(dir, "dst");
      const hidden = path.join(dir, "hidden");
      fs.writeFileSync(src, "probe");
      fs.writeFileSync(dst, "");
      fs.mkdirSync(hidden);
      fs.writeFileSync(path.join(hidden, "secret"), "x");
      // inside: the bind reads through and is read-only, the mask hides, and the mask cannot be lifted
      const check = `test "$(cat ${sq(dst)})" = probe && ! test -e ${sq(path.join(hidden, "secret"))} && ! (echo x >> ${sq(dst)}) 2>/dev/null && ! umount ${sq(hidden)} 2>/dev/null`;
      const argv = wrap(["/bin/sh", "-c", check], [{ from: src, to: dst }], [hidden]);
      const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 10_000, env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" } });
      if (r.error) problems.push(`the namespace probe could not run: ${r.error.message}`);
      else if (r.status !== 0) {
        const why = r.stderr.trim().split("\n").slice(-2).join(" | ");
        problems.push(`the namespace probe failed (${r.signal ? `signal ${r.signal}` : `exit code ${r.status}`})${why ? `: ${why}` : "; the mask or read-only bind did not hold"}; unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  probed = { ok: problems.length === 0, problems };
  return probed;
}

/**
 * Pure: run confined when the machine can; otherwise run with a warning, or, when `strict`, refuse
 * (ENTRY_CONFINEMENT). `what` names the process for messages ("the train_command of entries/x").
 */
export function planConfinement(what: string, strict: boolean, support: ConfineSupport = confineSupport()): ConfinementPlan {
  if (support.ok) return { confinement: "namespaces", warning: null };
  if (strict) {
    throw new PgolfError("ENTRY_CONFINEMENT", `${what} cannot be confined on this machine: ${support.problems.join("; ")}`, {
      fix: "verify process entries on Linux with unprivileged user namespaces enabled (util-linux unshare, mount, setpriv)",
    });
  }
  return {
    confinement: "none",
    warning: `${what} ran unconfined (${support.problems.join("; ")}): it could read the validation data and use the network. A verification worker refuses such a run; the score stands only once reproduced there`,
  };
}

/** Real path of p, or of its nearest existing ancestor joined with the rest (p may not exist yet). */
function realish(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let cur = abs; ; cur = path.dirname(cur)) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      if (path.dirname(cur) === cur) return abs;
      rest.push(path.basename(cur));
    }
  }
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

/**
 * The folders to hide from an entry's process: the course folder and every folder holding a
 * validation shard (real paths, so a symlinked course is hidden where it really lives), without
 * folders already inside another.
 */
export function courseMasks(course: Course): string[] {
  const all = [course.dir, ...course.valFiles.map((f) => path.dirname(f))].map(realish);
  const unique = [...new Set(all)].sort((a, b) => a.length - b.length);
  return unique.filter((m, i) => !unique.slice(0, i).some((o) => inside(m, o)));
}

/** The scrubbed environment of an entry's process: the toolchain's own variables, then `extra`. */
export function entryEnv(extra: Record<string, string>): Record<string, string> {
  const keep = Object.entries(process.env).filter(([k, v]) => v !== undefined && (k === "PATH" || k === "HOME" || k === "TMPDIR" || k.startsWith("PYENV")));
  return { ...(Object.fromEntries(keep) as Record<string, string>), PYTHONDONTWRITEBYTECODE: "1", ...extra };
}

/** The program of a command, checked before anything starts: a clear error beats exit code 127 from inside. */
function checkProgram(program: string, cwd: string, searchPath: string, what: string): void {
  // Windows finds "python3" as python3.exe (PATHEXT); elsewhere the name is the file
  const names = process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")].map((x) => program + x.toLowerCase()) : [program];
  const found = program.includes("/") ? fs.existsSync(path.resolve(cwd, program)) : searchPath.split(path.delimiter).some((d) => d && names.some((n) => fs.existsSync(path.join(d, n))));
  if (!found) {
    throw new PgolfError("CONFIG_INVALID", `${what} starts "${program}", which ${program.includes("/") ? "does not exist in the entry" : "is not on PATH"}`, {
      fix: program.includes("/") ? "name a file of the entry (relative to its folder)" : `install ${program}, or give its full path in config.json`,
    });
  }
}

export interface SpawnConfinedOptions {
  plan: ConfinementPlan;
  /** For messages: "the train_command of entries/x". */
  what: string;
  cwd: string;
  env: Record<string, string>;
  stdio: StdioOptions;
  /** Files bound read-only into place before the masks (the training view; see training_view.ts). */
  binds?: { from: string; to: string }[];
  /** Folders hidden behind an empty read-only tmpfs (courseMasks). */
  mask: string[];
  /** Paths the process must reach (its sealed copy, output, artifact): refused if a mask would hide one. */
  keep: string[];
}

/** Starts an entry's command under the plan: confined (see the top of this file) or, where impossible, as is. */
export function spawnConfined(command: string[], o: SpawnConfinedOptions): ChildProcess {
  checkProgram(command[0], o.cwd, o.env.PATH ?? "", o.what);
  const masks = o.mask.map(realish);
  for (const k of o.keep) {
    const hiddenBy = masks.find((m) => inside(realish(k), m));
    if (hiddenBy) {
      throw new PgolfError("CONFIG_INVALID", `${k} lies inside ${hiddenBy}, which is hidden from the entry's process (it holds validation data)`, {
        file: k,
        fix: "keep run folders, artifacts and the temp folder outside the course folder",
      });
    }
  }
  const argv = o.plan.confinement === "namespaces" ? wrap(command, o.binds ?? [], masks) : command;
  return spawn(argv[0], argv.slice(1), { cwd: o.cwd, env: o.env, stdio: o.stdio });
}
