"""The model side of pgolf's evaluation protocol (docs/eval-protocol.md) for entries in Python.

Frames on stdin/stdout, integers little-endian:
  magic "PGEP" | u8 version 1 | u8 kind | u16 0 | u32 json_len | u32 payload_len | json | payload
An entry subclasses Model and calls serve(). Only frames may go to stdout: print to stderr.
"""
import json
import struct
import sys
from array import array

MAGIC = b"PGEP"
VERSION = 1
HELLO, READY, SCORE, DIST, OBSERVE, OK, BYE, ERROR = 1, 2, 3, 4, 5, 6, 8, 9
_HEAD = struct.Struct("<4sBBHII")


def _read_exact(stream, n):
    buf = bytearray()
    while len(buf) < n:
        part = stream.read(n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


def read_message(stream):
    head = _read_exact(stream, _HEAD.size)
    if head is None:
        return None
    magic, version, kind, _, jlen, plen = _HEAD.unpack(head)
    if magic != MAGIC or version != VERSION:
        raise ValueError("bad frame from the evaluator")
    header = json.loads(_read_exact(stream, jlen).decode("utf-8"))
    payload = _read_exact(stream, plen) if plen else b""
    return kind, header, payload


def write_message(stream, kind, header, payload=b""):
    j = json.dumps(header).encode("utf-8")
    j += b" " * (-len(j) % 4)  # keeps the payload 4-byte aligned for the reader
    stream.write(_HEAD.pack(MAGIC, VERSION, kind, 0, len(j), len(payload)))
    stream.write(j)
    if payload:
        stream.write(payload)
    stream.flush()


def tokens_of(payload):
    a = array("i")
    a.frombytes(payload)
    if sys.byteorder != "little":
        a.byteswap()
    return a


class Model:
    """score(tokens, history) -> bytes of float32 log-probs [len(tokens), vocab]; must not change the model.
    observe(tokens, history): the chunk's real tokens after scoring (test-time training goes here)."""

    def load(self, artifact: bytes, hello: dict):
        raise NotImplementedError

    def score(self, tokens, history) -> bytes:
        raise NotImplementedError

    def observe(self, tokens, history):
        pass


def serve(model: Model):
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    history = array("i")
    try:
        while True:
            msg = read_message(stdin)
            if msg is None:
                return
            kind, header, payload = msg
            if kind == HELLO:
                with open(header["artifact"], "rb") as f:
                    model.load(f.read(), header)
                history = array("i", [header["bos"]])
                write_message(stdout, READY, {"name": type(model).__name__, "model": "python"})
            elif kind == SCORE:
                out = model.score(tokens_of(payload), history)
                write_message(stdout, DIST, {"chunk": header["chunk"], "n": len(payload) // 4}, out)
            elif kind == OBSERVE:
                toks = tokens_of(payload)
                model.observe(toks, history)
                history.extend(toks)
                write_message(stdout, OK, {})
            elif kind == BYE:
                return
    except Exception as e:  # report, then exit non-zero
        write_message(stdout, ERROR, {"message": f"{type(e).__name__}: {e}"})
        raise
