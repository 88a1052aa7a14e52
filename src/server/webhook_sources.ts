// Where GitHub's webhook deliveries may come from: the `hooks` address ranges GitHub publishes at
// GET /meta (GitHub recommends checking them), or ranges the operator gives
// (PGOLF_GITHUB_HOOK_SOURCES="CIDR,CIDR"). A delivery from anywhere else is refused (403) before its
// body is read. The per-address forger limit (rate_limit.ts) cannot stop a flood of forgeries from
// rotating addresses; this does, at the cost of one lookup per request. (A blind attack: forged
// deliveries from many addresses held /healthz at 170 ms p50.)
//
// Until the ranges are known (GitHub unreachable at start) every address is taken, as before, and
// the lookup is retried each minute: refusing GitHub's own deliveries would lose pull requests,
// which GitHub does not send again by itself. The ranges are refreshed every 6 hours.
import { BlockList, isIP } from "node:net";
import { PgolfError } from "../core/error.js";

/** Parses "a.b.c.d/n" or "x:y::/n" (a bare address is a /32 or /128) into a block list. */
export function sourceList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const [addr, bits] = raw.trim().split("/");
    const family = isIP(addr);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new PgolfError("CONFIG_INVALID", `${JSON.stringify(raw)} is not an address range`, { fix: 'give ranges as CIDR, e.g. "192.30.252.0/22,2620:112:3000::/44"' });
    }
    list.addSubnet(addr, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Whether a connection's address is in the list (IPv4 mapped into IPv6 is checked as IPv4). */
export function inList(list: BlockList, remote: string | undefined): boolean {
  if (!remote) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  const addr = mapped ? mapped[1] : remote.split("%")[0];
  const family = isIP(addr);
  return family !== 0 && list.check(addr, family === 6 ? "ipv6" : "ipv4");
}

export class WebhookSources {
  private list: BlockList | null = null;
  /** The ranges in force (for the log and tests), null while unknown. */
  ranges: string[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;

  /**
   * `fixed`: the operator's ranges, never looked up. Else `lookup` gives them (GitHub's /meta hooks),
   * from start().
   */
  constructor(private readonly o: { fixed?: string[]; lookup?: () => Promise<string[]>; log?: (line: string) => void }) {
    this.log = o.log ?? ((l) => process.stderr.write(l + "\n"));
    if (o.fixed) this.set(o.fixed);
  }

  private set(ranges: string[]): void {
    this.list = sourceList(ranges);
    this.ranges = [...ranges];
  }

  /** Looks the ranges up now, then every 6 hours (each minute while it fails); nothing with fixed ranges. */
  async start(): Promise<void> {
    if (this.o.fixed || !this.o.lookup) return;
    let ok = false;
    try {
      const ranges = await this.o.lookup();
      if (ranges.length === 0) throw new Error("GitHub listed no hook ranges");
      this.set(ranges);
      ok = true;
    } catch (e) {
      this.log(`pgolf serve: GitHub's webhook address ranges (GET /meta) could not be read: ${(e as Error).message}; ${this.list ? "the last ones read stay in force" : "deliveries are taken from any address until they are"} (retried each minute)`);
    }
    this.timer = setTimeout(() => void this.start(), ok ? 6 * 3600_000 : 60_000);
    this.timer.unref();
  }

  /** Whether a delivery from this address may be read (true while the ranges are unknown). */
  allows(remote: string | undefined): boolean {
    return this.list === null || inList(this.list, remote);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
