"""Trains a bigram model under pgolf's process-entry harness (docs/eval-protocol.md, "Training").

Reads the training shards named by PGOLF_TRAIN_FILES (the challenge format: a 256-int32 header with
magic 20240520, version 1 and the token count, then uint16 tokens), counts bigrams shard by shard
until the shards run out or PGOLF_TRAIN_SECONDS pass, and writes the artifact to PGOLF_ARTIFACT:
  b"PYBC" | u32 vocab | f32 alpha | zlib(u32 counts[vocab * vocab]), row = previous token.
The model it stands for is add-alpha smoothed: p(b | a) = (count[a, b] + alpha) / (row_total[a] + alpha * vocab).
Log lines go to stdout in the reference's formats; a JSON line is a metric.
"""
import json
import math
import os
import sys
import time
import zlib
from array import array
from collections import Counter

from modes import misbehave

START = time.monotonic()
MAGIC, VERSION, HEADER_INTS = 20240520, 1, 256


def read_shard(path):
    with open(path, "rb") as f:
        data = f.read()
    header = array("i")
    header.frombytes(data[: HEADER_INTS * 4])
    tokens = array("H")
    tokens.frombytes(data[HEADER_INTS * 4 :])
    if sys.byteorder != "little":
        header.byteswap()
        tokens.byteswap()
    if header[0] != MAGIC or header[1] != VERSION:
        raise ValueError(f"{path}: not a challenge shard (magic {header[0]}, version {header[1]})")
    if len(tokens) != header[2]:
        raise ValueError(f"{path}: {len(tokens)} tokens, the header says {header[2]}")
    return tokens


def mean_nll(counts, vocab, alpha):
    """Average -ln p(b | a) of the smoothed model over the bigrams it was counted on, nats."""
    totals = Counter()
    for k, c in counts.items():
        totals[k // vocab] += c
    n = sum(totals.values())
    nats = 0.0
    for k, c in counts.items():
        nats -= c * math.log((c + alpha) / (totals[k // vocab] + alpha * vocab))
    return nats / max(n, 1)


def main():
    with open("config.json") as f:
        cfg = json.load(f)
    cfg.update(json.loads(os.environ.get("PGOLF_CONFIG") or "{}"))
    vocab = int(os.environ["PGOLF_VOCAB_SIZE"])
    cap = float(os.environ["PGOLF_TRAIN_SECONDS"])
    files = os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep)
    alpha = float(cfg.get("alpha", 0.1))
    print(f"bigram vocab:{vocab} alpha:{alpha} seed:{os.environ['PGOLF_SEED']} threads:{os.environ['PGOLF_THREADS']} shards:{len(files)}")
    misbehave(cfg, "train")

    counts = Counter()  # previous * vocab + next -> count
    tokens = 0
    step = 0
    for path in files:
        ms = (time.monotonic() - START) * 1000
        if ms > cap * 1000:
            print(f"stopping_early: wallclock_cap train_time:{ms:.0f}ms step:{step}/{len(files)}")
            break
        t = read_shard(path)
        counts.update(a * vocab + b for a, b in zip(t, t[1:]))
        tokens += len(t)
        step += 1
        ms = (time.monotonic() - START) * 1000
        loss = mean_nll(counts, vocab, alpha)
        print(f"step:{step}/{len(files)} train_loss:{loss:.4f} train_time:{ms:.0f}ms step_avg:{ms / step:.2f}ms")
        print(json.dumps({"step": step, "tokens": tokens, "train_time_ms": round(ms), "train_loss": loss}))

    dense = array("I", bytes(4 * vocab * vocab))
    for k, c in counts.items():
        dense[k] = c
    if sys.byteorder != "little":
        dense.byteswap()
    head = b"PYBC" + vocab.to_bytes(4, "little") + array("f", [alpha]).tobytes()
    with open(os.environ["PGOLF_ARTIFACT"], "wb") as f:
        f.write(head + zlib.compress(dense.tobytes(), 9))


if __name__ == "__main__":
    main()
