// The one sandbox every entry's process runs in, pgolf entries and process entries alike, for training
// and for evaluation. On Linux it is a set of kernel namespaces over a minimal read-only root:
//
//   setpriv --pdeathsig KILL -- unshare --user --map-root-user --mount --net --pid --ipc --uts
//     --cgroup --fork --kill-child /bin/sh -c SETUP ...
//
// SETUP (below) mounts an empty tmpfs as the new root and puts into it only what the process is given:
//   - the runtime: /usr and the /bin, /lib... links (interpreters and system libraries), a few /etc
//     files; global npm folders under them are hidden;
//   - what the caller binds (Sandbox.bind): the sealed entry, the training view or the artifact, and
//     for a pgolf entry the library's dist/ and assets/ with the allow-listed packages
//     (runtime_packages.ts);
//   - fresh, empty, private /tmp, HOME (/home/entry) and /dev/shm (tmpfs, gone when the process ends),
//     a /dev with null, zero, full, random and urandom only, and its own /proc;
// then pivots into it, detaches the old root, remounts the new root read-only, drops every capability
// (no_new_privs) and execs the command. So the process has no network (its network namespace holds
// only a down loopback), sees no file it was not given (no validation data, no other course copy, no
// dependency folder, no home), cannot write anything outside its tmpfs scratch, cannot see or signal
// other processes, and cannot map executable code from anything it can write or was given as data:
// every bind except the runtime and the allow-listed packages is noexec, and so is every tmpfs, so an
// entry cannot load a native addon of its own. Killing the process kills its whole PID namespace, and
// if the harness dies the sandbox dies with it.
//
// Written by hand over util-linux rather than with bubblewrap: bwrap cannot mount noexec (its binds
// and tmpfs mounts are nosuid/nodev only), which is what stops an entry from dlopen()ing a library it
// wrote to its scratch, and util-linux is on every Linux machine pgolf runs on while bubblewrap is
// an extra package. Setting up a sandbox takes about 80 ms (measured: 79 ms for a Python entry).
//
// Where the kernel offers none of this (macOS, Windows, user namespaces disabled), `planConfinement`
// says so: a run that must be scored (`strict`) is refused with ENTRY_CONFINEMENT; a local run goes on
// without it (the process sees the real paths, and a pgolf entry keeps Node's permission model), and
// its result says `confinement: none`, which `pgolf submit` refuses.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";

/** How an entry's process ran: in the namespace sandbox, or (where impossible, not strict) as is. */
export type Confinement = "namespaces" | "none";

export interface SandboxSupport {
  ok: boolean;
  /** What is missing, in words (empty when ok). */
  problems: string[];
}

export interface ConfinementPlan {
  confinement: Confinement;
  /** Set when the process runs unconfined: what that means, for the run's result and log. */
  warning: string | null;
}

/** Inside paths every sandbox has. */
export const INSIDE = {
  entry: "/entry",
  data: "/data",
  input: "/input",
  out: "/out",
  home: "/home/entry",
  tmp: "/tmp",
} as const;

/** The PATH inside: the runtime's own folders (a pyenv or nvm in a home folder is not there). */
export const SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Sizes of the scratch file systems, bytes (memory-backed: a bound, not a reservation). */
const TMP_SIZE = 2 * 2 ** 30;
const HOME_SIZE = 256 * 2 ** 20;
const SHM_SIZE = 2 ** 30;

const SYSTEM_ROOTS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** /etc entries the runtime reads (the dynamic loader's cache, users and groups, time zone, alternatives). */
const ETC_ENTRIES = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime", "alternatives"];
/** Global npm folders inside the runtime: hidden (only the allow-list is a runtime package). */
const GLOBAL_MODULES = ["/usr/lib/node_modules", "/usr/local/lib/node_modules", "/usr/share/nodejs"];
const DEVICES = ["null", "zero", "full", "random", "urandom"];

const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

function tool(name: string): string | null {
  for (const d of TOOL_DIRS) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir === "/" ? "/" : dir + path.sep);

/** Real path of p, or of its nearest existing ancestor joined with the rest (p may not exist yet). */
export function realish(p: string): string {
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

/**
 * The setup, run as root of the new user namespace by /bin/sh. Arguments: the new root's mountpoint,
 * then operations until "--", then the working directory and the command:
 *   B FLAGS SRC DST   bind SRC at DST (a folder or a file) with mount flags FLAGS
 *   T OPTS DST        a tmpfs at DST
 *   S TARGET DST      a symbolic link
 *   R DST             remount the tmpfs at DST read-only (after what is bound inside it)
 */
function setupScript(t: { mount: string; pivotRoot: string; setpriv: string }): string {
  const mount = JSON.stringify(t.mount);
  return [
    "set -e",
    'R=$1; shift',
    `${mount} -t tmpfs -o mode=0755,size=16m,nosuid,nodev pgolf-root "$R"`,
    'while [ "$1" != "--" ]; do',
    '  case "$1" in',
    `    B) if [ -d "$3" ]; then mkdir -p "$R$4"; else mkdir -p "$(dirname "$R$4")"; [ -e "$R$4" ] || : > "$R$4"; fi; ${mount} --bind -o "$2" "$3" "$R$4"; shift 4;;`,
    `    T) mkdir -p "$R$3"; ${mount} -t tmpfs -o "$2" pgolf-tmp "$R$3"; shift 3;;`,
    '    S) mkdir -p "$(dirname "$R$3")"; ln -s "$2" "$R$3"; shift 3;;',
    // a bind remount changes the mount's flags only: a plain remount would pass tmpfs's uid= back,
    // which fails where the sandbox's user is not root outside (a worker's nobody)
    `    R) ${mount} -o remount,bind,ro,nosuid,nodev,noexec "$R$2"; shift 2;;`,
    '    *) echo "pgolf-sandbox: unknown operation $1" >&2; exit 97;;',
    "  esac",
    "done",
    "shift",
    'CWD=$1; shift',
    'mkdir -p "$R/proc" "$R/dev"',
    `${mount} -t proc -o nosuid,nodev,noexec proc "$R/proc"`,
    `${mount} -t tmpfs -o mode=0755,size=64k,nosuid,noexec pgolf-dev "$R/dev"`,
    `for d in ${DEVICES.join(" ")}; do : > "$R/dev/$d"; ${mount} --bind "/dev/$d" "$R/dev/$d"; done`,
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
    `mkdir "$R/dev/shm"; ${mount} -t tmpfs -o mode=1777,size=${SHM_SIZE},nosuid,nodev,noexec pgolf-shm "$R/dev/shm"`,
    `cd "$R"; mkdir .pgolf-old; ${JSON.stringify(t.pivotRoot)} . .pgolf-old; ${mount} --make-rprivate /.pgolf-old; umount -l /.pgolf-old; rmdir /.pgolf-old`,
    `${mount} -o remount,bind,ro,nosuid,nodev /`,
    // no user namespaces below this one (defence in depth: nothing is left to unmask, but an entry has no use for them)
    "echo 1 > /proc/sys/user/max_user_namespaces 2>/dev/null || true",
    'cd "$CWD"',
    `exec ${JSON.stringify(t.setpriv)} --no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- "$@"`,
  ].join("\n");
}

const UNSHARE_FLAGS = ["--user", "--map-root-user", "--mount", "--net", "--pid", "--ipc", "--uts", "--cgroup", "--fork", "--kill-child"];

export interface Mount {
  /** Host path (a file or a folder; its real path is bound). */
  from: string;
  /** Absolute path inside the sandbox. */
  to: string;
  /** Writable (a writable bind is always noexec). */
  write?: boolean;
  /** Code may be mapped executable from it: only the runtime and the allow-listed packages. */
  exec?: boolean;
}

function flags(m: Mount): string {
  return m.write ? "nosuid,nodev,noexec" : m.exec ? "ro,nosuid,nodev" : "ro,nosuid,nodev,noexec";
}

function tools(): { unshare: string; mount: string; setpriv: string; pivotRoot: string } | null {
  const [unshare, mount, setpriv, pivotRoot] = [tool("unshare"), tool("mount"), tool("setpriv"), tool("pivot_root")];
  return unshare && mount && setpriv && pivotRoot ? { unshare, mount, setpriv, pivotRoot } : null;
}

/** The runtime's mounts and links: system folders, /etc entries, the Node binary if it lives elsewhere. */
function runtimeOps(hide: string[]): { ops: string[]; roots: string[] } {
  const ops: string[] = [];
  const roots: string[] = [];
  for (const r of SYSTEM_ROOTS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(r);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) ops.push("S", fs.readlinkSync(r), r);
    else if (st.isDirectory()) {
      ops.push("B", "ro,nosuid,nodev", r, r);
      roots.push(r);
    }
  }
  for (const e of ETC_ENTRIES) {
    const p = path.join("/etc", e);
    if (fs.existsSync(p)) ops.push("B", "ro,nosuid,nodev,noexec", fs.realpathSync(p), p);
  }
  // a Node outside the system folders (nvm, a tarball): its install prefix, without its global modules
  const node = fs.realpathSync(process.execPath);
  if (!roots.some((r) => inside(node, r))) {
    const prefix = path.dirname(path.dirname(node));
    ops.push("B", "ro,nosuid,nodev", prefix, prefix);
    roots.push(prefix);
    hide.push(path.join(prefix, "lib", "node_modules"));
  }
  return { ops, roots };
}

let probed: SandboxSupport | undefined;

/**
 * Whether this machine can run the sandbox (probed once per process, ~100 ms): a real sandbox is
 * started on a scratch folder and its effect checked from inside (a bind reads through and is
 * read-only, the rest of the disk is gone, the root is read-only, no capability is left).
 */
export function sandboxSupport(): SandboxSupport {
  if (probed) return probed;
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`the sandbox needs Linux user, mount, network and PID namespaces (this is ${process.platform})`);
  else {
    for (const t of ["unshare", "mount", "setpriv", "pivot_root"]) if (!tool(t)) problems.push(`${t} is missing (install util-linux)`);
    if (!fs.existsSync("/bin/sh")) problems.push("/bin/sh is missing");
  }
  if (problems.length === 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-sandbox-probe-"));
    try {
      const src = path.join(dir, "given");
      fs.writeFileSync(src, "probe");
      const secret = path.join(dir, "secret");
      fs.writeFileSync(secret, "x");
      const sb = new Sandbox("the sandbox probe", { confinement: "namespaces", warning: null });
      const given = sb.bind(src, "/input/given");
      const check = [
        `test "$(cat ${given})" = probe`,
        `! test -e ${JSON.stringify(secret)}`,
        `! (echo x >> ${given}) 2>/dev/null`,
        "! (echo x > /new-file) 2>/dev/null",
        "echo x > /tmp/scratch",
        "grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status",
      ].join(" && ");
      const argv = sb.argv(["/bin/sh", "-c", check], "/");
      const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 15_000, env: { PATH: SANDBOX_PATH } });
      sb.cleanup();
      if (r.error) problems.push(`the sandbox probe could not run: ${r.error.message}`);
      else if (r.status !== 0) {
        const why = r.stderr.trim().split("\n").slice(-2).join(" | ");
        problems.push(
          `the sandbox probe failed (${r.signal ? `signal ${r.signal}` : `exit code ${r.status}`})${why ? `: ${why}` : ": a bind, the read-only root or the capability drop did not hold"}; unprivileged user namespaces may be disabled (enable them: sysctl -w kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0)`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  probed = { ok: problems.length === 0, problems };
  return probed;
}

/**
 * Pure: use the sandbox when the machine can; otherwise refuse (`strict`, ENTRY_CONFINEMENT) or run
 * without it, with a warning. `what` names the process for messages ("the training of entries/x").
 */
export function planConfinement(what: string, strict: boolean, support: SandboxSupport = sandboxSupport()): ConfinementPlan {
  if (support.ok) return { confinement: "namespaces", warning: null };
  if (strict) {
    throw new PgolfError("ENTRY_CONFINEMENT", `${what} cannot be sandboxed on this machine: ${support.problems.join("; ")}`, {
      fix: "score entries on Linux with unprivileged user namespaces enabled and util-linux installed (unshare, mount, setpriv, pivot_root)",
    });
  }
  return {
    confinement: "none",
    warning: `${what} ran without the sandbox (${support.problems.join("; ")}): it could read files of this machine and use the network. The result says confinement: none, and pgolf submit refuses it`,
  };
}

/**
 * One sandboxed process in the making: bind what it may read (and, rarely, write), then spawn it.
 * Paths given to the process (argv, environment, protocol messages) are the ones `bind` returns: inside
 * paths in the namespace sandbox, the real paths when it runs unconfined.
 */
export class Sandbox {
  private readonly mounts: Mount[] = [];
  private readonly hidden: string[] = [];
  private readonly scratch: string[] = [];
  private rootDir: string | undefined;

  constructor(
    readonly what: string,
    readonly plan: ConfinementPlan,
  ) {}

  get confined(): boolean {
    return this.plan.confinement === "namespaces";
  }

  /** Makes `from` visible at `to` (read-only unless `write`); returns the path the process uses for it. */
  bind(from: string, to: string, o: { write?: boolean; exec?: boolean } = {}): string {
    if (!path.isAbsolute(to)) throw new PgolfError("USAGE", `sandbox path ${to} is not absolute`, { fix: "report this as a pgolf bug" });
    const real = fs.realpathSync(from);
    this.mounts.push({ from: real, to, write: o.write, exec: o.exec });
    return this.confined ? to : real;
  }

  /** Binds a host path at the same path (the library and its packages, which Node resolves by location). */
  bindSame(p: string, o: { exec?: boolean } = {}): string {
    const real = fs.realpathSync(p);
    return this.bind(real, real, o);
  }

  /** Hides a host folder if the runtime would show it (a course or the install under /usr). */
  hide(p: string): void {
    this.hidden.push(realish(p));
  }

  /** HOME and TMPDIR for the process: private tmpfs inside; fresh empty folders (removed by cleanup) when unconfined. */
  scratchEnv(): { HOME: string; TMPDIR: string } {
    if (this.confined) return { HOME: INSIDE.home, TMPDIR: INSIDE.tmp };
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-home-"));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-tmp-"));
    this.scratch.push(home, tmp);
    return { HOME: home, TMPDIR: tmp };
  }

  /** The argv that starts `command` in the sandbox (namespaces only). */
  argv(command: string[], cwd: string): string[] {
    const t = tools();
    if (!t) throw new PgolfError("ENTRY_CONFINEMENT", "unshare, mount, setpriv or pivot_root is missing", { fix: "install util-linux" });
    this.rootDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-root-"));
    const hide = [...this.hidden, ...GLOBAL_MODULES];
    const runtime = runtimeOps(hide);
    const ops = [...runtime.ops];
    // hidden folders the runtime would show: an empty tmpfs over each, read-only once binds inside are made
    const masks = [...new Set(hide)].filter((h) => runtime.roots.some((r) => inside(h, r)) && fs.existsSync(h));
    for (const m of masks) ops.push("T", "mode=0755,size=64k,nosuid,nodev,noexec", m);
    const binds = [...this.mounts].sort((a, b) => a.to.split("/").length - b.to.split("/").length);
    for (const m of binds) ops.push("B", flags(m), m.from, m.to);
    for (const m of masks) ops.push("R", m);
    ops.push("T", `mode=1777,size=${TMP_SIZE},nosuid,nodev,noexec`, INSIDE.tmp);
    ops.push("T", `mode=0777,size=${HOME_SIZE},nosuid,nodev,noexec`, INSIDE.home);
    return [t.setpriv, "--pdeathsig", "KILL", "--", t.unshare, ...UNSHARE_FLAGS, "/bin/sh", "-c", setupScript(t), "pgolf-sandbox", this.rootDir, ...ops, "--", cwd, ...command];
  }

  /**
   * Starts the process: in the sandbox, or (plan "none") directly, with the environment given whole
   * (nothing is inherited). `command[0]` is a path the process sees or a program on SANDBOX_PATH.
   */
  spawn(command: string[], o: { cwd: string; env: Record<string, string>; stdio: StdioOptions }): ChildProcess {
    if (!this.confined) return spawn(command[0], command.slice(1), { cwd: o.cwd, env: { ...o.env, ORT_DISABLE_TELEMETRY: "1" }, stdio: o.stdio });
    const argv = this.argv(command, o.cwd);
    // onnxruntime would try to upload telemetry (there is no network in here, and nothing to tell)
    const child = spawn(argv[0], argv.slice(1), { env: { ...o.env, PATH: o.env.PATH ?? SANDBOX_PATH, ORT_DISABLE_TELEMETRY: "1" }, stdio: o.stdio });
    child.once("exit", () => this.cleanup());
    return child;
  }

  /** Removes the host-side leftovers (the empty mountpoint of the root, scratch folders of an unconfined run). */
  cleanup(): void {
    if (this.rootDir) fs.rmSync(this.rootDir, { recursive: true, force: true });
    this.rootDir = undefined;
    for (const d of this.scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Checks the program of a command before anything starts (a clear error beats exit code 127 from
 * inside): a path is looked up in the entry, a name on the PATH the process will have.
 */
export function checkProgram(program: string, o: { entryDir: string; confined: boolean; what: string; file: string }): void {
  if (o.confined && program.includes("/")) {
    throw new PgolfError("CONFIG_INVALID", `${o.what} starts "${program}", a file of the entry: the sandbox mounts the entry noexec (an entry may not ship native code or executables)`, {
      file: o.file,
      fix: `run it through an interpreter of the runtime, e.g. ["python3", "${program.replace(/^\.\//, "")}"] or ["sh", "${program.replace(/^\.\//, "")}"]`,
    });
  }
  const searchPath = o.confined ? SANDBOX_PATH : (process.env.PATH ?? "");
  const names = process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")].map((x) => program + x.toLowerCase()) : [program];
  const found = program.includes("/")
    ? fs.existsSync(path.resolve(o.entryDir, program.replace(/^\/entry\//, "")))
    : searchPath.split(path.delimiter).some((d) => d && names.some((n) => fs.existsSync(path.join(d, n))));
  if (!found) {
    throw new PgolfError("CONFIG_INVALID", `${o.what} starts "${program}", which ${program.includes("/") ? "does not exist in the entry" : `is not on the sandbox's PATH (${searchPath})`}`, {
      file: o.file,
      fix: program.includes("/") ? "name a file of the entry (relative to its folder)" : `install ${program} system-wide (for Python: apt-get install python3); interpreters in a home folder (pyenv, nvm) are not visible in the sandbox`,
    });
  }
}
