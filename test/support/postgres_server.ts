// A throwaway PostgreSQL server for tests: initdb into a temp folder, pg_ctl start on 127.0.0.1 and
// a free port (no Unix socket, fsync off), trust auth for the superuser "pgolf". Postgres refuses to
// run as root, so as root the binaries run as the `postgres` user (runuser) on a folder it owns.
// Uses Debian's /usr/lib/postgresql/<version>/bin (package `postgresql`) or initdb on PATH; when
// there is none, postgresSkipReason() says so and tests skip.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import pg from "pg";

export interface PostgresServer {
  /** URL of the server's "postgres" database. */
  url: string;
  port: number;
  /** A new, empty database on this server; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once (pg_ctl stop -m immediate): every connection drops, as in a crash. */
  crash(): Promise<void>;
  /** Starts it again after crash(), on the same port and data; resolves when it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Folder holding initdb and pg_ctl, or undefined. PGOLF_TEST_PG_BIN overrides. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PGOLF_TEST_PG_BIN) candidates.push(process.env.PGOLF_TEST_PG_BIN);
  try {
    const versions = fs.readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not Debian's layout
  }
  candidates.push(...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean));
  return candidates.find((d) => fs.existsSync(path.join(d, "initdb")) && fs.existsSync(path.join(d, "pg_ctl")));
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function postgresUser(): { uid: number; gid: number } | undefined {
  const r = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Why Postgres tests cannot run here, or false when they can. */
export function postgresSkipReason(): string | false {
  if (!findPostgresBin()) return "no PostgreSQL binaries (initdb, pg_ctl): install Debian's `postgresql` package (.ci/run does) to run these tests";
  if (isRoot && !postgresUser()) return "running as root and there is no `postgres` user to run PostgreSQL as";
  if (isRoot && spawnSync("runuser", ["--help"]).error) return "running as root and `runuser` is missing";
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `durable`: commits survive a crash of the server (synchronous_commit on, as in production); by
 * default the last ones may be lost, which is faster and harmless when the server is never crashed.
 */
export async function startPostgresServer(o: { durable?: boolean } = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresSkipReason() || "no PostgreSQL binaries");
  const owner = isRoot ? postgresUser() : undefined;
  if (isRoot && !owner) throw new Error("running as root without a postgres user");
  const run = (tool: string, args: string[]): string => {
    const cmd = path.join(bin, tool);
    const [file, argv] = owner ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    try {
      return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${tool} failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
  };
  // the same, without blocking this process (a server under test keeps running meanwhile)
  const runAsync = (tool: string, args: string[]): Promise<void> => {
    const cmd = path.join(bin, tool);
    const [file, argv] = owner ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    return new Promise((resolve, reject) =>
      execFile(file, argv, { encoding: "utf8" }, (e, stdout, stderr) => (e ? reject(new Error(`${tool} failed: ${e.message}\n${stdout}${stderr}`)) : resolve())),
    );
  };

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-pg-"));
  const dataDir = path.join(root, "data");
  const logFile = path.join(root, "server.log");
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (owner) {
    fs.chownSync(root, owner.uid, owner.gid);
    fs.chownSync(dataDir, owner.uid, owner.gid);
  }
  run("initdb", ["-D", dataDir, "-U", "pgolf", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);

  let port = 0;
  let started = false;
  const options = () => `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c fsync=off -c synchronous_commit=${o.durable ? "on" : "off"} -c full_page_writes=off -c max_connections=50`;
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    port = await freePort();
    const opts = options();
    try {
      run("pg_ctl", ["start", "-D", dataDir, "-l", logFile, "-w", "-t", "30", "-o", opts]);
      started = true;
    } catch (e) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
      if (!/could not bind|Address already in use/i.test(log) || attempt === 4) {
        fs.rmSync(root, { recursive: true, force: true });
        throw new Error(`${(e as Error).message}\n${log}`);
      }
    }
  }

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      run("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
    } catch {
      // already gone
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  // A test process that ends without stop() must not leave a server running.
  process.on("exit", stopSync);

  const url = `postgres://pgolf@127.0.0.1:${port}/postgres`;
  let n = 0;
  return {
    url,
    port,
    async createDatabase(name?: string) {
      const db = name ?? `t${process.pid}_${++n}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`not a plain database name: ${db}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return `postgres://pgolf@127.0.0.1:${port}/${db}`;
    },
    async crash() {
      await runAsync("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
    },
    async restart() {
      await runAsync("pg_ctl", ["start", "-D", dataDir, "-l", logFile, "-w", "-t", "30", "-o", options()]);
    },
    async stop() {
      process.off("exit", stopSync);
      stopSync();
    },
  };
}
