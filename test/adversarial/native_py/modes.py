"""Attack class 6, native code: the entry carries a shared library of its own (here a copy of the
system's zlib stands for one it compiled), writes it to its scratch folder and loads it with ctypes, to
run code outside any interpreter-level rule. It raises when the load fails."""
import ctypes
import glob
import os
import shutil
import sys


def misbehave(cfg, side):
    src = next(iter(sorted(glob.glob("/usr/lib/*/libz.so.1") + glob.glob("/lib/*/libz.so.1"))), None)
    if src is None:
        raise RuntimeError("no libz.so.1 to stand for the entry's own library")
    dst = os.path.join(os.environ.get("TMPDIR", "/tmp"), "libentry.so")
    shutil.copyfile(src, dst)
    lib = ctypes.CDLL(dst)
    print(f"{side}: loaded my own native library {dst}: {lib}", file=sys.stderr)
