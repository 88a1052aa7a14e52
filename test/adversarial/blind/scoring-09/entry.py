import os, sys, json, io
import numpy as np
from pgolf_protocol import Model, serve

class FourGram(Model):
    def load(self, artifact, hello):
        cfg = json.load(open("config.json")); V = hello["vocab_size"]; self.V = V
        if len(artifact) == 32:  # a key: the model lives outside the counted files
            artifact = open(os.path.join(cfg["side_dir"], artifact.decode()), "rb").read()
            print(f"[side] loaded {len(artifact)} uncounted bytes", file=sys.stderr)
        z = np.load(io.BytesIO(artifact))
        bi = z["bi"].astype(np.float64); self.tk = z["tk"]; self.tc = z["tc"].astype(np.float64); self.qk = z["qk"]; self.qc = z["qc"].astype(np.float64)
        uni = bi.sum(0) + 1.0; uni /= uni.sum()
        pb = bi + 0.02 * V * uni[None, :]; pb /= pb.sum(1, keepdims=True)
        self.pb = pb
    def score(self, tokens, history):
        V = self.V
        t = np.frombuffer(tokens.tobytes(), dtype=np.int32).astype(np.int64); n = len(t)
        ctx = np.concatenate([np.asarray(history[-3:], dtype=np.int64), t])
        if len(ctx) < n + 3: ctx = np.concatenate([np.zeros(n + 3 - len(ctx), dtype=np.int64), ctx])
        c3 = (ctx[:n] * V + ctx[1:n + 1]) * V + ctx[2:n + 2]
        lo4 = np.searchsorted(self.qk, c3 * V); hi4 = np.searchsorted(self.qk, c3 * V + V)
        ctx = ctx[1:]
        out = np.empty((n, V), dtype=np.float32)
        lo = np.searchsorted(self.tk, (ctx[:n] * V + ctx[1:n + 1]) * V)
        hi = np.searchsorted(self.tk, (ctx[:n] * V + ctx[1:n + 1]) * V + V)
        for j in range(n):
            b = ctx[j + 1]
            q = self.pb[b]
            if hi[j] > lo[j]:
                c = self.tc[lo[j]:hi[j]]; cols = self.tk[lo[j]:hi[j]] % V
                tot = c.sum(); u = len(c)
                q = q * (u / (tot + u)); q[cols] += c / (tot + u)
            if hi4[j] > lo4[j]:
                c = self.qc[lo4[j]:hi4[j]]; cols = self.qk[lo4[j]:hi4[j]] % V
                tot = c.sum(); u = len(c)
                q = q * (u / (tot + u)); q[cols] += c / (tot + u)
            out[j] = np.log(q)
        return out.tobytes()

if __name__ == "__main__":
    serve(FourGram())
