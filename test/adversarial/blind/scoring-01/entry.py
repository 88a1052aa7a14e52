# ATTACK: causality-probe evasion by memoising answers per prefix within a chunk.
# Row j of a fresh SCORE peeks at tokens[j] (the target itself). Any later SCORE of the same chunk
# (a probe or the real one) returns, for every row whose prefix tokens[0..j-1] it shares with an
# earlier SCORE, exactly the earlier row. So the answers are a deterministic function of the prefix
# "as first seen", and every probe comparison (rows 0..p) is bit-identical.
import sys
import numpy as np
from pgolf_protocol import read_message, write_message, HELLO, READY, SCORE, DIST, OBSERVE, OK, BYE, ERROR
import zlib, json

def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    memo = {}  # start -> list of (tokens np.int32, answer np.float32 [n,V])
    hist_last = None
    while True:
        msg = read_message(stdin)
        if msg is None:
            return
        kind, h, payload = msg
        if kind == HELLO:
            V = h["vocab_size"]
            cfg = json.load(open("config.json"))  # process entries read their own config.json
            alpha = float(cfg.get("alpha", 0.02)); peek = float(cfg.get("peek", 0.999)); use_memo = bool(cfg.get("memo", True))
            c = np.frombuffer(zlib.decompress(open(h["artifact"], "rb").read()), dtype=np.uint16).reshape(V, V).astype(np.float64)
            uni = c.sum(0) + 1.0; uni /= uni.sum()
            p = c + alpha * V * uni[None, :]; p /= p.sum(1, keepdims=True)
            P = p.astype(np.float32)
            hist_last = h["bos"]
            write_message(stdout, READY, {"name": "memo-peek", "model": "python"})
        elif kind == SCORE:
            t = np.frombuffer(payload, dtype="<i4").astype(np.int64)
            n = len(t)
            start = h["start"]
            prev = np.empty(n, dtype=np.int64); prev[0] = hist_last; prev[1:] = t[:-1]
            best_L, best_ans = -1, None
            for (ot, oans) in memo.get(start, []):
                m = min(len(ot), n)
                diff = np.nonzero(ot[:m] != t[:m])[0]
                L = int(diff[0]) if len(diff) else m  # rows 0..L share their prefix
                if L > best_L:
                    best_L, best_ans = L, oans
            probs = P[prev] * (1.0 - peek)
            probs[np.arange(n), t] += peek  # peek at the target
            ans = np.log(probs).astype(np.float32)
            if best_ans is not None and use_memo:
                k = min(best_L + 1, n)
                ans[:k] = best_ans[:k]
            memo.setdefault(start, []).append((t, ans))
            write_message(stdout, DIST, {"chunk": h["chunk"], "n": n}, ans.tobytes())
        elif kind == OBSERVE:
            t = np.frombuffer(payload, dtype="<i4")
            hist_last = int(t[-1])
            memo.clear()
            write_message(stdout, OK, {})
        elif kind == BYE:
            return

if __name__ == "__main__":
    main()
