# ATTACK: distribution-check and frame fuzzing over an honest bigram model. config.json "mode":
#  honest       the honest bigram (comparison)
#  slack        every probability scaled by (1 + 0.00099): rows sum to 1.00099 < 1 + DIST_TOLERANCE
#  nan / posinf / neginf   one non-finite value in the last column of every row
#  hugeneg      -3.4e38 in one column (finite, probability 0)
#  short / long payload with one row fewer / more than the chunk, header n matching the payload
#  liar_n       full payload but header n = n - 1
#  double       two DIST frames for one SCORE (the second one a uniform distribution)
#  badchunk     DIST header chunk = chunk + 1000
#  nz_peek      rows peek at the target but with the same bits as -0.0/+0.0 trick (-0.0 log-prob)
import sys, zlib, json
import numpy as np
from pgolf_protocol import read_message, write_message, HELLO, READY, SCORE, DIST, OBSERVE, OK, BYE

def main():
    cfg = json.load(open("config.json")); mode = cfg.get("mode", "honest")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    last = None
    while True:
        msg = read_message(stdin)
        if msg is None: return
        kind, h, payload = msg
        if kind == HELLO:
            V = h["vocab_size"]
            c = np.frombuffer(zlib.decompress(open(h["artifact"], "rb").read()), dtype=np.uint16).reshape(V, V).astype(np.float64)
            uni = c.sum(0) + 1.0; uni /= uni.sum()
            p = c + float(cfg.get("alpha", 0.02)) * V * uni[None, :]; p /= p.sum(1, keepdims=True)
            LP = np.log(p).astype(np.float32); last = h["bos"]
            write_message(stdout, READY, {"name": "fuzz-" + mode, "model": "python"})
        elif kind == SCORE:
            t = np.frombuffer(payload, dtype="<i4").astype(np.int64); n = len(t)
            prev = np.empty(n, dtype=np.int64); prev[0] = last; prev[1:] = t[:-1]
            ans = LP[prev].copy(); hn = n
            if mode == "slack": ans += np.float32(np.log1p(0.00099))
            elif mode == "nan": ans[:, -1] = np.nan
            elif mode == "posinf": ans[:, -1] = np.inf
            elif mode == "neginf": ans[:, -1] = -np.inf
            elif mode == "hugeneg":
                q = np.exp(ans.astype(np.float64)); q[:, -1] = 0; q /= q.sum(1, keepdims=True)
                ans = np.log(np.maximum(q, 1e-300)).astype(np.float32); ans[:, -1] = np.float32(-3.4e38)
            elif mode == "short": ans = ans[:-1]; hn = n - 1
            elif mode == "long": ans = np.vstack([ans, ans[-1:]]); hn = n + 1
            elif mode == "liar_n": hn = n - 1
            elif mode == "nz_peek":
                q = np.full_like(ans, np.float32(-1e30)); q[np.arange(n), t] = np.float32(-0.0); ans = q
            ch = h["chunk"] + (1000 if mode == "badchunk" else 0)
            write_message(stdout, DIST, {"chunk": ch, "n": hn}, ans.astype(np.float32).tobytes())
            if mode == "double":
                write_message(stdout, DIST, {"chunk": h["chunk"], "n": n}, np.full((n, V), -np.log(V), dtype=np.float32).tobytes())
        elif kind == OBSERVE:
            last = int(np.frombuffer(payload, dtype="<i4")[-1]); write_message(stdout, OK, {})
        elif kind == BYE:
            return

if __name__ == "__main__":
    main()
