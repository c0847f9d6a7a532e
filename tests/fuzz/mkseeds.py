#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Write the fuzzer's seed corpus: one valid request of every kind in both
# layouts, laid out as proto_fuzz.c reads its input, so that coverage starts
# from requests that get past validation. The files are checked in; run this
# again (from anywhere) only when the input layout or the seeds change.
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# The configuration byte (proto_fuzz.c, FUZZ_CFG_*).
X86_32, LBS_4K, DISCARD, SECURE, READONLY = 0x01, 0x02, 0x10, 0x20, 0x40
IND_256, IND_4096 = 1 << 2, 2 << 2

# blkif operations.
READ, WRITE, BARRIER, FLUSH, DISCARD_OP, INDIRECT = 0, 1, 2, 3, 5, 6

SLOT = 112
ID = 0x1122334455667788
HANDLE = 0x33


def seg(first, last, gref=8):
    return struct.pack("<IBBH", gref, first, last, 0)


def rw(abi64, op, sector, segs):
    """A direct read, write, flush or barrier with its segments."""
    pad = b"\0" * 4 if abi64 else b""
    return (struct.pack("<BBH", op, len(segs), HANDLE) + pad +
            struct.pack("<QQ", ID, sector) + b"".join(segs))


def discard(abi64, sector, nr, secure):
    pad = b"\0" * 4 if abi64 else b""
    return (struct.pack("<BBH", DISCARD_OP, 1 if secure else 0, HANDLE) +
            pad + struct.pack("<QQQ", ID, sector, nr))


def indirect(abi64, op, nr_segs, sector):
    pad = b"\0" * 4 if abi64 else b""
    grefs = struct.pack("<8I", *range(100, 108))
    return (struct.pack("<BBH", INDIRECT, op, nr_segs) + pad +
            struct.pack("<QQH", ID, sector, HANDLE) + b"\0\0" + grefs)


def seed(name, cfg, nr_sectors, slot, rest=b""):
    assert len(slot) <= SLOT
    data = (bytes([cfg]) + struct.pack("<Q", nr_sectors) +
            slot.ljust(SLOT, b"\0") + rest)
    with open(os.path.join(CORPUS, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for abi64 in (True, False):
        a = "64" if abi64 else "32"
        c = 0 if abi64 else X86_32
        full = seg(0, 7)
        seed(f"read-{a}", c, 2048, rw(abi64, READ, 8, [seg(1, 3)]))
        seed(f"write-{a}", c, 2048, rw(abi64, WRITE, 0, [full] * 11))
        seed(f"read-ro-{a}", c | READONLY, 2048,
             rw(abi64, READ, 2040, [full]))
        seed(f"read-4k-{a}", c | LBS_4K, 2048,
             rw(abi64, READ, 16, [full, full]))
        seed(f"flush-{a}", c, 2048, rw(abi64, FLUSH, 0, []))
        seed(f"flush-data-{a}", c, 2048, rw(abi64, FLUSH, 100, [seg(0, 0)]))
        seed(f"barrier-{a}", c, 2048, rw(abi64, BARRIER, 0, []))
        seed(f"discard-{a}", c | DISCARD, 2048,
             discard(abi64, 64, 128, False))
        seed(f"discard-secure-{a}", c | DISCARD | SECURE | LBS_4K, 2048,
             discard(abi64, 64, 128, True))
        # Segments repeat to fill the pages: one full-page segment is enough.
        seed(f"indirect-read-{a}", c | IND_256, 1 << 20,
             indirect(abi64, READ, 40, 0), full)
        seed(f"indirect-write-{a}", c | IND_4096 | LBS_4K, 1 << 20,
             indirect(abi64, WRITE, 4096, 8), full)
        seed(f"indirect-mixed-{a}", c | IND_256, 1 << 20,
             indirect(abi64, WRITE, 3, 7), seg(0, 7) + seg(2, 2) + seg(7, 7))


if __name__ == "__main__":
    main()
