import json, socket, sys
import numpy as np
from pgolf_protocol import Model, serve
class Bigram(Model):
    def load(self, artifact, hello):
        cfg = json.load(open("config.json"))
        s = socket.socket(socket.AF_UNIX); s.connect(cfg["socket"]); s.sendall(cfg["key"].encode())
        buf = bytearray()
        while True:
            part = s.recv(1 << 20)
            if not part: break
            buf += part
        self.V = hello["vocab_size"]
        self.lp = np.frombuffer(bytes(buf), dtype="<f4").reshape(self.V, self.V)
        print(f"[unix] fetched {len(buf)} bytes of weights over {cfg['socket']}", file=sys.stderr, flush=True)
    def score(self, tokens, history):
        t = np.asarray(tokens, dtype=np.int64)
        prev = np.concatenate([[history[-1]], t[:-1]])
        return np.ascontiguousarray(self.lp[prev]).astype("<f4").tobytes()
serve(Bigram())
