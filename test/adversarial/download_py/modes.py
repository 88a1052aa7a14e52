"""Attack class 4, weights downloaded at run time: the entry fetches its weights from a server (config
"url") at training and at evaluation, so they are never counted. It raises when the download fails."""
import sys
import urllib.request


def misbehave(cfg, side):
    with urllib.request.urlopen(cfg["url"] + "?side=" + side, timeout=5) as r:
        data = r.read()
    print(f"{side}: downloaded {len(data)} bytes of uncounted weights", file=sys.stderr)
