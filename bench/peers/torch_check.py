"""Loads pgolf's weights into the peer's GPT (torch_gpt.py, shapes and options from the same
environment as torch_train.py) and prints the loss on a given batch, so a test can check that the peer
computes pgolf's function, options past the reference included (src/train/bench_train.test.ts).
Usage: torch_check.py FILE, FILE a JSON object {"weights": {pgolf name: flat values}, "x": flat ids,
"y": flat targets} with x, y of BATCH rows of SEQ tokens. Prints {"loss", "params"}."""
import json, os, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import GPT, S

def pgolf_name(n):
    # the peer's MLP sits in the block itself; pgolf's (the reference's) in blocks.i.mlp
    return n.replace(".fc.", ".mlp.fc.").replace(".mproj.", ".mlp.proj.")

data = json.load(open(sys.argv[1]))
torch.set_num_threads(1)
model = GPT()
weights = dict(data["weights"])
with torch.no_grad():
    for n, p in model.named_parameters():
        w = weights.pop(pgolf_name(n))
        if len(w) != p.numel():
            raise SystemExit(f"{n}: pgolf has {len(w)} values, the peer {p.numel()}")
        p.copy_(torch.tensor(w, dtype=torch.float32).view_as(p))
    if weights:
        raise SystemExit(f"pgolf parameters the peer lacks: {sorted(weights)}")
    x, y = torch.tensor(data["x"]).view(-1, S), torch.tensor(data["y"]).view(-1, S)
    loss = model(x, y).item()
print(json.dumps({"loss": loss, "params": sum(p.numel() for p in model.parameters())}))
