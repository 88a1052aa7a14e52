# ATTACK: smuggle an over-cap model from training to evaluation through a folder outside the run.
# A process entry may write wherever the user can (and /var/tmp survives between the train_command and
# the eval_command, also inside one verification job). The real model (bigram + trigram + 4-gram counts,
# ~6 MB) goes to side_dir; the counted artifact is a 32-byte key. With "side_channel": false the same
# model goes into the artifact, so pgolf's size rule can be compared.
import os, sys, json, hashlib, io, zlib
import numpy as np
cfg = json.load(open("config.json"))
V = int(os.environ["PGOLF_VOCAB_SIZE"])
t = np.concatenate([np.fromfile(f, dtype=np.uint16, offset=1024) for f in os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep)]).astype(np.int64)
bi = np.zeros((V, V), dtype=np.uint32); np.add.at(bi, (t[:-1], t[1:]), 1)
keys = (t[:-2] * V + t[1:-1]) * V + t[2:]
tk, tc = np.unique(keys, return_counts=True)
k4 = ((t[:-3] * V + t[1:-2]) * V + t[2:-1]) * V + t[3:]
qk, qc = np.unique(k4, return_counts=True)
buf = io.BytesIO()
np.savez_compressed(buf, bi=bi, tk=tk, tc=tc.astype(np.uint32), qk=qk, qc=qc.astype(np.uint32))
blob = buf.getvalue()
print(json.dumps({"step": 1, "tokens": int(len(t)), "train_time_ms": 0, "train_loss": 0.0}))
print(f"model: {len(tk)} trigrams, {len(qk)} 4-grams, serialized {len(blob)} bytes")
if cfg.get("side_channel", True):
    key = hashlib.sha256(blob).hexdigest()[:32]
    os.makedirs(cfg["side_dir"], exist_ok=True)
    with open(os.path.join(cfg["side_dir"], key), "wb") as f: f.write(blob)
    with open(os.environ["PGOLF_ARTIFACT"], "wb") as f: f.write(key.encode())
else:
    with open(os.environ["PGOLF_ARTIFACT"], "wb") as f: f.write(blob)
