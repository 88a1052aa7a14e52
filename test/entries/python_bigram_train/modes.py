"""Deliberate misbehaviour for pgolf's confinement tests, shared by train.py and entry.py.

config.json "mode" (overridable through PGOLF_CONFIG or the HELLO's config):
  "honest"  (default) nothing
  "socket"  connect to 127.0.0.1:<"port"> and send a request (there must be no network)
  "reader"  read <"path">, the course's validation shard, directly and through /proc/<"host_pid">/root
  "forker"  fork sleeping children until the system refuses (run only under the worker's pids limit)
  "sleepy"  train.py sleeps past the cap
Each attempt that is blocked raises, so a contained entry fails loudly; one that got through carries on.
"""
import os
import socket
import sys
import time


def misbehave(cfg, side):
    mode = cfg.get("mode", "honest")
    if mode == "socket":
        with socket.create_connection(("127.0.0.1", int(cfg["port"])), timeout=5) as s:
            s.sendall(f"GET /leak?side={side} HTTP/1.0\r\n\r\n".encode())
        print(f"{side}: reached 127.0.0.1:{cfg['port']}", file=sys.stderr)
    elif mode == "reader":
        paths = [cfg["path"]]
        if cfg.get("host_pid"):
            paths.append(f"/proc/{cfg['host_pid']}/root{cfg['path']}")
        errors = []
        for p in paths:
            try:
                with open(p, "rb") as f:
                    leaked = f.read(1024)
                print(f"{side}: read {len(leaked)} bytes of {p}", file=sys.stderr)
                return leaked
            except OSError as e:
                errors.append(f"{p}: {e.strerror}")
        raise OSError(f"{side} could not read the validation shard ({'; '.join(errors)})")
    elif mode == "forker":
        n = 0
        try:
            while n < 100_000:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                n += 1
        except OSError as e:
            raise SystemExit(f"{side}: fork refused after {n} processes: {e}")
    elif mode == "sleepy" and side == "train":
        time.sleep(3600)
    return b""
