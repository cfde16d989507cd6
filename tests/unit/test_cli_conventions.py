"""The command line's habits, through the real entry point in a process of its own."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli._errors import explain, masked

ROOT = Path(__file__).resolve().parents[2]


@functools.cache  # a command line run once per session: two tests read the same run's output
def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from console.cli import main; main()", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1", **env})


def test_short_help_lists_commands_grouped_in_order_without_bool_metavars() -> None:
    out = _cli("-h")
    assert out.returncode == 0, out.stderr
    panels = [p for p in ("Run", "Ingest", "Observe", "Help centre", "Evaluate", "Benchmark") if f"─ {p} " in out.stdout]
    assert panels == ["Run", "Ingest", "Observe", "Help centre", "Evaluate", "Benchmark"]
    assert [out.stdout.index(f"─ {p} ") for p in panels] == sorted(out.stdout.index(f"─ {p} ") for p in panels)
    assert "<bool>" not in out.stdout


def test_version_prints_the_package_version() -> None:
    out = _cli("--version")
    assert out.returncode == 0 and out.stdout.startswith("ticketflow ")


def test_arguments_print_in_capitals_and_choices_are_listed() -> None:
    out = _cli("poll", "-h")
    assert "Usage: ticketflow poll [OPTIONS] HELPDESK" in out.stdout
    assert "zendesk|intercom" in out.stdout
    assert "<bool>" not in out.stdout


def test_worker_help_points_at_celerys_own_options() -> None:
    out = _cli("worker", "--help")
    assert "celery -A worker.app worker --help" in " ".join(out.stdout.split()).replace("│", "").replace("  ", " ")


def test_results_with_redis_down_is_one_line_and_exit_code_2() -> None:
    out = _cli("results", REDIS_URL="redis://127.0.0.1:1/0")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in lines[0] and "--debug" in lines[0]


def test_debug_keeps_the_traceback() -> None:
    out = _cli("--debug", "results", REDIS_URL="redis://127.0.0.1:1/0")
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_a_missing_file_is_one_line_naming_it() -> None:
    out = _cli("enqueue", "no/such/tickets.jsonl")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "no/such/tickets.jsonl" in out.stderr


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (FileNotFoundError(2, "No such file or directory", "corpus/missing.jsonl"), "cannot open corpus/missing.jsonl: no such file"),
        (RuntimeError("wrapped"), None),
    ],
)
def test_explain_names_what_failed_and_knows_what_it_does_not_know(exc: BaseException, says: str | None) -> None:
    got = explain(exc)
    assert (got is None) if says is None else (got is not None and says in got)


def test_a_redis_error_under_another_error_is_still_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    monkeypatch.setenv("REDIS_URL", "redis://:hunter22@127.0.0.1:1/3")
    try:
        try:
            raise redis.ConnectionError("Error 111 connecting")
        except redis.ConnectionError as inner:
            raise RuntimeError("report failed") from inner
    except RuntimeError as outer:
        line = explain(outer)
    assert line is not None and "redis://:[secret]@127.0.0.1:1/3" in line and "hunter22" not in line


def test_masked_hides_only_the_password() -> None:
    assert masked("amqp://guest:guest@127.0.0.1:5672//") == "amqp://guest:[secret]@127.0.0.1:5672//"
    assert masked("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_a_broker_that_does_not_answer_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from kombu.exceptions import OperationalError

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    line = explain(OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused."))
    assert line is not None and line.startswith("cannot reach the broker at redis://127.0.0.1:1/0") and "REDIS_URL" in line


def test_results_with_redis_down_print_no_header_before_the_error() -> None:
    out = _cli("results", REDIS_URL="redis://127.0.0.1:1/0")
    assert out.returncode == 2 and out.stdout == ""
