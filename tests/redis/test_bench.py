"""`ticketflow bench`: its pieces, and one small real run (figures are measured, never asserted against a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.bench import Topology, bench_tickets, cpu_seconds, figures, peak_rss_mb, process_tree

KEYS = ("tickets_per_s", "p50_s", "p99_s", "cpu_ms_per_ticket", "peak_rss_mb", "sequential_tickets_per_s", "bare_chain_tickets_per_s")


def test_figures_from_latencies_and_wall_time() -> None:
    f = figures("pipeline", [1.0, 2.0, 3.0, 4.0], wall_s=2.0, cpu_s=0.1, rss_mb=100.0)
    assert (f.tickets, f.tickets_per_s, f.p50_s, f.cpu_ms_per_ticket) == (4, 2.0, 2.5, 25.0)
    assert f.p99_s == pytest.approx(3.97)


def test_bench_tickets_are_unique_to_the_run_and_cycle_the_sample() -> None:
    ts = bench_tickets(500, "runA")
    assert len({t.id for t in ts}) == 500 and all(t.id.startswith("runA-") for t in ts)
    assert ts[0].message == ts[425].message  # the 425 sample tickets, cycled


def test_topologies_name_their_queues_and_pools() -> None:
    shared = Topology(workers=2, pool="threads", concurrency=16).commands("io", "cpu", "t")
    assert len(shared) == 2 and all("io,cpu" in cmd and "threads" in cmd for cmd in shared)
    split = Topology(kind="split", workers=1, pool="gevent", concurrency=100, cpu_concurrency=2).commands("io", "cpu", "t")
    assert [cmd[cmd.index("-Q") + 1] for cmd in split] == ["io", "cpu"]
    assert [cmd[cmd.index("-P") + 1] for cmd in split] == ["gevent", "prefork"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_cpu_and_memory_of_a_process_tree_are_read_from_proc() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; sum(range(3_000_000)); time.sleep(5)"])
    try:
        pids = process_tree([os.getpid()])
        assert child.pid in pids
        assert cpu_seconds([os.getpid()]) > 0 and peak_rss_mb([os.getpid()]) > 10
    finally:
        child.kill()
        child.wait()


@pytest.mark.integration
def test_a_small_bench_run_writes_every_figure(tmp_path: Path, redis_url: str) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "-c", "from console.cli import main; main()", "bench", "--tickets", "30", "--latency", "0", "--sequential", "3",
           "--workers", "1", "--concurrency", "4", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = json.loads(out.read_text())
    assert all(rep[k] and rep[k] > 0 for k in KEYS), rep
    assert rep["tickets"] == 30 and set(rep["runs"]) == {"pipeline", "sequential", "bare"}
    assert "pipeline / sequential loop" in proc.stdout and "pipeline / bare chain" in proc.stdout
    # the machine's load beside the figures: other jobs on the same cores move every one of them
    assert all(len(rep["load_average"][name]) == 2 for name in ("pipeline", "bare")) and "load average" in proc.stdout


@pytest.mark.integration
def test_a_solo_worker_profile_measures_only_its_window(tmp_path: Path) -> None:
    """devkit.solo_profile: the window's CPU and calls a ticket come from the worker, and a profile of the real
    stages holds their calls (a dump of the warm-up or of an idle worker would not)."""
    prof = tmp_path / "solo.prof"
    cmd = [sys.executable, "-m", "devkit.solo_profile", "--tickets", "12", "--profile", str(prof)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = json.loads(proc.stdout.strip().splitlines()[-1])
    assert rep["kind"] == "pipeline" and rep["tickets"] == 12 and rep["cpu_ms_per_ticket"] > 0 and rep["calls_per_ticket"] > 1000
    import pstats

    names = {fn for _file, _line, fn in pstats.Stats(str(prof)).stats}  # type: ignore[attr-defined]
    assert {"classify_task", "escalate_task", "_run"} <= names
