"""bench/report.py on a small synthetic results.tsv: ratios as ubhelper.py defines them, files written.

Mounts nothing; runs in well under a second (plus matplotlib's import when it is installed)."""

import importlib.util
import os
import sys

import pytest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "report.py")


def load_report():
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# two reps; the paired ratio is taken per rep, then the median (of two: their mean)
ROWS = [
    # target, rep, workload, metric, value, unit
    ("raw", 1, "W4", "create", 1000, "ops/s"),
    ("raw", 2, "W4", "create", 1000, "ops/s"),
    ("mergerfs", 1, "W4", "create", 200, "ops/s"),
    ("mergerfs", 2, "W4", "create", 100, "ops/s"),
    ("mergerfs-j", 1, "W4", "create", 100, "ops/s"),      # 2.0x mergerfs's time in rep 1
    ("mergerfs-j", 2, "W4", "create", 100, "ops/s"),      # 1.0x in rep 2 -> median 1.5
    ("raw", 1, "W5", "tar_extract", 1.0, "s"),
    ("raw", 2, "W5", "tar_extract", 1.0, "s"),
    ("mergerfs", 1, "W5", "tar_extract", 4.0, "s"),
    ("mergerfs", 2, "W5", "tar_extract", 4.0, "s"),
    ("mergerfs-j", 1, "W5", "tar_extract", 2.0, "s"),     # 0.5 vs mergerfs, 2.0 vs raw
    ("mergerfs-j", 2, "W5", "tar_extract", 2.0, "s"),
    ("mergerfs", 1, "W5", "daemon_cpu", 9.0, "cpu_s"),    # per-workload CPU: left out
    ("mergerfs-j", 1, "W5", "daemon_cpu", 9.0, "cpu_s"),
    ("raw", 1, "ALL", "suite_wall", 10.0, "s"),
    ("raw", 2, "ALL", "suite_wall", 10.0, "s"),
    ("mergerfs", 1, "ALL", "suite_wall", 20.0, "s"),
    ("mergerfs", 2, "ALL", "suite_wall", 20.0, "s"),
    ("mergerfs-j", 1, "ALL", "suite_wall", 25.0, "s"),
    ("mergerfs-j", 2, "ALL", "suite_wall", 23.0, "s"),    # 1.25 and 1.15 -> 1.20
    ("mergerfs", 1, "ALL", "daemon_cpu", 4.0, "cpu_s"),
    ("mergerfs-j", 1, "ALL", "daemon_cpu", 6.0, "cpu_s"),  # 1.5 vs mergerfs, none vs raw
    ("mergerfs-j", 2, "W4", "stat", "NA", "ops/s"),       # unparsable values are skipped
]


@pytest.fixture
def results(tmp_path):
    p = tmp_path / "2030-01-02-results.tsv"
    lines = ["target\trep\tworkload\tmetric\tvalue\tunit"]
    lines += ["\t".join(str(x) for x in r) for r in ROWS]
    p.write_text("\n".join(lines) + "\n")
    return p


def test_ratios_match_ubhelper_definition(results):
    rep = load_report()
    res = rep.Results(str(results))
    create = ("W4", "create", "ops/s")
    tar = ("W5", "tar_extract", "s")
    wall = ("ALL", "suite_wall", "s")
    cpu = ("ALL", "daemon_cpu", "cpu_s")
    assert res.ratio("mergerfs-j", create, "mergerfs") == pytest.approx(1.5)
    assert res.ratio("mergerfs-j", create, "raw") == pytest.approx(10.0)
    assert res.ratio("mergerfs-j", tar, "mergerfs") == pytest.approx(0.5)
    assert res.ratio("mergerfs-j", tar, "raw") == pytest.approx(2.0)
    assert res.ratio("mergerfs-j", wall, "mergerfs") == pytest.approx(1.2)
    assert res.ratio("mergerfs-j", cpu, "mergerfs") == pytest.approx(1.5)
    assert res.ratio("mergerfs-j", cpu, "raw") is None
    keys = res.report_keys()
    assert ("W5", "daemon_cpu", "cpu_s") not in keys and cpu in keys
    assert rep.compared(res.targets, "mergerfs") == ["mergerfs-j"]


def test_markdown_and_chart_written(results, tmp_path, capsys):
    rep = load_report()
    out = tmp_path / "out"
    assert rep.main([str(results), "--out-dir", str(out)]) == 0
    md = (out / "2030-01-02-ratios.md").read_text()
    assert "2030-01-02 (2 reps)" in md
    vs_ref = md.split("## Against the raw")[0]           # the first table: against mergerfs
    rows = {l.split("|")[2].strip(): l for l in vs_ref.splitlines() if l.startswith(("| W", "| ALL"))}
    assert "| 1.50 |" in rows["create"]
    assert "**0.50**" in rows["tar extract `tar_extract`"]          # at most 1.0 vs mergerfs: bold
    assert "1.20" in rows["whole suite, wall time `suite_wall`"]
    printed = capsys.readouterr().out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "PNG chart skipped" in printed
        pytest.skip("matplotlib is not installed: PNG not checked")
    png = out / "2030-01-02-chart.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prefix_option(results, tmp_path):
    rep = load_report()
    rep.main([str(results), "--out-dir", str(tmp_path / "o"), "--name", "x-run9"])
    assert (tmp_path / "o" / "x-run9-ratios.md").exists()


def test_no_matplotlib_still_writes_markdown(results, tmp_path, capsys, monkeypatch):
    rep = load_report()
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # makes "import matplotlib" fail
    out = tmp_path / "nompl"
    assert rep.main([str(results), "--out-dir", str(out)]) == 0
    assert (out / "2030-01-02-ratios.md").exists()
    assert not (out / "2030-01-02-chart.png").exists()
    assert "PNG chart skipped" in capsys.readouterr().out
