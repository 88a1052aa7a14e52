"""The model side of the bigram trained by train.py, scored through pgolf's process protocol.

Artifact: b"PYBC" | u32 vocab | f32 alpha | zlib(u32 counts[vocab * vocab]), row = previous token;
p(b | a) = (count[a, b] + alpha) / (row_total[a] + alpha * vocab). The protocol module is
templates/python/pgolf_protocol.py, copied in beside this file (an entry ships it as code).
"""
import json
import math
import sys
import zlib
from array import array

from modes import misbehave
from pgolf_protocol import Model, serve


class Bigram(Model):
    def load(self, artifact, hello):
        with open("config.json") as f:
            cfg = json.load(f)
        cfg.update(hello.get("config") or {})
        misbehave(cfg, "eval")
        if artifact[:4] != b"PYBC":
            raise ValueError("not a PYBC artifact")
        vocab = int.from_bytes(artifact[4:8], "little")
        alpha = array("f", artifact[8:12])[0]
        counts = array("I", zlib.decompress(artifact[12:]))
        if sys.byteorder != "little":
            counts.byteswap()
        # one ready-made float32 row of log-probabilities per previous token: an answer is a join of rows
        self.rows = []
        for a in range(vocab):
            row = counts[a * vocab : (a + 1) * vocab]
            z = math.log(sum(row) + alpha * vocab)
            self.rows.append(array("f", [math.log(c + alpha) - z for c in row]).tobytes())

    def score(self, tokens, history):
        prev = [history[-1]] + list(tokens[:-1])
        return b"".join(self.rows[p] for p in prev)


if __name__ == "__main__":
    serve(Bigram())
