"""The reference baseline architecture in PyTorch for the CPU peers (bench/peers/torch_train.py,
torch_train_sotu.py): tied embeddings, RMSNorm, RoPE, GQA with q_gain, relu^2 MLP, resid_mix with x0,
U-Net skips, logit softcap 30; and Muon's Newton-Schulz. Shapes come from the environment:
VOCAB LAYERS DIM HEADS KV MLP SEQ.
Options past the reference, as pgolf's GPT config (src/model/config.ts), all off by default (then the
model and its random draws are the reference's exactly):
  BIGRAM buckets (bigramBuckets, 0: none), BIGRAM_DIM (bigramDim, 64)   src/nn/bigram_hash.ts
  SMEAR 1 (smearGate)                                                     src/nn/smear_gate.ts
  ROPE_DIMS rotated dims of each head (ropeDims, 0: all)                 src/nn/rotary.ts partialRotary
  XSA 1 (xsa)                                                             src/nn/exclusive_attention.ts"""
import math, os
import torch, torch.nn as nn, torch.nn.functional as F

env = lambda k, d: int(os.environ.get(k, d))
V, L, D, H, KV, MLP, S = env("VOCAB", 1024), env("LAYERS", 4), env("DIM", 256), env("HEADS", 4), env("KV", 2), env("MLP", 2), env("SEQ", 256)
BIGRAM, BIGRAM_DIM, SMEAR, ROPE_DIMS, XSA = env("BIGRAM", 0), env("BIGRAM_DIM", 64), env("SMEAR", 0), env("ROPE_DIMS", 0), env("XSA", 0)

def rms(x):
    return F.rms_norm(x, (x.size(-1),)) if hasattr(F, "rms_norm") else x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps)

class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.hd = D // H
        # partial RoPE: the first rd dims of each head, with tables made for rd dims
        self.rd = ROPE_DIMS or self.hd
        self.c_q, self.c_k = nn.Linear(D, D, bias=False), nn.Linear(D, KV * self.hd, bias=False)
        self.c_v, self.proj = nn.Linear(D, KV * self.hd, bias=False), nn.Linear(D, D, bias=False)
        nn.init.zeros_(self.proj.weight)
        self.q_gain = nn.Parameter(torch.full((H,), 1.5))
        inv = 1.0 / (10000 ** (torch.arange(0, self.rd, 2).float() / self.rd))
        f = torch.outer(torch.arange(S).float(), inv)
        self.cos, self.sin = f.cos()[None, None], f.sin()[None, None]
        self.mask = torch.full((S, S), float("-inf")).triu(1)

    def rotate(self, x):
        h = x.size(-1) // 2
        a, b = x[..., :h], x[..., h:]
        return torch.cat((a * self.cos + b * self.sin, -a * self.sin + b * self.cos), -1)

    def rope(self, x):
        if self.rd == self.hd:
            return self.rotate(x)
        return torch.cat((self.rotate(x[..., :self.rd]), x[..., self.rd:]), -1)

    def forward(self, x):
        b, t, _ = x.shape
        q = self.c_q(x).view(b, t, H, self.hd).transpose(1, 2)
        k = self.c_k(x).view(b, t, KV, self.hd).transpose(1, 2)
        v = self.c_v(x).view(b, t, KV, self.hd).transpose(1, 2)
        q = self.rope(rms(q)) * self.q_gain[None, :, None, None]
        k = self.rope(rms(k))
        vkv = v
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + self.mask
        y = att.softmax(-1) @ v
        if XSA:
            # exclusive self attention per KV group: y - (<y, v> / (<v, v> + 1e-6)) v
            yg, vg = y.view(b, KV, H // KV, t, self.hd), vkv.unsqueeze(2)
            y = (yg - ((yg * vg).sum(-1, keepdim=True) / ((vg * vg).sum(-1, keepdim=True) + 1e-6)) * vg).view(b, H, t, self.hd)
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

class BigramHash(nn.Module):
    """embed[hash(ids[t-1], ids[t]) mod BIGRAM] projected to D (ids[-1] = -1 at each row's start)."""
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(BIGRAM, BIGRAM_DIM)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.proj = nn.Linear(BIGRAM_DIM, D, bias=False)
        nn.init.zeros_(self.proj.weight)

    def forward(self, ids):
        prev = torch.cat((torch.full_like(ids[:, :1], -1), ids[:, :-1]), 1)
        # Math.imul(prev + 1, 0x9e3779b1) ^ Math.imul(id + 1, 0x85ebca77), as an unsigned 32-bit word
        m = 0xFFFFFFFF
        h = (((prev + 1) * 0x9E3779B1) & m) ^ (((ids + 1) * 0x85EBCA77) & m)
        return self.proj(self.embed(h % BIGRAM))

class SmearGate(nn.Module):
    """(1 - g) x[t] + g x[t-1], g = sigmoid(gate), x[-1] = 0."""
    def __init__(self):
        super().__init__()
        self.gate = nn.Parameter(torch.zeros(D))

    def forward(self, x):
        g = torch.sigmoid(self.gate)
        return (1 - g) * x + g * F.pad(x[:, :-1], (0, 0, 1, 0))

class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(V, D)
        nn.init.normal_(self.tok_emb.weight, std=0.005)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.enc = L // 2
        self.skip_weights = nn.Parameter(torch.ones(min(self.enc, L - self.enc), D))
        # past the reference, drawn after all of its parameters
        self.bigram = BigramHash() if BIGRAM else None
        self.smear = SmearGate() if SMEAR else None

    def forward(self, x, y):
        h = self.tok_emb(x)
        if self.bigram is not None:
            h = h + self.bigram(x)
        x = rms(h)
        if self.smear is not None:
            x = self.smear(x)
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

def options():
    """The options past the reference that are on, keyed as pgolf's GPT config."""
    return {k: v for k, v in (("bigramBuckets", BIGRAM), ("bigramDim", BIGRAM_DIM if BIGRAM else 0), ("smearGate", bool(SMEAR)), ("ropeDims", ROPE_DIMS), ("xsa", bool(XSA))) if v}

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
