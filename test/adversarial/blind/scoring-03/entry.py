# ATTACK: stateless sub-tolerance peeking. Every row is (1-eps)*bigram + eps*onehot(target).
# A probe changes row p only (its target is replaced), by L1 = 2*eps < PROBE_TOLERANCE (1e-3),
# so the causality check passes while every rare target gains up to log(eps/p) nats.
import sys, zlib, json
import numpy as np
from pgolf_protocol import Model, serve

class EpsPeek(Model):
    def load(self, artifact, hello):
        V = hello["vocab_size"]; self.V = V
        cfg = json.load(open("config.json"))
        alpha = float(cfg.get("alpha", 0.02)); self.eps = float(cfg.get("eps", 0.00048))
        c = np.frombuffer(zlib.decompress(artifact), dtype=np.uint16).reshape(V, V).astype(np.float64)
        uni = c.sum(0) + 1.0; uni /= uni.sum()
        p = c + alpha * V * uni[None, :]; p /= p.sum(1, keepdims=True)
        self.p = p.astype(np.float32)
    def score(self, tokens, history):
        t = np.frombuffer(tokens.tobytes(), dtype=np.int32).astype(np.int64); n = len(t)
        prev = np.empty(n, dtype=np.int64); prev[0] = history[-1]; prev[1:] = t[:-1]
        q = self.p[prev] * (1.0 - self.eps)
        q[np.arange(n), t] += self.eps
        return np.log(q).astype(np.float32).tobytes()

if __name__ == "__main__":
    serve(EpsPeek())
