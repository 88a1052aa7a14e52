"""Quality peer for `npm run bench`: the PyTorch baseline (cpu-small) trained the way pgolf's baseline
entry trains (reference optimizer split and schedule, 2 warm-up steps primed then restored and counted
in the wallclock, lr warmdown by remaining wallclock over 1200 iterations' worth, Muon momentum warmed
0.85 -> 0.95 over 500 steps), for the same wallclock, on the same pgolf course shards, and scored the
same way (non-overlapping windows of 256 over the validation stream, the reference byte table).
Usage: python3 torch_train_sotu.py COURSE_DIR SECONDS. Prints one JSON line (with the evaluation's
wallclock and tokens/s: the forward pass over the whole validation stream, loss only)."""
import copy, json, math, os, sys, time
import numpy as np, torch, torch.nn.functional as F, sentencepiece as spm
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import GPT, V, S, newton_schulz

course, budget = sys.argv[1], float(sys.argv[2])
torch.manual_seed(1337)
torch.set_num_threads(int(os.environ.get("THREADS", 2)))
BATCH_TOKENS = int(os.environ.get("BATCH_TOKENS", 8192))
manifest = json.load(open(os.path.join(course, "manifest.json")))
files = manifest["pgolf"]["files"]
paths = lambda role: [os.path.join(course, f["path"]) for f in files if f["role"] == role]

def read_shard(p):
    header = np.fromfile(p, dtype="<i4", count=256)
    assert header[0] == 20240520 and header[1] == 1
    return np.fromfile(p, dtype="<u2", offset=1024, count=int(header[2])).astype(np.int64)

train = np.concatenate([read_shard(p) for p in paths("train")])
val = np.concatenate([read_shard(p) for p in paths("val")])
sp = spm.SentencePieceProcessor(model_file=paths("tokenizer")[0])
base = np.zeros(V, np.int64); lead = np.zeros(V, bool); bound = np.ones(V, bool)
for i in range(sp.vocab_size()):
    if sp.is_control(i) or sp.is_unknown(i) or sp.is_unused(i): continue
    bound[i] = False
    if sp.is_byte(i): base[i] = 1; continue
    p = sp.id_to_piece(i)
    if p.startswith("\u2581"): lead[i] = True; p = p[1:]
    base[i] = len(p.encode("utf-8"))

class Stream:  # the reference TokenStream over the concatenated training shards
    def __init__(self): self.pos = 0
    def batch(self):
        n = BATCH_TOKENS + 1
        idx = (self.pos + np.arange(n)) % len(train); self.pos = (self.pos + n) % len(train)
        chunk = torch.from_numpy(train[idx])
        return chunk[:-1].view(-1, S), chunk[1:].view(-1, S)

model = GPT()
control = ("attn_scale", "mlp_scale", "resid_mix", "q_gain")
named = list(model.blocks.named_parameters())
matrices = [p for n, p in named if p.ndim == 2 and not any(c in n for c in control)]
scalars = [p for n, p in named if p.ndim < 2 or any(c in n for c in control)] + [model.skip_weights]
adam_tok = torch.optim.Adam([model.tok_emb.weight], lr=0.05, betas=(0.9, 0.95), eps=1e-8)
adam_sc = torch.optim.Adam(scalars, lr=0.04, betas=(0.9, 0.95), eps=1e-8)
buffers = [torch.zeros_like(p) for p in matrices]
state = {"muon_lr": 0.04, "momentum": 0.95}

def step(x, y, scale, momentum):
    loss = model(x, y); loss.backward()
    with torch.no_grad():
        for p, buf in zip(matrices, buffers):
            buf.mul_(momentum).add_(p.grad)
            g = newton_schulz(p.grad.add(buf, alpha=momentum))
            p.add_(g * max(1, g.size(0) / g.size(1)) ** 0.5, alpha=-0.04 * scale)
    for opt, lr in ((adam_tok, 0.05), (adam_sc, 0.04)):
        for g in opt.param_groups: g["lr"] = lr * scale
        opt.step()
    model.zero_grad(set_to_none=True)
    return loss.item()

t0 = time.perf_counter()
stream = Stream()
init_model, init_bufs = copy.deepcopy(model.state_dict()), [b.clone() for b in buffers]
init_opts = [copy.deepcopy(o.state_dict()) for o in (adam_tok, adam_sc)]
for _ in range(2): step(*stream.batch(), 1.0, 0.85)
model.load_state_dict(init_model); [b.copy_(i) for b, i in zip(buffers, init_bufs)]
for o, s in zip((adam_tok, adam_sc), init_opts): o.load_state_dict(s)
stream = Stream()
steps = 0
while True:
    el = time.perf_counter() - t0
    if el >= budget: break
    step_ms = el * 1000 / max(steps, 1); warm_ms = 1200 * step_ms; rem_ms = max(budget * 1000 - el * 1000, 0)
    scale = rem_ms / max(warm_ms, 1e-9) if rem_ms <= warm_ms else 1.0
    frac = min(steps / 500, 1.0); momentum = (1 - frac) * 0.85 + frac * 0.95
    loss = step(*stream.batch(), scale, momentum); steps += 1
    if steps % 50 == 0: print(f"step {steps} loss {loss:.4f} t {el:.0f}s", file=sys.stderr, flush=True)

model.eval(); n = (len(val) - 1) // S; nll = 0.0; nbytes = 0; t_eval = time.perf_counter()
with torch.no_grad():
    for s in range(0, n, 32):
        e = min(n, s + 32); x = torch.from_numpy(val[s * S:e * S]).view(-1, S); y = torch.from_numpy(val[s * S + 1:e * S + 1]).view(-1, S)
        nll += model(x, y).item() * y.numel()
        xs, ys = x.numpy().reshape(-1), y.numpy().reshape(-1)
        nbytes += int((base[ys] + (lead[ys] & ~bound[xs])).sum())
targets = n * S; eval_s = time.perf_counter() - t_eval
print(json.dumps({"peer": f"torch {torch.__version__}", "seconds": budget, "steps": steps, "train_tokens": steps * BATCH_TOKENS,
                  "val_loss": nll / targets, "val_bpb": nll / math.log(2) / nbytes, "val_targets": targets, "val_bytes": nbytes,
                  "eval_seconds": eval_s, "eval_tokens_per_s": targets / eval_s}))
