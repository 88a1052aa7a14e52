import { compareRuns, type CompareResult, type DocumentDelta } from "../../submission/compare.js";
import { defineCommand, int, probability } from "../command.js";

const f4 = (v: number) => v.toFixed(4);
const signed = (v: number, d = 4) => `${v >= 0 ? "+" : ""}${v.toFixed(d)}`;
const pv = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const doc = (d: DocumentDelta) => `  document ${d.index} (target ${d.first_target}, ${d.bytes.toLocaleString("en-US")} bytes): ${f4(d.bpb_a)} -> ${f4(d.bpb_b)} bpb, ${signed(d.delta_bits, 1)} bits`;

// Two scored runs or records compared document by document (submission/compare.ts): the difference in
// val_bpb with a bootstrap interval, a paired test on per-document bpb, and where the bits went.
export default defineCommand<CompareResult>({
  name: "compare",
  summary: "Compare two scored runs or records document by document: Δval_bpb (B - A) with a bootstrap interval, a paired t test on per-document bpb, and where the bits went (documents, token classes).",
  usage: "A B [--resamples 2000] [--top 5] [--seed 1] [--alpha 0.01]   (A, B: runs/<entry>, a seed folder, a record folder or an atlas.json)",
  options: { resamples: { type: "string" }, top: { type: "string" }, seed: { type: "string" }, alpha: { type: "string" } },
  positionals: [2, 2],
  async run(v, [a, b]) {
    return compareRuns(a, b, { resamples: int(v, "resamples"), top: int(v, "top"), seed: int(v, "seed"), alpha: probability(v, "alpha") });
  },
  human: (r) =>
    [
      `A ${r.a.path}: val_bpb ${f4(r.a.val_bpb)} (${r.a.seeds.length} seed${r.a.seeds.length === 1 ? "" : "s"})`,
      `B ${r.b.path}: val_bpb ${f4(r.b.val_bpb)} (${r.b.seeds.length} seed${r.b.seeds.length === 1 ? "" : "s"})`,
      `B - A: ${signed(r.delta_bpb)} bpb over ${r.documents.toLocaleString("en-US")} documents (${r.bytes.toLocaleString("en-US")} bytes), ${Math.round(r.bootstrap.confidence * 100)}% bootstrap interval [${signed(r.bootstrap.low)}, ${signed(r.bootstrap.high)}]`,
      `paired t test on per-document bpb: mean ${signed(r.paired.mean_delta_bpb)}, t ${r.paired.t.toFixed(2)}, df ${r.paired.df}, p ${pv(r.paired.p)}; B better on ${r.paired.b_better_documents} of ${r.paired.documents} documents`,
      ...(r.seeds ? [`seed-level Welch test: t ${r.seeds.t.toFixed(2)}, df ${r.seeds.df.toFixed(1)}, p ${pv(r.seeds.p)}`] : []),
      ...(r.by_seed_count
        ? [
            `paired test by seeds a side (every subset of seed positions; alpha ${r.by_seed_count.alpha}): ${r.by_seed_count.tests.map((t) => `${t.seeds}: p ${pv(t.best_p)}..${pv(t.worst_p)}${t.all_significant ? " all significant" : ""}`).join("; ")}`,
            `seeds the paired test needs: ${r.by_seed_count.seeds_needed ?? `more than ${r.by_seed_count.tests.length}`}`,
          ]
        : []),
      "where the bits went, by token class (bits B - A; bpb A -> B):",
      ...Object.entries(r.where.classes).map(([c, x]) => `  ${c.padEnd(12)} ${signed(x.delta_bits, 1).padStart(12)} bits  ${f4(x.bpb_a)} -> ${f4(x.bpb_b)}  (${x.targets.toLocaleString("en-US")} targets, ${x.bytes.toLocaleString("en-US")} bytes)`),
      ...(r.where.gained.length ? ["documents B gained most on:", ...r.where.gained.map(doc)] : []),
      ...(r.where.lost.length ? ["documents B lost most on:", ...r.where.lost.map(doc)] : []),
    ].join("\n"),
});
