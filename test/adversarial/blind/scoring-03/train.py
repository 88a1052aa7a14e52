# Honest bigram counter: reads only the training shards it is given; artifact = zlib'd bigram counts.
import os, sys, zlib, json
import numpy as np
V = int(os.environ["PGOLF_VOCAB_SIZE"])
counts = np.zeros((V, V), dtype=np.uint32)
for f in os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep):
    raw = np.fromfile(f, dtype=np.uint16, offset=256 * 4)
    t = raw.astype(np.int64)
    np.add.at(counts, (t[:-1], t[1:]), 1)
print(json.dumps({"step": 1, "tokens": int(counts.sum()), "train_time_ms": 0, "train_loss": 0.0}))
c16 = np.minimum(counts, 65535).astype(np.uint16)
with open(os.environ["PGOLF_ARTIFACT"], "wb") as fh:
    fh.write(zlib.compress(c16.tobytes(), 9))
