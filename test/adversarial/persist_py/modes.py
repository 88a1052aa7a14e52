"""Attack class 4, a side channel past the size rule: training writes the weights to every place that
might outlive it and be shared with the evaluation (HOME, TMPDIR, /tmp, /dev/shm, a file beside the
artifact, the current folder), and the model at evaluation loads them from there instead of from the
counted artifact. It raises when it finds nothing, so a contained entry fails loudly."""
import os
import sys

PAYLOAD = b"weights-that-were-never-counted" * 1024


def places():
    return [
        os.path.join(os.environ.get("HOME", "/nonexistent"), ".pgolf-side"),
        os.path.join(os.environ.get("TMPDIR", "/tmp"), "pgolf-side"),
        "/tmp/pgolf-side",
        "/dev/shm/pgolf-side",
        os.environ.get("PGOLF_ARTIFACT", "/nonexistent") + ".side",
        "pgolf-side",
    ]


def misbehave(cfg, side):
    if side == "train":
        for p in places():
            try:
                with open(p, "wb") as f:
                    f.write(PAYLOAD)
                print(f"train: wrote {p}", file=sys.stderr)
            except OSError as e:
                print(f"train: could not write {p}: {e}", file=sys.stderr)
    else:
        found = [p for p in places() if os.path.exists(p)]
        if not found:
            raise RuntimeError("side channel gone: nothing written at training is visible at evaluation")
        print(f"eval: found {found}", file=sys.stderr)
