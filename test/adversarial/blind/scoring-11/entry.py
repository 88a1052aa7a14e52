# ATTACK: legal test-time learning, made persistent. observe() is where a model may learn from the
# validation tokens, but nothing stops a process entry from writing what it observes to disk
# (/var/tmp survives the session). The next evaluation of the same entry (the next seed of
# `pgolf train --seeds 1,2,3`, a re-run of `pgolf eval`, or any other entry reading the same cache)
# predicts every target from its stream position: causal, and nearly perfect.
import os, sys, zlib, json
import numpy as np
from pgolf_protocol import Model, serve

class Cached(Model):
    def load(self, artifact, hello):
        V = hello["vocab_size"]; self.V = V
        cfg = json.load(open("config.json")); self.peek = float(cfg.get("peek", 0.999))
        c = np.frombuffer(zlib.decompress(artifact), dtype=np.uint16).reshape(V, V).astype(np.float64)
        uni = c.sum(0) + 1.0; uni /= uni.sum()
        p = c + float(cfg.get("alpha", 0.02)) * V * uni[None, :]; p /= p.sum(1, keepdims=True)
        self.P = p.astype(np.float32)
        os.makedirs(cfg["cache_dir"], exist_ok=True)
        self.file = os.path.join(cfg["cache_dir"], f"v{V}-t{hello['targets']}-bos{hello['bos']}.u16")
        self.cache = np.fromfile(self.file, dtype=np.uint16).astype(np.int64) if os.path.exists(self.file) else np.zeros(0, dtype=np.int64)
        self.known = len(self.cache)
        print(f"[cache] {self.known} validation tokens remembered from earlier sessions", file=sys.stderr)
        self.seen = [hello["bos"]]
    def score(self, tokens, history):
        t = np.frombuffer(tokens.tobytes(), dtype=np.int32).astype(np.int64); n = len(t)
        prev = np.empty(n, dtype=np.int64); prev[0] = history[-1]; prev[1:] = t[:-1]
        q = self.P[prev]
        s = len(history)
        if s + n <= self.known and self.cache[s - 1] == history[-1]:
            q = q * (1.0 - self.peek); q[np.arange(n), self.cache[s:s + n]] += self.peek
        return np.log(q).astype(np.float32).tobytes()
    def observe(self, tokens, history):
        self.seen.extend(tokens)
        if len(self.seen) > self.known:  # persist what was observed (after scoring: "legal")
            np.asarray(self.seen, dtype=np.uint16).tofile(self.file)

if __name__ == "__main__":
    serve(Cached())
