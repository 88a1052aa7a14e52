"""Peer for `pgolf bench train`: the reference baseline architecture in PyTorch on the CPU (tied
embeddings, RMSNorm, RoPE, GQA with q_gain, relu^2 MLP, resid_mix with x0, U-Net skips, logit
softcap 30; Muon with Nesterov + Newton-Schulz on block matrices, Adam on the rest), timed on a fixed
random batch. Prints one JSON line: training and forward-only tokens/s, the parameter count, the
options past the reference that are on, and the loss of the warm-up step and of the last step.
Env: VOCAB LAYERS DIM HEADS KV MLP SEQ BATCH THREADS STEPS EVAL_STEPS, and the options BIGRAM
BIGRAM_DIM SMEAR ROPE_DIMS XSA (torch_gpt.py; off by default: the reference's workload). As pgolf's
param_groups.ts, the BigramHash table goes to Adam with the token embedding, its projection to Muon."""
import json, os, sys, time
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt import GPT, V, S, newton_schulz, options

env = lambda k, d: int(os.environ.get(k, d))
B, TH, STEPS, EVAL_STEPS = env("BATCH", 32), env("THREADS", 2), env("STEPS", 5), env("EVAL_STEPS", 5)
torch.manual_seed(0)
torch.set_num_threads(TH)

model = GPT()
matrices = [p for n, p in model.blocks.named_parameters() if p.ndim == 2 and "resid_mix" not in n]
if model.bigram is not None:
    matrices.append(model.bigram.proj.weight)
others = [p for p in model.parameters() if all(p is not q for q in matrices)]
adam = torch.optim.Adam(others, lr=0.04, betas=(0.9, 0.95), eps=1e-8)
buffers = [torch.zeros_like(p) for p in matrices]

def train_step(x, y):
    loss = model(x, y)
    loss.backward()
    with torch.no_grad():
        for p, buf in zip(matrices, buffers):
            buf.mul_(0.95).add_(p.grad)
            g = newton_schulz(p.grad.add(buf, alpha=0.95))
            p.add_(g * max(1, g.size(0) / g.size(1)) ** 0.5, alpha=-0.04)
    adam.step()
    model.zero_grad(set_to_none=True)
    return loss.item()

x, y = torch.randint(0, V, (B, S)), torch.randint(0, V, (B, S))
first_loss = train_step(x, y)
last_loss = first_loss
t0 = time.perf_counter()
for _ in range(STEPS):
    last_loss = train_step(x, y)
train_s = (time.perf_counter() - t0) / STEPS
with torch.no_grad():
    model(x, y)
    t0 = time.perf_counter()
    for _ in range(EVAL_STEPS):
        model(x, y).item()
    eval_s = (time.perf_counter() - t0) / EVAL_STEPS
print(json.dumps({"peer": f"torch {torch.__version__}", "threads": TH, "params": sum(p.numel() for p in model.parameters()),
                  "options": options(), "first_loss": first_loss, "last_loss": last_loss, "train_step_ms": train_s * 1e3, "train_tokens_per_s": B * S / train_s, "eval_tokens_per_s": B * S / eval_s}))
