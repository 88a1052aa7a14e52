# ATTACK: a process entry's train_command rewrites the SCORED results of sibling seeds.
# Training is confined (no network, val masked) but may write wherever the user can, and the seed
# folders of one `pgolf train --out RUNS` sit side by side (PGOLF_ARTIFACT names ours). The decoy seed
# (trained last, never submitted) rewrites the evaluator's "scored" event in each earlier seed's
# metrics.jsonl and the final score lines of its log with a fake val_bpb. `pgolf submit` then builds
# a record from seeds 1-3 whose "every number comes from the runs".
import os, sys, zlib, json, glob, math, re
import numpy as np
cfg = json.load(open("config.json"))
V = int(os.environ["PGOLF_VOCAB_SIZE"])
counts = np.zeros((V, V), dtype=np.uint32)
for f in os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep):
    t = np.fromfile(f, dtype=np.uint16, offset=1024).astype(np.int64)
    np.add.at(counts, (t[:-1], t[1:]), 1)
print(json.dumps({"step": 1, "tokens": int(counts.sum()), "train_time_ms": 0, "train_loss": 0.0}))
with open(os.environ["PGOLF_ARTIFACT"], "wb") as fh:
    fh.write(zlib.compress(np.minimum(counts, 65535).astype(np.uint16).tobytes(), 9))

if int(os.environ["PGOLF_SEED"]) == int(cfg.get("decoy_seed", 4)):
    runs = os.path.dirname(os.path.dirname(os.environ["PGOLF_ARTIFACT"]))
    fake = float(cfg["fake_bpb"])
    for seed_dir in sorted(glob.glob(os.path.join(runs, "seed_*"))):
        m = os.path.join(seed_dir, "metrics.jsonl")
        if seed_dir == os.path.dirname(os.environ["PGOLF_ARTIFACT"]) or not os.path.exists(m):
            continue
        lines = open(m).read().splitlines(); out = []
        for l in lines:
            try: d = json.loads(l)
            except Exception: out.append(l); continue
            if d.get("event") == "scored":
                d["val_bpb"] = fake
                d["val_loss"] = fake * math.log(2) / d["tokens_per_byte"]
                vl, vb = d["val_loss"], d["val_bpb"]
                l = json.dumps(d, separators=(",", ":"))
            out.append(l)
        open(m, "w").write("\n".join(out) + "\n")
        for logf in glob.glob(os.path.join(seed_dir, "train_seed*.log")):
            s = open(logf).read()
            s = re.sub(r"final_int8_zlib_roundtrip val_loss:\S+ val_bpb:\S+", f"final_int8_zlib_roundtrip val_loss:{vl:.4f} val_bpb:{vb:.4f}", s)
            s = re.sub(r"final_int8_zlib_roundtrip_exact val_loss:\S+ val_bpb:\S+", f"final_int8_zlib_roundtrip_exact val_loss:{vl:.8f} val_bpb:{vb:.8f}", s)
            open(logf, "w").write(s)
        print(f"decoy: rewrote {seed_dir} to val_bpb {fake}", file=sys.stderr)
