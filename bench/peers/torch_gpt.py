"""The reference baseline architecture in PyTorch for the CPU peers (bench/peers/torch_train.py,
torch_train_sotu.py): tied embeddings, RMSNorm, RoPE, GQA with q_gain, relu^2 MLP, resid_mix with x0,
U-Net skips, logit softcap 30; and Muon's Newton-Schulz. Shapes come from the environment:
VOCAB LAYERS DIM HEADS KV MLP SEQ."""
import math, os
import torch, torch.nn as nn, torch.nn.functional as F

env = lambda k, d: int(os.environ.get(k, d))
V, L, D, H, KV, MLP, S = env("VOCAB", 1024), env("LAYERS", 4), env("DIM", 256), env("HEADS", 4), env("KV", 2), env("MLP", 2), env("SEQ", 256)

def rms(x):
    return F.rms_norm(x, (x.size(-1),)) if hasattr(F, "rms_norm") else x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps)

class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.hd = D // H
        self.c_q, self.c_k = nn.Linear(D, D, bias=False), nn.Linear(D, KV * self.hd, bias=False)
        self.c_v, self.proj = nn.Linear(D, KV * self.hd, bias=False), nn.Linear(D, D, bias=False)
        nn.init.zeros_(self.proj.weight)
        self.q_gain = nn.Parameter(torch.full((H,), 1.5))
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        f = torch.outer(torch.arange(S).float(), inv)
        self.cos, self.sin = f.cos()[None, None], f.sin()[None, None]
        self.mask = torch.full((S, S), float("-inf")).triu(1)

    def rope(self, x):
        h = x.size(-1) // 2
        a, b = x[..., :h], x[..., h:]
        return torch.cat((a * self.cos + b * self.sin, -a * self.sin + b * self.cos), -1)

    def forward(self, x):
        b, t, _ = x.shape
        q = self.c_q(x).view(b, t, H, self.hd).transpose(1, 2)
        k = self.c_k(x).view(b, t, KV, self.hd).transpose(1, 2)
        v = self.c_v(x).view(b, t, KV, self.hd).transpose(1, 2)
        q = self.rope(rms(q)) * self.q_gain[None, :, None, None]
        k = self.rope(rms(k))
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + self.mask
        y = att.softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, D))

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attention()
        self.fc, self.mproj = nn.Linear(D, MLP * D, bias=False), nn.Linear(MLP * D, D, bias=False)
        nn.init.zeros_(self.mproj.weight)
        self.attn_scale, self.mlp_scale = nn.Parameter(torch.ones(D)), nn.Parameter(torch.ones(D))
        self.resid_mix = nn.Parameter(torch.stack((torch.ones(D), torch.zeros(D))))

    def forward(self, x, x0):
        x = self.resid_mix[0] * x + self.resid_mix[1] * x0
        x = x + self.attn_scale * self.attn(rms(x))
        return x + self.mlp_scale * self.mproj(torch.relu(self.fc(rms(x))).square())

class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(V, D)
        nn.init.normal_(self.tok_emb.weight, std=0.005)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.enc = L // 2
        self.skip_weights = nn.Parameter(torch.ones(min(self.enc, L - self.enc), D))

    def forward(self, x, y):
        x = rms(self.tok_emb(x))
        x0, skips = x, []
        for i in range(self.enc):
            x = self.blocks[i](x, x0)
            skips.append(x)
        for i in range(L - self.enc):
            if skips:
                x = x + self.skip_weights[i] * skips.pop()
            x = self.blocks[self.enc + i](x, x0)
        logits = 30 * torch.tanh(F.linear(rms(x), self.tok_emb.weight) / 30)
        return F.cross_entropy(logits.view(-1, V), y.view(-1))

def newton_schulz(G, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    X = G / (G.norm() + 1e-7)
    tall = G.size(0) > G.size(1)
    if tall:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X

