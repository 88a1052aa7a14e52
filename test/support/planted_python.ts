// Python modules for planted-plagiarism tests: random but valid code whose syntax trees differ
// from module to module (statement kinds, nesting and arity are drawn from a seeded PRNG), so
// fingerprints of one module do not occur in another by chance. The same seed with another
// naming function gives the same program with every name changed.
import { mulberry32 } from "../../src/core/random.js";

export type Namer = (kind: "fn" | "var" | "arg", i: number) => string;
export const plainNames: Namer = (kind, i) => `${kind}_${i}`;
export const renamed: Namer = (kind, i) => `${kind === "fn" ? "do" : kind === "var" ? "tmp" : "p"}${(i * 7919) % 10007}x`;

export interface ModuleOptions {
  seed: number;
  functions: number;
  names?: Namer;
  comments?: boolean;
  /** Blank lines between statements (a reformatting that changes no syntax). */
  spread?: boolean;
}

/** A module of `functions` functions, each 6-14 statements. */
export function pythonModule(o: ModuleOptions): string {
  const r = mulberry32(o.seed);
  const pick = (n: number): number => Math.floor(r() * n);
  const names = o.names ?? plainNames;
  let v = 0;
  const out: string[] = [];
  const fnBase = o.seed * 1000;
  for (let f = 0; f < o.functions; f++) {
    const nargs = 1 + pick(3);
    const args = Array.from({ length: nargs }, (_, i) => names("arg", i));
    if (o.comments) out.push(`# ${names("fn", fnBase + f)}: helper number ${f}`);
    out.push(`def ${names("fn", fnBase + f)}(${args.join(", ")}):`);
    const vars = [...args];
    // a random expression tree: its node types (call, subscript, comparison...) are what the stream sees
    const expr = (depth: number): string => {
      const leaf = (): string => (pick(3) ? vars[pick(vars.length)] : String(pick(100)));
      if (depth >= 3 || pick(4) === 0) return leaf();
      switch (pick(10)) {
        case 0: return `${expr(depth + 1)} + ${expr(depth + 1)}`;
        case 1: return `${vars[pick(vars.length)]}(${expr(depth + 1)})`;
        case 2: return `${vars[pick(vars.length)]}.${names("var", pick(50))}`;
        case 3: return `${vars[pick(vars.length)]}[${expr(depth + 1)}]`;
        case 4: return `(${expr(depth + 1)}, ${expr(depth + 1)})`;
        case 5: return `[${expr(depth + 1)}]`;
        case 6: return `${expr(depth + 1)} if ${expr(depth + 1)} else ${expr(depth + 1)}`;
        case 7: return `not ${expr(depth + 1)}`;
        case 8: return `${expr(depth + 1)} < ${expr(depth + 1)}`;
        default: return `{${expr(depth + 1)}: ${expr(depth + 1)}}`;
      }
    };
    const stmt = (indent: string, depth: number): void => {
      const a = vars[pick(vars.length)];
      const k = pick(depth < 2 ? 9 : 5);
      const nv = names("var", v++);
      switch (k) {
        case 0: case 1: out.push(`${indent}${nv} = ${expr(0)}`); vars.push(nv); break;
        case 2: out.push(`${indent}${a} += ${expr(1)}`); break;
        case 3: out.push(`${indent}${expr(1)}`); break;
        case 4: out.push(`${indent}assert ${expr(1)}`); break;
        case 5: out.push(`${indent}if ${expr(1)}:`); stmt(indent + "    ", depth + 1); out.push(`${indent}else:`); stmt(indent + "    ", depth + 1); break;
        case 6: out.push(`${indent}for ${nv} in ${expr(1)}:`); vars.push(nv); stmt(indent + "    ", depth + 1); break;
        case 7: out.push(`${indent}while ${expr(1)}:`); stmt(indent + "    ", depth + 1); out.push(`${indent}    break`); break;
        default: out.push(`${indent}try:`); stmt(indent + "    ", depth + 1); out.push(`${indent}except ValueError:`); stmt(indent + "    ", depth + 1); break;
      }
      if (o.spread) out.push("");
    };
    const n = 6 + pick(9);
    for (let s = 0; s < n; s++) stmt("    ", 0);
    out.push(`    return ${vars[pick(vars.length)]}`, "", "");
  }
  return out.join("\n");
}

const B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

/** Python's base64.b85encode. */
export function b85encode(bytes: Uint8Array): string {
  let out = "";
  const pad = (4 - (bytes.length % 4)) % 4;
  const b = new Uint8Array(bytes.length + pad);
  b.set(bytes);
  for (let i = 0; i < b.length; i += 4) {
    let acc = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(B85[acc % 85]);
      acc = Math.floor(acc / 85);
    }
    out += chunk.join("");
  }
  return out.slice(0, out.length - pad);
}
