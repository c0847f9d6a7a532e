#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of an I/O go, stock xen-blkback against vbdback.

usage: scripts/insnprof-report.py BENCH_DIR [--top N]

Reads what make bench BENCH_INSNPROF=1 left in BENCH_DIR: the lab's
insnprof/ folder (per run and per idle window, the instructions each CPU
executed in each code block, and the symbols to name the blocks by) and
raw.csv (the I/Os of each run). CPU 0 runs dom0, CPU 1 the guest; Xen runs
on both, on their behalf.

Each run's counts, less its idle window's, are divided by the run's I/Os,
then averaged over rounds. An idle window is a guest command that only
sleeps as long as a run, measured the same way: what it executes is the
lab's own cost of a command (dom0 forking its tools, the guest's agent),
which is the same for any command, not a rate; it is subtracted once.
Writes BENCH_DIR/insnprof.txt (printed too) and
BENCH_DIR/insnprof.csv (device, profile, backend, cpu, function,
instructions per I/O).
"""

import bisect
import csv
import os
import sys
from collections import defaultdict

CPUS = ("dom0", "guest")
USER_END = 0x0000800000000000
XEN_START, XEN_END = 0xFFFF800000000000, 0xFFFF880000000000
KERNEL_START, MODULES_START = 0xFFFFFFFF80000000, 0xFFFFFFFFC0000000


class Symbols:
    """Addresses to function names: a sorted list searched by bisection."""

    def __init__(self, entries):
        entries.sort()
        self.addrs = [a for a, _ in entries]
        self.names = [n for _, n in entries]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else None


def read_kallsyms(path, modules):
    """(address, name) of code symbols; modules: only those of modules."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mod = parts[3] if len(parts) > 3 else None
                if (mod is not None) != modules:
                    continue
                name = parts[2] if mod is None else "%s %s" % (parts[2], mod)
                out.append((int(parts[0], 16), name))
    except OSError:
        pass
    return out


def region(addr):
    if addr < USER_END:
        return "user"
    if XEN_START <= addr < XEN_END:
        return "xen"
    if KERNEL_START <= addr < MODULES_START:
        return "kernel"
    if addr >= MODULES_START:
        return "modules"
    return "other"


def read_profile(path):
    """{(cpu index, block address): instructions} of one .tsv."""
    counts = defaultdict(int)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            addr = int(parts[0], 16)
            for cpu, n in enumerate(parts[2:2 + len(CPUS)]):
                if int(n):
                    counts[(cpu, addr)] += int(n)
    return counts


def attribute(counts, kernel, modules):
    """{(cpu, region, function): instructions}; Xen and user code unnamed."""
    out = defaultdict(int)
    for (cpu, addr), n in counts.items():
        reg = region(addr)
        if reg == "kernel":
            fn = kernel.name(addr) or "?"
        elif reg == "modules":
            fn = modules[cpu].name(addr) or "? [module]"
        else:
            fn = "[%s]" % reg
        out[(CPUS[cpu], reg, fn)] += n
    return out


def load_runs(bench):
    runs = []
    with open(os.path.join(bench, "raw.csv")) as f:
        for row in csv.DictReader(f):
            runs.append(row)
    return runs


def per_io(d, run, idle_d):
    """A run's counts less its idle window's, per I/O."""
    ios = float(run["ios"])
    out = {}
    for k in set(d) | set(idle_d):
        out[k] = (d.get(k, 0) - idle_d.get(k, 0)) / ios
    return out


def main():
    args = sys.argv[1:]
    top = 25
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    bench = args[0]
    prof = os.path.join(bench, "lab", "insnprof")
    if not os.path.isdir(prof):
        sys.exit("insnprof-report: no %s (make bench BENCH_INSNPROF=1)" % prof)
    kernel = Symbols(read_kallsyms(os.path.join(prof, "kernel.kallsyms"), False))
    if not kernel.addrs:
        sys.exit("insnprof-report: no kernel symbols in %s" % prof)

    # (device, profile, backend) -> list of {(cpu, region, fn): per I/O}
    acc = defaultdict(list)
    # (device, profile, backend, cpu) -> what was subtracted, per I/O
    idle = defaultdict(list)
    for run in load_runs(bench):
        r, dev, p, be = run["round"], run["device"], run["profile"], run["backend"]
        path = os.path.join(prof, "r%s-%s-%s-%s.tsv" % (r, dev, p, be))
        if not os.path.exists(path) or float(run["ios"]) <= 0:
            print("insnprof-report: no profile of r%s %s %s %s" % (r, dev, p, be))
            continue
        mods = [
            Symbols(read_kallsyms(os.path.join(prof, "dom0-r%s-%s.kallsyms" % (r, be)), True)),
            Symbols(read_kallsyms(os.path.join(prof, "guest-r%s-%s-%s.kallsyms" % (r, dev, be)), True)),
        ]
        d = attribute(read_profile(path), kernel, mods)
        idle_path = os.path.join(prof, "idle-r%s-%s-%s.tsv" % (r, dev, be))
        idle_d = {}
        if os.path.exists(idle_path):
            idle_d = attribute(read_profile(idle_path), kernel, mods)
        acc[(dev, p, be)].append(per_io(d, run, idle_d))
        for cpu in CPUS:
            sub = sum(n for k, n in idle_d.items() if k[0] == cpu)
            idle[(dev, p, be, cpu)].append(sub / float(run["ios"]))

    def mean(dev, p, be):
        runs = acc.get((dev, p, be), [])
        out = defaultdict(float)
        for one in runs:
            for k, v in one.items():
                out[k] += v / len(runs)
        return out

    lines = []
    rows = []
    pairs = sorted({(dev, p) for dev, p, _ in acc})
    for dev, p in pairs:
        s, v = mean(dev, p, "xen-blkback"), mean(dev, p, "vbdback")
        for be, m in (("xen-blkback", s), ("vbdback", v)):
            for (cpu, reg, fn), x in sorted(m.items()):
                rows.append([dev, p, be, cpu, reg, fn, "%.1f" % x])
        lines.append("%s %s: instructions per I/O (runs less idle; %d+%d runs)"
                     % (dev, p, len(acc.get((dev, p, "xen-blkback"), [])),
                        len(acc.get((dev, p, "vbdback"), []))))
        lines.append("  %-44s %10s %10s %8s %7s" % ("", "stock", "vbdback", "diff", "ratio"))

        def line(label, a, b):
            ratio = "%.3f" % (b / a) if a > 0 else ""
            lines.append("  %-44s %10.0f %10.0f %+8.0f %7s" % (label, a, b, b - a, ratio))

        line("total", sum(s.values()), sum(v.values()))

        def idle_mean(be, cpu):
            x = idle.get((dev, p, be, cpu), [])
            return sum(x) / len(x) if x else 0.0

        for cpu in CPUS:
            line("(%s idle, subtracted)" % cpu, idle_mean("xen-blkback", cpu),
                 idle_mean("vbdback", cpu))
        for cpu in CPUS:
            for reg in ("kernel", "modules", "xen", "user", "other"):
                a = sum(x for k, x in s.items() if k[0] == cpu and k[1] == reg)
                b = sum(x for k, x in v.items() if k[0] == cpu and k[1] == reg)
                if abs(a) >= 0.5 or abs(b) >= 0.5:
                    line("%s %s" % (cpu, reg), a, b)
        # The backends' own code: the one dom0 figure the lab's own
        # processes do not reach (they swing dom0's totals from run to run).
        line("dom0 backend module's code",
             sum(x for k, x in s.items() if k[0] == "dom0" and k[2].endswith(" [xen_blkback]")),
             sum(x for k, x in v.items() if k[0] == "dom0" and k[2].endswith(" [vbdback]")))
        keys = set(s) | set(v)
        diff = sorted(keys, key=lambda k: -abs(v.get(k, 0) - s.get(k, 0)))[:top]
        lines.append("  the %d functions that differ most (vbdback - stock, per I/O):" % len(diff))
        for k in diff:
            line("%s %s" % (k[0], k[2])[:44], s.get(k, 0), v.get(k, 0))
        for be, m in (("stock", s), ("vbdback", v)):
            dom0 = sorted(((x, k) for k, x in m.items() if k[0] == "dom0"), reverse=True)[:top]
            lines.append("  %s: dom0's %d costliest functions per I/O:" % (be, len(dom0)))
            for x, k in dom0:
                lines.append("    %10.0f  %s" % (x, k[2]))
        lines.append("")

    text = "\n".join(lines)
    with open(os.path.join(bench, "insnprof.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(bench, "insnprof.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["device", "profile", "backend", "cpu", "region", "function", "insns_per_io"])
        w.writerows(rows)
    print(text)
    print("insnprof-report: %s/insnprof.txt, insnprof.csv" % bench)


if __name__ == "__main__":
    main()
