// Text for tokenizer training. SentencePiece's trainer skips any "sentence" longer than
// max_sentence_length (4192 bytes), and the official builder hands it whole documents, so FineWeb's
// long documents never reach it. Long-form corpora (a State of the Union address is 30 KB on one
// line) would give it nothing; so documents are cut at sentence ends into pieces that fit, packed
// greedily, which keeps every byte of the text in training.

/** Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, cutting after [.!?] + space where possible. */
export function trainingPieces(text: string, maxBytes = 4192): string[] {
  const t = text.trim();
  if (t === "") return [];
  if (Buffer.byteLength(t, "utf8") <= maxBytes) return [t];
  // Sentences: cut after sentence punctuation (and closing quotes/brackets) followed by whitespace,
  // or at newlines.
  const sentences = t.split(/(?<=[.!?]["')\]\u201d\u2019]*)\s+|\n+/u).filter((s) => s.length > 0);
  const out: string[] = [];
  let cur = "";
  let curBytes = 0;
  const flush = () => {
    if (cur) out.push(cur);
    cur = "";
    curBytes = 0;
  };
  const add = (s: string) => {
    const b = Buffer.byteLength(s, "utf8");
    if (curBytes > 0 && curBytes + 1 + b > maxBytes) flush();
    cur = curBytes > 0 ? `${cur} ${s}` : s;
    curBytes += (curBytes > 0 ? 1 : 0) + b;
  };
  for (const s of sentences) {
    if (Buffer.byteLength(s, "utf8") <= maxBytes) {
      add(s);
      continue;
    }
    // An overlong sentence: cut at spaces, and a spaceless run at character boundaries.
    for (const word of s.split(/\s+/u)) {
      if (Buffer.byteLength(word, "utf8") <= maxBytes) {
        add(word);
        continue;
      }
      let piece = "";
      for (const ch of word) {
        if (Buffer.byteLength(piece + ch, "utf8") > maxBytes) {
          add(piece);
          piece = "";
        }
        piece += ch;
      }
      if (piece) add(piece);
    }
  }
  flush();
  return out;
}
