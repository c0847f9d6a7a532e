#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Replay a dm-log-writes log to every point a power loss could leave the
disk at, and check that every write the guest was told is durable is there.

The log (drivers/md/dm-log-writes.c, the kernel's
Documentation/admin-guide/device-mapper/log-writes.rst): a super block in
the first sector (le64 magic, version, nr_entries; le32 sectorsize), then
entries, each a sector-sized header (le64 sector, nr_sectors, flags,
data_len; a mark's text inline after it) followed, for a write, by
nr_sectors sectors of its data. A plain write is logged only once a later
flush (REQ_PREFLUSH) that was issued after the write completed has itself
completed: the writes before a flush entry are exactly those the device had
completed when the flush was issued. A FUA write is logged as it completes.
So after a flush entry or a FUA write the replayed log is what the disk
holds if the power goes then; these are the durability points.

The guest's workload (tests/lab/scenarios/crash.sh) writes records one at a
time, each a 4 KiB slot filled with the line
"vbdcrash RUN seq=NNNNNNNNNN slot=SSSS" repeated, and after each write's
flush has completed prints "CRASH-DURABLE SEQ SLOT [KIND]": a claim.
Writes are sequential, so write SEQ+1 reached the disk after claim SEQ was
made, and a power loss just after the claim leaves the disk at the last durability
point before write SEQ+1 in the log (the last one of all for the last
claim). At that point, and every later one, the claim's slot must hold its
record or a later one. Every durability point of the log is checked against
every claim due by then.

Output: one "CRASH ..." summary line of counts; "MISSING ..." lines (the
first few) for blocks not found. Exit status 0 when nothing is missing or
wrong, 1 when something is, 2 when the log or the claims cannot be read.

Options to prove the check can fail: --truncate-last-flush drops the log
from its last durability point on (the disk lost the last flush), and
--claim-extra makes up a claim for a record never written.
"""

import argparse
import struct
import sys

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK, METADATA = 1, 2, 4, 8, 16
SLOT = 4096


class LogError(Exception):
    pass


def read_log(path):
    """The log's entries: (flags, sector, nr_sectors, data, mark) each."""
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 512:
        raise LogError('log shorter than a sector')
    magic, version, nr_entries, ssize = struct.unpack_from('<QQQI', raw, 0)
    if magic != MAGIC:
        raise LogError('bad magic %#x' % magic)
    if version != 1 or ssize not in (512, 1024, 2048, 4096):
        raise LogError('version %d, sector size %d' % (version, ssize))
    entries = []
    off = ssize
    for n in range(nr_entries):
        if off + ssize > len(raw):
            raise LogError('entry %d past the end of the log' % n)
        sector, nr, flags, dlen = struct.unpack_from('<QQQQ', raw, off)
        mark = None
        data = b''
        if flags & MARK:
            mark = raw[off + 32:off + 32 + dlen].decode('ascii', 'replace')
        off += ssize
        if not flags & (DISCARD | MARK) and nr:
            data = raw[off:off + nr * ssize]
            if len(data) != nr * ssize:
                raise LogError('entry %d: data past the end of the log' % n)
            off += nr * ssize
        entries.append((flags, sector * ssize, nr * ssize, data, mark))
    return entries


def record(run, seq, slot):
    line = b'vbdcrash %s seq=%010d slot=%04d\n' % (run.encode(), seq, slot)
    return (line * (SLOT // len(line) + 1))[:SLOT]


def parse_record(run, blk):
    """(seq, slot) of a well-formed record, None for zeros, 'bad' else."""
    if blk == bytes(SLOT):
        return None
    try:
        head = blk[:blk.index(b'\n')].decode('ascii').split()
        if head[0] != 'vbdcrash' or head[1] != run:
            return 'bad'
        seq = int(head[2][4:])
        slot = int(head[3][5:])
    except (ValueError, IndexError, UnicodeDecodeError):
        return 'bad'
    if blk != record(run, seq, slot):
        return 'bad'
    return seq, slot


def read_claims(path, kinds):
    """(seq, slot) of each "CRASH-DURABLE SEQ SLOT [KIND]" line, of the
    given kinds (all when none is given)."""
    claims = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) in (3, 4) and w[0] == 'CRASH-DURABLE':
                if kinds and (w[3] if len(w) == 4 else '') not in kinds:
                    continue
                claims.append((int(w[1]), int(w[2])))
    return claims


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--log', required=True, help='the log device or a copy')
    ap.add_argument('--claims', required=True,
                    help="the guest's output (CRASH-DURABLE SEQ SLOT lines)")
    ap.add_argument('--run', required=True, help="the records' run tag")
    ap.add_argument('--slots', type=int, required=True)
    ap.add_argument('--kind', action='append', default=[],
                    help='check only the claims of this kind (the fourth word)')
    ap.add_argument('--truncate-last-flush', action='store_true')
    ap.add_argument('--claim-extra', action='store_true')
    ap.add_argument('--show', type=int, default=5,
                    help='MISSING lines to print at most')
    a = ap.parse_args()

    try:
        entries = read_log(a.log)
        claims = read_claims(a.claims, a.kind)
    except (OSError, LogError) as e:
        print('CRASH error: %s' % e)
        return 2
    if not claims:
        print('CRASH error: no claims')
        return 2
    last = 0
    for k, (seq, slot) in enumerate(claims):
        if seq <= last or not 0 <= slot < a.slots:
            print('CRASH error: claim %d is seq %d slot %d' % (k, seq, slot))
            return 2
        last = seq

    points = [i for i, e in enumerate(entries) if e[0] & (FLUSH | FUA)]
    ended = bool(entries) and entries[-1][4] == 'dm-log-writes-end'
    if a.truncate_last_flush and points:
        entries = entries[:points[-1]]
        points.pop()

    # Where each record first reaches the log.
    first = {}
    outside = bad_writes = writes = 0
    size = a.slots * SLOT
    for i, (flags, off, length, data, _) in enumerate(entries):
        if flags & MARK or not length:
            continue
        writes += 1
        if off + length > size or off % SLOT or length % SLOT:
            outside += 1
            continue
        for k in range(0, length, SLOT):
            r = parse_record(a.run, data[k:k + SLOT])
            if r == 'bad' or (r and r[1] != (off + k) // SLOT):
                bad_writes += 1
            elif r:
                first.setdefault(r[0], i)
    if a.claim_extra:
        extra = max([claims[-1][0]] + list(first)) + 1
        claims.append((extra, (claims[-1][1] + 1) % a.slots))

    # The durability point each claim is due at: the last one before the
    # next record reached the log (-1: none, the disk as it started).
    due = {}
    for seq, slot in claims:
        nxt = first.get(seq + 1, len(entries))
        p = -1
        for q in points:
            if q >= nxt:
                break
            p = q
        due.setdefault(p, []).append((seq, slot))

    state = bytearray(size)
    held = [None] * a.slots  # each slot's record, parsed as it changes
    need = {}  # slot -> the least seq it must hold
    checked = missing = corrupt = 0
    shown = 0
    applied = 0
    for p in [-1] + points:
        while applied <= p:
            flags, off, length, data, _ = entries[applied]
            applied += 1
            if flags & MARK or off >= size:
                continue
            end = min(off + length, size)
            if flags & DISCARD:
                state[off:end] = bytes(end - off)
            else:
                state[off:end] = data[:end - off]
            for slot in range(off // SLOT, (end + SLOT - 1) // SLOT):
                held[slot] = parse_record(a.run, bytes(state[slot * SLOT:(slot + 1) * SLOT]))
        for seq, slot in due.get(p, []):
            need[slot] = max(need.get(slot, 0), seq)
        if p < 0 and not need:
            continue
        for slot in range(a.slots):
            r = held[slot]
            if r == 'bad' or (r and r[1] != slot):
                corrupt += 1
            if slot not in need:
                continue
            checked += 1
            if r is None or r == 'bad' or r[0] < need[slot]:
                missing += 1
                if shown < a.show:
                    shown += 1
                    print('MISSING at log entry %d: slot %d should hold seq >= %d, holds %s'
                          % (p, slot, need[slot], 'zeros' if r is None else r))
    nflush = sum(1 for e in entries if e[0] & FLUSH)
    nfua = sum(1 for e in entries if e[0] & FUA)
    print('CRASH flush_points=%d blocks_checked=%d missing=%d corrupt=%d claims=%d '
          'entries=%d writes=%d flushes=%d fua=%d outside=%d bad_writes=%d end_mark=%d'
          % (len(points), checked, missing, corrupt, len(claims), len(entries), writes,
             nflush, nfua, outside, bad_writes, int(ended)))
    ok = missing == 0 and corrupt == 0 and bad_writes == 0 and outside == 0
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
