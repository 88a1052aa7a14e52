// Where each key and array element of a JSON text sits: a JSON-pointer-like path ("/seeds/0",
// "/seed_results/42/val_bpb") -> the 1-based line it starts on. Evidence for a claim points at this
// line. The text must already be known to parse; on anything unexpected the scan just stops.

export function jsonKeyLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  interface Frame {
    type: "obj" | "arr";
    path: string;
    index: number;
    key: string;
    expectKey: boolean;
  }
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;

  const beginValue = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    if (top.type === "obj") return `${top.path}/${top.key}`;
    const p = `${top.path}/${top.index}`;
    if (!out.has(p)) out.set(p, line);
    return p;
  };

  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === '"') {
      const startLine = line;
      let j = i + 1;
      let s = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\") {
          s += text.slice(j, j + 2);
          j += 2;
        } else {
          if (text[j] === "\n") line++;
          s += text[j];
          j++;
        }
      }
      i = j + 1;
      const top = stack[stack.length - 1];
      if (top && top.type === "obj" && top.expectKey) {
        let key = s;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          // keep the raw spelling
        }
        top.key = key;
        top.expectKey = false;
        const p = `${top.path}/${key}`;
        if (!out.has(p)) out.set(p, startLine);
      } else beginValue();
    } else if (c === "{" || c === "[") {
      const p = beginValue();
      stack.push({ type: c === "{" ? "obj" : "arr", path: p, index: 0, key: "", expectKey: c === "{" });
      i++;
    } else if (c === "}" || c === "]") {
      stack.pop();
      i++;
    } else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top?.type === "obj") top.expectKey = true;
      else if (top) top.index++;
      i++;
    } else if (/[-0-9tfn]/.test(c)) {
      beginValue();
      while (i < text.length && /[-+0-9.eEa-z]/.test(text[i])) i++;
    } else i++;
  }
  return out;
}
