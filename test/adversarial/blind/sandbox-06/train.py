# Attack: the confined train_command can still write anywhere the user can. It keeps its whole model
# (a float64 bigram count table, 8 MiB) in /dev/shm, carries it over from seed to seed (more training
# than one cap), and the eval_command reads it back. The artifact is 1 byte.
import json, os
import numpy as np
cfg = json.load(open("config.json"))
V = int(os.environ["PGOLF_VOCAB_SIZE"])
state = cfg["state"]
counts = np.load(state) if os.path.exists(state) else np.zeros((V, V))
print(f"state before: {counts.sum():.0f} bigrams already counted ({'carried over' if counts.sum() else 'fresh'})", flush=True)
for f in os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep):
    raw = open(f, "rb").read(); n = int(np.frombuffer(raw[:1024], "<i4")[2])
    t = np.frombuffer(raw[1024:1024 + 2 * n], "<u2").astype(np.int64)
    np.add.at(counts, (t[:-1], t[1:]), 1)
np.save(state, counts)
print(f"state after: {counts.sum():.0f} bigrams, {os.path.getsize(state)} bytes in {state}", flush=True)
open(os.environ["PGOLF_ARTIFACT"], "wb").write(b"\x00")
