"""A bigram model in plain Python, scored through pgolf's process protocol.

Artifact: b"PYBG" | u32 vocab | float32[vocab * vocab] natural-log probabilities, row = previous token.
config.json "mode" selects deliberate misbehaviour for the evaluator's tests: "crash" (exits after the
first chunk), "stall" (stops answering), or "honest" (default). The protocol module is
templates/python/pgolf_protocol.py, copied in beside this file (an entry ships it as code).
"""
import json
import os
import struct
import sys
import time

from pgolf_protocol import Model, serve


class Bigram(Model):
    def load(self, artifact, hello):
        if artifact[:4] != b"PYBG":
            raise ValueError("not a PYBG artifact")
        (self.vocab,) = struct.unpack_from("<I", artifact, 4)
        row = self.vocab * 4
        # one ready-made float32 row per previous token: a chunk's answer is a join of rows
        self.rows = [artifact[8 + i * row : 8 + (i + 1) * row] for i in range(self.vocab)]
        with open("config.json") as f:
            self.mode = json.load(f).get("mode", "honest")
        self.chunks = 0

    def score(self, tokens, history):
        self.chunks += 1
        if self.mode == "crash" and self.chunks > 1:
            sys.exit(3)
        if self.mode == "stall":
            time.sleep(3600)
        prev = [history[-1]] + list(tokens[:-1])
        return b"".join(self.rows[p] for p in prev)


if __name__ == "__main__":
    serve(Bigram())
