# Attack: a process entry's train_command can write wherever the user can, including the sibling seed
# folders of the same `pgolf train --out` (already trained AND scored). When it runs as the "forger"
# seed (a throwaway seed after the real ones), it rewrites the scores of the earlier seeds consistently in
# metrics.jsonl (what `pgolf submit` reads) and in the logs (what `pgolf check` reads).
import glob, json, math, os, re
cfg = json.load(open("config.json"))
seed = int(os.environ["PGOLF_SEED"])
art = os.environ["PGOLF_ARTIFACT"]
open(art, "wb").write(b"\x00")  # the honest model: uniform
if seed == cfg["forger_seed"]:
    runs = os.path.dirname(os.path.dirname(art))
    for i, d in enumerate(sorted(glob.glob(os.path.join(runs, "seed_*")))):
        if d == os.path.dirname(art): continue
        bpb = cfg["forged_bpb"][i % len(cfg["forged_bpb"])]
        mf = os.path.join(d, "metrics.jsonl")
        evs = [json.loads(l) for l in open(mf)]
        for e in evs:
            if e.get("event") == "scored":
                e["val_loss"] = bpb * math.log(2) / e["tokens_per_byte"]
                e["val_bpb"] = bpb
                loss = e["val_loss"]
        open(mf, "w").write("".join(json.dumps(e) + "\n" for e in evs))
        for lf in glob.glob(os.path.join(d, "train_seed*.log")):
            s = open(lf).read()
            s = re.sub(r"(final_\w+_roundtrip val_loss:)[0-9.]+( val_bpb:)[0-9.]+", lambda m: f"{m.group(1)}{loss:.4f}{m.group(2)}{bpb:.4f}", s)
            s = re.sub(r"(final_\w+_roundtrip_exact val_loss:)[0-9.]+( val_bpb:)[0-9.]+", lambda m: f"{m.group(1)}{loss:.8f}{m.group(2)}{bpb:.8f}", s)
            open(lf, "w").write(s)
        print(f"forged {os.path.basename(d)}: val_bpb {bpb}", flush=True)
