#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's summary of a lab run (scripts/bench.sh calls it).

usage: scripts/bench-report.py DIR

Reads DIR/raw.csv (one line per fio run, as tests/lab/scenarios/bench.sh
writes it; columns by name, so a raw.csv without the newer columns, such
as cap_pct and guests, still reads) and DIR/meta.json, and writes
DIR/summary.csv, DIR/results.json, DIR/table.txt (also printed),
DIR/table.rst and, with gnuplot, DIR/bench.png.

Per device and profile: the mean of each backend's runs and vbdback/stock
ratios. dom0 CPU per I/O is Xen's CPU time of dom0 over the run, less what
dom0 spent while the guest slept as long (the lab's own polling), per I/O;
for a capped run, less what dom0 spent over that idle window once (the run
lasts longer under the cap, the lab's own work per command does not).
For a run with dom0 capped (cap_pct > 0), dom0's busy share of its cap is
Xen's CPU time of dom0 over the run / (cap x the run's time); a run under
90% of its cap was not dom0-bound and is flagged.
"""

import csv
import json
import math
import os
import shutil
import subprocess
import sys

BACKENDS = ("stock", "vbdback")
# the share of its cap under which dom0 was not the bottleneck of a run
CAP_BUSY_MIN = 0.90

SUMMARY_COLUMNS = [
    "device", "profile", "runs_stock", "runs_vbdback",
    "iops_stock", "iops_vbdback", "iops_ratio",
    "mbps_stock", "mbps_vbdback", "mbps_ratio",
    "lat_mean_us_stock", "lat_mean_us_vbdback", "lat_mean_ratio",
    "lat_p50_us_stock", "lat_p50_us_vbdback", "lat_p50_ratio",
    "lat_p99_us_stock", "lat_p99_us_vbdback", "lat_p99_ratio",
    "dom0_cpu_us_per_io_stock", "dom0_cpu_us_per_io_vbdback", "dom0_cpu_ratio",
    "iops_spread_stock", "iops_spread_vbdback",
    "guests", "cap_pct",
    "cap_busy_min_stock", "cap_busy_min_vbdback", "cap_flagged_runs",
]

# (summary column stem, raw column, format) of the means
MEANS = [
    ("iops", "iops", "%.1f"),
    ("mbps", "mbps", "%.2f"),
    ("lat_mean_us", "lat_mean_us", "%.1f"),
    ("lat_p50_us", "lat_p50_us", "%.1f"),
    ("lat_p99_us", "lat_p99_us", "%.1f"),
    ("dom0_cpu_us_per_io", "dom0_cpu_us_per_io", "%.1f"),
]
RATIO_NAMES = {
    "iops": "iops_ratio", "mbps": "mbps_ratio", "lat_mean_us": "lat_mean_ratio",
    "lat_p50_us": "lat_p50_ratio", "lat_p99_us": "lat_p99_ratio",
    "dom0_cpu_us_per_io": "dom0_cpu_ratio",
}


def num(row, name, default=0.0):
    """A raw column as a number; default when absent or empty."""
    v = row.get(name)
    if v is None or v == "":
        return default
    return float(v)


def backend_of(row):
    return "vbdback" if row["backend"] == "vbdback" else "stock"


def derive(row):
    """The figures computed per run: dom0 CPU per I/O, its cap's busy share."""
    ios = num(row, "ios")
    dom0 = num(row, "dom0_s")
    elapsed = num(row, "elapsed_s")
    idle_t = num(row, "idle_elapsed_s")
    cap = num(row, "cap_pct")
    idle = num(row, "idle_dom0_s") / idle_t * elapsed if idle_t > 0 else 0.0
    if cap > 0:
        # a capped run's time stretches with the cap, the lab's own work
        # does not: the idle window's once, not per second
        idle = num(row, "idle_dom0_s")
    row["dom0_cpu_us_per_io"] = (dom0 - idle) / ios * 1e6 if ios > 0 else 0.0
    if cap > 0 and elapsed > 0:
        row["cap_busy"] = dom0 / (cap / 100.0 * elapsed)
    else:
        row["cap_busy"] = None
    return row


def ratio(x, y):
    return "%.3f" % (x / y) if y > 0 else ""


def summarize(runs):
    """One summary row (column name -> text) per device and profile."""
    keys = []
    groups = {}
    for r in runs:
        k = (r["device"], r["profile"])
        if k not in groups:
            keys.append(k)
            groups[k] = {b: [] for b in BACKENDS}
        groups[k][backend_of(r)].append(r)
    out = []
    for k in keys:
        g = groups[k]
        s = {"device": k[0], "profile": k[1]}
        means = {}
        for b in BACKENDS:
            s["runs_" + b] = "%d" % len(g[b])
        for stem, col, fmt in MEANS:
            for b in BACKENDS:
                vals = [r[col] if isinstance(r[col], float) else num(r, col) for r in g[b]]
                means[stem, b] = sum(vals) / len(vals) if vals else 0.0
                s["%s_%s" % (stem, b)] = fmt % means[stem, b]
            s[RATIO_NAMES[stem]] = ratio(means[stem, "vbdback"], means[stem, "stock"])
        for b in BACKENDS:
            iops = [num(r, "iops") for r in g[b]]
            m = means["iops", b]
            s["iops_spread_" + b] = "%.4f" % ((max(iops) - min(iops)) / m) if m > 0 else ""
        every = g["stock"] + g["vbdback"]
        s["guests"] = "%d" % max(num(r, "guests", 1.0) for r in every)
        caps = sorted({num(r, "cap_pct") for r in every})
        s["cap_pct"] = "/".join("%g" % c for c in caps) if caps != [0.0] else ""
        flagged = 0
        for b in BACKENDS:
            busy = [r["cap_busy"] for r in g[b] if r["cap_busy"] is not None]
            s["cap_busy_min_" + b] = "%.3f" % min(busy) if busy else ""
            flagged += sum(1 for x in busy if x < CAP_BUSY_MIN)
        s["cap_flagged_runs"] = "%d" % flagged if s["cap_pct"] else ""
        out.append(s)
    return out


def as_json_value(v):
    """A CSV field as JSON would have it: a number where it is one."""
    if isinstance(v, (int, float)) or v is None:
        return v
    try:
        f = float(v)
    except ValueError:
        return v
    if not math.isfinite(f):
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f


def fmt_busy(x):
    if x is None:
        return ""
    return "%.2f%s" % (x, "!" if x < CAP_BUSY_MIN else "")


def table(summary, runs):
    """The terminal table, and the cap's busy share of every capped run."""
    lines = []
    row = "%-7s %-10s %9s %9s %6s %6s %6s %6s %6s %7s %8s"
    lines.append(row % ("device", "profile", "IOPS", "IOPS", "IOPS", "MB/s", "lat",
                        "p50", "p99", "dom0", "dom0 cap"))
    lines.append(row % ("", "", "stock", "vbdback", "ratio", "ratio", "ratio",
                        "ratio", "ratio", "CPU/IO", "busy min"))
    for s in summary:
        busy = [float(s[c]) for c in ("cap_busy_min_stock", "cap_busy_min_vbdback") if s[c]]
        name = s["profile"] if s["guests"] == "1" else "%s(x%s)" % (s["profile"], s["guests"])
        lines.append(row % (s["device"], name, "%.0f" % float(s["iops_stock"]),
                            "%.0f" % float(s["iops_vbdback"]), s["iops_ratio"],
                            s["mbps_ratio"], s["lat_mean_ratio"], s["lat_p50_ratio"],
                            s["lat_p99_ratio"], s["dom0_cpu_ratio"],
                            fmt_busy(min(busy)) if busy else ""))
    lines.append("(ratios: vbdback / stock, means of each backend's runs; IOPS and MB/s: higher is")
    lines.append(" better for vbdback above 1; latency and dom0 CPU per I/O: better below 1)")
    capped = [r for r in runs if r["cap_busy"] is not None]
    if capped:
        lines.append("")
        lines.append("dom0 capped: Xen's CPU time of dom0 / (cap x run time), per run"
                     " (! under %.0f%%: not dom0-bound)" % (CAP_BUSY_MIN * 100))
        for r in capped:
            lines.append("  r%s %-7s %-12s %-11s cap %3g%%  busy %-6s IOPS %.0f" % (
                r["round"], r["device"], r["profile"], r["backend"], num(r, "cap_pct"),
                fmt_busy(r["cap_busy"]), num(r, "iops")))
        bad = sum(1 for r in capped if r["cap_busy"] < CAP_BUSY_MIN)
        lines.append("  %d of %d capped runs under %.0f%% of the cap%s" % (
            bad, len(capped), CAP_BUSY_MIN * 100, ": FLAGGED" if bad else ""))
    return "\n".join(lines) + "\n"


def table_rst(summary):
    """The same as a reStructuredText table, for Documentation/performance.rst."""
    def row(*f):
        return "%-8s%-12s%-10s%-10s%-7s%-7s%-7s%-7s%-7s%-8s%s" % f

    rule = row("=======", "==========", "========", "========", "=====", "=====",
               "=====", "=====", "=====", "======", "========")
    lines = [rule,
             row("device", "profile", "IOPS", "IOPS", "IOPS", "MB/s", "mean", "p50",
                 "p99", "dom0", "dom0 cap"),
             row("", "", "stock", "vbdback", "ratio", "ratio", "lat", "lat", "lat",
                 "CPU/IO", "busy min"),
             rule]
    for s in summary:
        busy = [float(s[c]) for c in ("cap_busy_min_stock", "cap_busy_min_vbdback") if s[c]]
        name = s["profile"] if s["guests"] == "1" else "%s(x%s)" % (s["profile"], s["guests"])
        lines.append(row(s["device"], name, "%.0f" % float(s["iops_stock"]),
                         "%.0f" % float(s["iops_vbdback"]), s["iops_ratio"], s["mbps_ratio"],
                         s["lat_mean_ratio"], s["lat_p50_ratio"], s["lat_p99_ratio"],
                         s["dom0_cpu_ratio"], fmt_busy(min(busy)) if busy else "").rstrip())
    lines.append(rule)
    return "\n".join(lines) + "\n"


def chart(d, summary):
    """bench.png: the ratios as clustered bars, if gnuplot is there."""
    if not shutil.which("gnuplot"):
        print("bench: no gnuplot (make deps): no chart")
        return
    cols = ("iops_ratio", "lat_p50_ratio", "lat_p99_ratio", "dom0_cpu_ratio")
    data = os.path.join(d, "chart.dat")
    vals = []
    with open(data, "w") as f:
        for s in summary:
            f.write("%s/%s %s\n" % (s["device"], s["profile"],
                                    " ".join(s[c] or "?" for c in cols)))
            vals += [float(s[c]) for c in cols if s[c]]
    if not summary:
        return
    # the ratios lie near 1: an axis from 0 would hide a 5% difference
    lo = math.trunc((min(vals, default=1) - 0.05) * 10) / 10
    hi = math.trunc((max(vals, default=1) + 0.149) * 10) / 10
    lo = (max(lo, 0) if lo < 0.8 else 0.8)
    hi = hi if hi > 1.2 else 1.2
    title = ""
    try:
        with open(os.path.join(d, "title.txt")) as f:
            title = f.readline().strip()
    except OSError:
        pass
    n = len(summary)
    script = f"""set terminal pngcairo size {max(n * 75, 900)},600 font "sans,11" noenhanced
set output "{d}/bench.png"
set title "vbdback / stock xen-blkback, same boot, under icount\\n{title}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "?"
set yrange [{lo:g}:{hi:g}]
set ylabel "ratio vbdback / stock"
set grid ytics
set xtics rotate by -35 scale 0
set key outside bottom center horizontal maxrows 2
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
plot "{data}" using 2:xtic(1) title "IOPS (higher is better)" lc rgb "#2e7d32", \\
	'' using 3 title "p50 latency (lower is better)" lc rgb "#1565c0", \\
	'' using 4 title "p99 latency (lower is better)" lc rgb "#90caf9", \\
	'' using 5 title "dom0 CPU per I/O (lower is better)" lc rgb "#ef6c00"
"""
    if subprocess.run(["gnuplot"], input=script, text=True).returncode != 0:
        print("bench: gnuplot failed")


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: bench-report.py DIR")
    d = os.path.abspath(sys.argv[1])
    with open(os.path.join(d, "raw.csv"), newline="") as f:
        reader = csv.DictReader(f)
        raw_columns = reader.fieldnames or []
        runs = [derive(dict(r)) for r in reader]
    if not runs:
        sys.exit("bench: no runs in %s/raw.csv" % d)
    summary = summarize(runs)
    with open(os.path.join(d, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, SUMMARY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(summary)
    try:
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        meta = {}
    results = {
        "meta": meta,
        "summary": [{k: as_json_value(v) for k, v in s.items()} for s in summary],
        "runs": [{k: as_json_value(r[k]) for k in raw_columns} for r in runs],
    }
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    text = table(summary, runs)
    with open(os.path.join(d, "table.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    with open(os.path.join(d, "table.rst"), "w") as f:
        f.write(table_rst(summary))
    chart(d, summary)


if __name__ == "__main__":
    main()
