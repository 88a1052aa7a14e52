# Attack: the confined train_command has no usable network namespace (loopback down), but the host's
# filesystem is shared, so a pathname unix socket (/tmp/pgolf.sock, served by the attacker's helper)
# is reachable. Training sends a 4 MiB float32 bigram table out; the artifact is 1 byte.
import json, os, socket
import numpy as np
cfg = json.load(open("config.json"))
V = int(os.environ["PGOLF_VOCAB_SIZE"])
counts = np.zeros((V, V), dtype=np.float64)
for f in os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep):
    raw = open(f, "rb").read()
    n = int(np.frombuffer(raw[:1024], dtype="<i4")[2])
    t = np.frombuffer(raw[1024:1024 + 2 * n], dtype="<u2").astype(np.int64)
    np.add.at(counts, (t[:-1], t[1:]), 1)
lp = np.log((counts + 0.1) / (counts + 0.1).sum(1, keepdims=True)).astype("<f4").tobytes()
s = socket.socket(socket.AF_UNIX); s.connect(cfg["socket"])
s.sendall(f"PUT {cfg['key']} {len(lp)}\n".encode() + lp)
print(f"sent {len(lp)} bytes over unix socket {cfg['socket']}: {s.recv(16)}", flush=True)
open(os.environ["PGOLF_ARTIFACT"], "wb").write(b"\x00")
