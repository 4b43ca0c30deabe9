#!/usr/bin/python3
"""Benchmark report for a unionbench results.tsv: a markdown table of time ratios and a PNG chart.

    /usr/bin/python3 bench/report.py RESULTS.tsv --out-dir DIR [--name PREFIX] [--ref mergerfs]
        [--config config.txt] [--source NAME] [--date YYYY-MM-DD]

Writes DIR/PREFIX-ratios.md and DIR/PREFIX-chart.png (the chart needs matplotlib,
`apt-get install python3-matplotlib`; without it the markdown is still written and a note says
the PNG was skipped).

Ratios are defined exactly as in ../shared/bench/ubhelper.py's summary: for every target, workload
and metric, the median over repetitions of the paired per-rep *time* ratio target/base, where for
rate units (ops/s, MiB/s, IOPS, entries/s) the time ratio is base_value/target_value and for unit s
it is target_value/base_value; daemon CPU seconds (cpu_s) are compared only between two mounted
targets (target/base), never against raw. < 1 means faster than the base.

PREFIX defaults to the results file name without "-results.tsv" (docs/bench/2026-12-01-results.tsv
gives 2026-12-01); for a plain results.tsv it is the date in the config.txt beside it, else today.
Stdlib only apart from the optional matplotlib.
"""
import argparse
import datetime
import os
import re
import statistics
import sys

HIGHER_BETTER = {"MiB/s", "IOPS", "ops/s", "entries/s"}
# issue #8: at most 1.0x mergerfs everywhere, at most 0.67x for the metadata workloads
PARITY = 1.0
META_TARGET = 0.67
META_WORKLOADS = ("W4", "W5", "W6")

LABELS = {
    "create": "create",
    "stat": "stat",
    "readdir_ls_f": "ls -f",
    "readdir_ls_l": "ls -l",
    "stat_cold_dcache": "stat, cold dcache",
    "unlink": "unlink",
    "tar_extract": "tar extract",
    "find_cold": "find, cold",
    "find_warm": "find, warm",
    "du_s": "du -s",
    "rm_rf": "rm -rf",
    "readdir_merged_ls_f": "merged ls -f",
    "readdir_merged_ls_l": "merged ls -l",
    "stat_only_in_b2": "stat, only on branch 2",
    "seqwrite_incl_fsync": "seq write + fsync",
    "seqwrite_fio_bw": "seq write (fio)",
    "seqwrite_nofsync": "seq write, no fsync",
    "seqread_cold": "seq read, cold",
    "seqread_hot": "seq read, hot",
    "randread4k_j1": "4k random read, 1 job",
    "randread4k_j4": "4k random read, 4 jobs",
    "par4_write_incl_fsync": "4 parallel writers",
    "par4_read_warm": "4 parallel readers",
    "suite_wall": "whole suite, wall time",
    "daemon_cpu": "daemon CPU time",
}


class Results:
    """A results.tsv read the way ubhelper.summary reads it."""

    def __init__(self, path):
        self.path = path
        self.byrep = {}          # (target, key) -> {rep: value}; key = (workload, metric, unit)
        self.targets = []        # in order of first appearance
        self.keys = []
        with open(path) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) != 6 or p[0] == "target":
                    continue
                t, rep, w, m, v, u = p
                try:
                    v = float(v)
                except ValueError:
                    continue
                if t not in self.targets:
                    self.targets.append(t)
                key = (w, m, u)
                if key not in self.keys:
                    self.keys.append(key)
                self.byrep.setdefault((t, key), {})[rep] = v

    def ratio(self, t, key, base):
        """Median over reps of the paired per-rep time ratio t/base (ubhelper's pratio); None if undefined."""
        a, b = self.byrep.get((t, key), {}), self.byrep.get((base, key), {})
        rs = []
        for r in a:
            if r in b and a[r] and b[r]:
                if key[2] in HIGHER_BETTER:
                    rs.append(b[r] / a[r])
                elif key[2] == "s" or (key[2] == "cpu_s" and base != "raw"):
                    rs.append(a[r] / b[r])
        return statistics.median(rs) if rs else None

    def reps(self):
        """The distinct repetition numbers in the file."""
        return sorted({r for v in self.byrep.values() for r in v}, key=lambda r: (len(r), r))

    def report_keys(self):
        """The rows of the report: every workload/metric, daemon_cpu only for ALL."""
        return [k for k in self.keys if k[1] != "daemon_cpu" or k[0] == "ALL"]


def default_ref(targets):
    if "mergerfs" in targets:
        return "mergerfs"
    return next((t for t in targets if t != "raw"), None)


def compared(targets, ref):
    """Targets set against the reference: every one but raw and the reference itself, ours first."""
    first = ["mergerfs-j", "mergerfs-j-cache", "mergerfs-j-pt", "%s-cache" % ref, "unionfs-fuse"]
    rest = [t for t in targets if t not in ("raw", ref)]
    return [t for t in first if t in rest] + [t for t in rest if t not in first]


def label(key):
    return "%s %s" % (key[0], LABELS.get(key[1], key[1]))


def config_of(path):
    """date, nproc and the reps=/size_mb=/... settings from a unionbench config.txt, if there is one."""
    cfg = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith(("date: ", "nproc: ")):
                    k, v = line.split(": ", 1)
                    cfg[k] = v.strip()
                elif line.startswith("reps="):
                    for kv in line.split():
                        k, _, v = kv.partition("=")
                        cfg[k] = v
    except OSError:
        pass
    return cfg


def default_name(tsv, cfg):
    base = os.path.basename(tsv)
    for suffix in ("-results.tsv", "_results.tsv", ".tsv"):
        if base.endswith(suffix) and base != "results.tsv":
            return base[: -len(suffix)]
    m = re.match(r"\d{4}-\d{2}-\d{2}", cfg.get("date", ""))
    return m.group(0) if m else datetime.date.today().isoformat()


def run_date(name, tsv, cfg):
    m = re.match(r"\d{4}-\d{2}-\d{2}", cfg.get("date", ""))
    if m:
        return m.group(0)
    m = re.match(r"\d{4}-\d{2}-\d{2}", name)
    if m:
        return m.group(0)
    return datetime.date.fromtimestamp(os.path.getmtime(tsv)).isoformat()


def reps_text(res):
    n = len(res.reps())
    return "%d rep%s" % (n, "" if n == 1 else "s")


def fmt(r):
    return "-" if r is None else "%.2f" % r


def at_most(r, limit):
    """r <= limit as printed (two decimals), so that a bold 1.00 never hides a 1.004."""
    return r is not None and round(r, 2) <= limit


def write_markdown(res, ref, path, date, source):
    others = compared(res.targets, ref)
    keys = res.report_keys()
    # like for like: X-cache against ref-cache when both were measured
    alt = ref + "-cache"
    pairs = [(t, ref) for t in others]
    if alt in res.targets:
        pairs += [(t, alt) for t in others if t.endswith("-cache") and t != alt]
    L = []
    L.append("# Benchmark time ratios, %s (%s)" % (date, reps_text(res)))
    L.append("")
    L.append("Generated by `bench/report.py` from `%s`; do not edit by hand. Each cell is the median over "
             "repetitions of the paired per-rep time ratio (target time / base time; for rates, base rate / "
             "target rate): **< 1 = faster than the base**. `daemon_cpu` is the FUSE daemon's CPU time over "
             "the whole suite, compared between mounted targets only. Issue #8 asks for at most 1.0 against "
             "%s everywhere and at most %.2f for %s." % (source, ref, META_TARGET, "-".join((META_WORKLOADS[0], META_WORKLOADS[-1]))))

    def table(cols, mark):
        L.append("")
        L.append("| Workload | Metric | " + " | ".join(c[0] for c in cols) + " |")
        L.append("|---|---|" + "---:|" * len(cols))
        for key in keys:
            rs = [res.ratio(t, key, base) for _, t, base in cols]
            if all(r is None for r in rs):
                continue
            cells = ["**%s**" % fmt(r) if mark and at_most(r, PARITY) else fmt(r) for r in rs]
            name = LABELS.get(key[1], key[1])
            if name != key[1]:
                name += " `%s`" % key[1]
            L.append("| %s | %s | %s |" % (key[0], name, " | ".join(cells)))

    L.append("")
    L.append("## Against %s" % ref)
    L.append("")
    L.append("Time ratio vs %s; bold: at most 1.00." % ref)
    table([(t if base == ref else "%s vs %s" % (t, base), t, base) for t, base in pairs], True)
    if "raw" in res.targets:
        L.append("")
        L.append("## Against the raw branch directory")
        L.append("")
        L.append("Time ratio vs `raw` (the same workload on the first branch directory, no FUSE).")
        table([(t, t, "raw") for t in [ref] + others], False)
    L.append("")
    L.append("## Against the issue #8 targets")
    L.append("")
    # against the targets, one line per compared target
    for t in others:
        rs = [(k, res.ratio(t, k, ref)) for k in keys if k[1] != "daemon_cpu"]
        rs = [(k, r) for k, r in rs if r is not None]
        if not rs:
            continue
        par = sum(1 for _, r in rs if at_most(r, PARITY))
        meta = [(k, r) for k, r in rs if k[0] in META_WORKLOADS]
        meta_ok = sum(1 for _, r in meta if at_most(r, META_TARGET))
        wall = res.ratio(t, ("ALL", "suite_wall", "s"), ref)
        s = "- %s: %d of %d metrics at most %.2f against %s" % (t, par, len(rs), PARITY, ref)
        if meta:
            s += ", %d of %d %s metrics at most %.2f" % (meta_ok, len(meta), "/".join(META_WORKLOADS), META_TARGET)
        if wall is not None:
            s += "; whole suite %.2f" % wall
        L.append(s + ".")
    with open(path, "w") as f:
        f.write("\n".join(L).rstrip("\n") + "\n")


def write_chart(res, ref, path, date, cfg):
    """Horizontal bars: every compared target's time ratio against ref, per workload/metric.
    Returns None when done, else the reason it was skipped."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (apt-get install python3-matplotlib)"
    others = compared(res.targets, ref)
    keys = [k for k in res.report_keys() if any(res.ratio(t, k, ref) is not None for t in others)]
    if not others or not keys:
        return "no target to compare with %s" % ref
    n, ns = len(keys), len(others)
    band = 0.8 / ns
    vals = {t: [res.ratio(t, k, ref) for k in keys] for t in others}
    vmax = max([v for vs in vals.values() for v in vs if v is not None] + [PARITY])
    cap = 4.0                                   # longer bars are cut and carry their value
    xmax = min(vmax, cap) * 1.12 + 0.08
    colors = {"mergerfs-j": "#1f77b4", "mergerfs-j-cache": "#6baed6", "mergerfs-j-pt": "#08306b",
              "unionfs-fuse": "#9e9e9e", "mergerfs-cache": "#e6a04b"}
    spare = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]

    fig_h = 1.9 + n * max(0.3, 0.14 * ns + 0.12)
    fig, ax = plt.subplots(figsize=(9.5, fig_h))
    for i, t in enumerate(others):
        c = colors.get(t) or spare[i % len(spare)]
        ys = [y - 0.4 + band * (i + 0.5) for y in range(n)]
        xs = [0 if v is None else min(v, cap) for v in vals[t]]
        ax.barh(ys, xs, height=band * 0.92, color=c, label=t, zorder=2)
        for y, v in zip(ys, vals[t]):
            if v is None:
                continue
            txt = "%.2f" % v + (" >" if v > cap else "")
            bold = t == "mergerfs-j" or ns == 1
            ax.text(min(v, cap) + xmax * 0.006, y, txt, va="center", ha="left",
                    fontsize=7.5 if ns <= 2 else 6.5, fontweight="bold" if bold else "normal", zorder=5,
                    bbox=dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none", alpha=0.75))
    # workload groups on alternating light bands
    groups = []
    for y, k in enumerate(keys):
        if groups and groups[-1][0] == k[0]:
            groups[-1][2] = y
        else:
            groups.append([k[0], y, y])
    for gi, (w, y0, y1) in enumerate(groups):
        if gi % 2 == 0:
            ax.axhspan(y0 - 0.5, y1 + 0.5, color="#f2f2f2", zorder=0)
    ax.axvline(PARITY, color="#d62728", linewidth=1.3, zorder=4, label="parity with %s (1.0)" % ref)
    meta_rows = [y for y, k in enumerate(keys) if k[0] in META_WORKLOADS]
    if meta_rows:
        ax.plot([META_TARGET, META_TARGET], [min(meta_rows) - 0.5, max(meta_rows) + 0.5], color="#2ca02c",
                linestyle="--", linewidth=1.3, zorder=4,
                label="issue #8 target for %s (%.2f)" % ("-".join((META_WORKLOADS[0], META_WORKLOADS[-1])), META_TARGET))
    ax.set_yticks(range(n))
    ax.set_yticklabels([label(k) for k in keys], fontsize=8.5)
    ax.set_ylim(n - 0.5, -0.5)                  # first workload on top
    ax.set_xlim(0, xmax)
    ax.grid(axis="x", color="#dddddd", zorder=1)
    ax.set_xlabel("time ratio vs %s (median of per-rep paired ratios; < 1 = faster than %s)" % (ref, ref),
                  fontsize=9)
    host = ""
    if cfg.get("nproc"):
        host = ", %s cores" % cfg["nproc"]
    size = ", %s MiB data" % cfg["size_mb"] if cfg.get("size_mb") else ""
    who = others[0] if ns == 1 else "Union filesystems'"
    ax.set_title("%s time vs %s, %s (%s%s%s)" % (who, ref, date, reps_text(res), host, size), fontsize=10.5)
    handles, labels = ax.get_legend_handles_labels()
    order = [i for i, l in enumerate(labels) if l in others] + [i for i, l in enumerate(labels) if l not in others]
    ncol = len(labels) if len(labels) <= 4 else 3
    fig.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower center", ncol=ncol,
               fontsize=8, frameon=False)
    legend_rows = (len(labels) + ncol - 1) // ncol
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    fig.tight_layout(rect=(0, (0.12 + 0.2 * legend_rows) / fig_h, 1, 1))
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Ratio table (markdown) and chart (PNG) from a unionbench results.tsv")
    ap.add_argument("results", help="unionbench results.tsv (target rep workload metric value unit)")
    ap.add_argument("--out-dir", required=True, help="where PREFIX-ratios.md and PREFIX-chart.png go")
    ap.add_argument("--name", help="file name prefix (default: from the results file name or its date)")
    ap.add_argument("--ref", help="reference target (default: mergerfs, else the first non-raw target)")
    ap.add_argument("--config", help="unionbench config.txt of the run (default: the one beside the results, if any)")
    ap.add_argument("--source", help="results file name shown in the markdown (default: the file's own name)")
    ap.add_argument("--date", help="date shown in the titles (default: config.txt beside the results, the prefix, the file's mtime)")
    a = ap.parse_args(argv)
    res = Results(a.results)
    if not res.targets:
        sys.exit("report: no results in %s" % a.results)
    ref = a.ref or default_ref(res.targets)
    if ref not in res.targets:
        sys.exit("report: reference target %r is not in %s (targets: %s)" % (ref, a.results, ", ".join(res.targets)))
    cfg = config_of(a.config or os.path.join(os.path.dirname(os.path.abspath(a.results)), "config.txt"))
    name = a.name or default_name(a.results, cfg)
    date = a.date or run_date(name, a.results, cfg)
    if name.startswith(date) and len(name) > len(date):
        date = name                             # 2026-12-01-run2: say which run of the day
    os.makedirs(a.out_dir, exist_ok=True)
    md = os.path.join(a.out_dir, name + "-ratios.md")
    png = os.path.join(a.out_dir, name + "-chart.png")
    write_markdown(res, ref, md, date, a.source or os.path.basename(a.results))
    print("report: wrote %s" % md)
    why = write_chart(res, ref, png, date, cfg)
    if why:
        print("report: NOTE: PNG chart skipped: %s" % why)
        if os.path.exists(png):                 # a chart of other numbers must not stay beside the new table
            os.remove(png)
            print("report: removed the stale %s" % png)
    else:
        print("report: wrote %s" % png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
