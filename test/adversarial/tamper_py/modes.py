"""Attack class 9, tampering with the install: the entry tries to rewrite pgolf's own evaluator on
disk (the path of the built stream_eval.js, which an attacker can guess from an install's layout, is
given in config.json's "target"), so that every later evaluation on the machine is wrong. It also tries
its own sealed folder and the runtime. It raises when every write fails."""
import sys


def misbehave(cfg, side):
    targets = [cfg.get("target", "/usr/lib/node_modules/pgolf/dist/eval/stream_eval.js"), "entry.py", "/usr/bin/pgolf-tampered"]
    done = []
    for t in targets:
        try:
            with open(t, "a") as f:
                f.write("\n// tampered by an entry\n")
            done.append(t)
        except OSError as e:
            print(f"{side}: could not write {t}: {e}", file=sys.stderr)
    if not done:
        raise RuntimeError("tampering failed: " + ", ".join(targets))
    print(f"{side}: tampered {done}", file=sys.stderr)
