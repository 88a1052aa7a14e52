"""Peer for `npm run bench`: SentencePiece (C++) single-thread encode throughput.
Usage: python3 sp_encode.py MODEL JSONL [REPS]; prints one JSON line."""
import json, sys, time
import sentencepiece as spm

model, path = sys.argv[1], sys.argv[2]
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
sp = spm.SentencePieceProcessor(model_file=model)
texts = [json.loads(l)["text"] for l in open(path, encoding="utf-8") if l.strip()]
nbytes = sum(len(t.encode("utf-8")) for t in texts)
sp.encode(texts[:5])
best = float("inf")
for _ in range(reps):
    t = time.perf_counter()
    ids = [sp.encode(x) for x in texts]
    best = min(best, time.perf_counter() - t)
print(json.dumps({"peer": f"sentencepiece {spm.__version__}", "bytes": nbytes, "tokens": sum(map(len, ids)), "seconds": best, "MB_per_s": nbytes / best / 1e6}))
