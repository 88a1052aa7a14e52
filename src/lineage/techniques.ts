// The technique genome: the contest's techniques as tags. A submission declares a tag when its
// README.md or submission.json names it; the tag is located in its code when a line matches the
// tag's code pattern. A tag's introducer is the earliest submission that both declares it and
// has it located in code; its carriers are the submissions whose code has it.
// The vocabulary is the frontier's, read from the contest's records (see issue 16's list).

export interface TechniqueDef {
  tag: string;
  /** Names the technique in prose. */
  prose: RegExp;
  /** Finds it in code (identifiers and settings). */
  code: RegExp;
}

/** An identifier holding `key` as a word of its snake_case or camelCase parts (so int6 is not int64). */
function ident(key: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9])(?:[A-Za-z0-9]*_)?(?:${key})(?![a-z0-9])`, "i");
}

export const TECHNIQUES: TechniqueDef[] = [
  { tag: "sliding-window-eval", prose: /sliding[- ]?window/i, code: ident("eval_stride|sliding_window|window_stride") },
  { tag: "int6-qat", prose: /\bint6\b|6-bit quant|\bQAT\b/i, code: ident("int6|qat") },
  { tag: "int5", prose: /\bint5\b|5-bit quant/i, code: ident("int5") },
  { tag: "gptq", prose: /\bGPTQ\b/i, code: ident("gptq") },
  { tag: "ema", prose: /\bEMA\b|exponential moving average/, code: ident("ema") },
  { tag: "swa", prose: /\bSWA\b|stochastic weight averag/i, code: ident("swa") },
  { tag: "depth-recurrence", prose: /depth recurren|recurren\w* (layers|depth|blocks)|looped layers|layer loop/i, code: ident("num_loops|n_loops|loop_layers|recurren[a-z]*") },
  { tag: "parallel-residual", prose: /parallel[- ]residual/i, code: ident("parallel_resid[a-z]*") },
  { tag: "smeargate", prose: /smear[- ]?gate/i, code: ident("smear[a-z]*") },
  { tag: "bigramhash", prose: /bigram[- ]?hash/i, code: ident("bigram[a-z]*") },
  { tag: "partial-rope", prose: /partial[- ]?(rope|rotary)/i, code: ident("rope_dims?|partial_rope|rotary_dim") },
  { tag: "xsa", prose: /\bXSA\b/, code: ident("xsa") },
  { tag: "muon-weight-decay", prose: /muon[^.\n]{0,40}weight[- ]decay|muon[- ]wd/i, code: ident("muon_wd|muon_weight_decay") },
  { tag: "test-time-training", prose: /test[- ]time training|\bTTT\b/, code: ident("ttt") },
  { tag: "lora", prose: /\bLoRA\b/i, code: ident("lora") },
  { tag: "value-embeddings", prose: /value[- ]embed/i, code: ident("value_embeds?|value_embedding|ve") },
  { tag: "large-vocab", prose: /\bsp[_ -]?(4096|8192)\b|(4096|8192)[- ]?(token )?vocab/i, code: /(?<![A-Za-z0-9])(sp4096|sp8192)(?![0-9])|vocab_size\W{1,6}(4096|8192)\b/i },
];

export interface LocatedTechnique {
  tag: string;
  file: string;
  line: number;
  text: string;
}

/** The tags `prose` (README and submission.json text) declares. */
export function declaredTechniques(prose: string): string[] {
  return TECHNIQUES.filter((t) => t.prose.test(prose)).map((t) => t.tag);
}

/** The first line of `text` matching each tag's code pattern. */
export function locateTechniques(file: string, text: string, into: Map<string, LocatedTechnique>): void {
  const lines = text.split("\n");
  for (const t of TECHNIQUES) {
    if (into.has(t.tag)) continue;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (/^\s*#/.test(l) || !t.code.test(l)) continue;
      into.set(t.tag, { tag: t.tag, file, line: i + 1, text: l.trim().slice(0, 200) });
      break;
    }
  }
}
