"""Bulk import of JSONL and CSV into a real Redis: rejected rows with line numbers, safe re-runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from console.cli import app as cli
from producer.bulk import import_file
from producer.enqueue import Enqueuer
from worker import keys
from worker.errors import TicketInvalid
from worker.settings import Settings, load_settings


@pytest.fixture
def settings(use_env: dict[str, str]) -> Settings:
    return load_settings()


def accepted_ids(r: redis.Redis) -> set[str]:
    return {k.decode().rsplit(":", 1)[-1] for k in r.keys(f"{keys.PREFIX}:seen:*")}  # type: ignore[union-attr]


def test_jsonl_enqueues_good_rows_and_reports_bad_ones_by_line(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    f = tmp_path / "t.jsonl"
    f.write_bytes(b'{"id": "j1", "message": "How do I export?"}\n\n{"id": "j2"}\nnot json\n\xff\xfe\n[1]\n{"id": "j3", "text": "Reset password"}\n')
    out = import_file(f, Enqueuer(r, settings))
    assert (out.read, out.enqueued, out.duplicates) == (6, 2, 0)
    assert [(x.line, x.field) for x in out.rejected] == [(3, "message"), (4, None), (5, None), (6, None)]
    assert accepted_ids(r) == {"j1", "j3"}
    again = import_file(f, Enqueuer(r, settings))  # a re-run
    assert (again.enqueued, again.duplicates) == (0, 2)


def test_csv_with_quoted_newlines_history_and_extra_columns(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    f = tmp_path / "t.csv"
    f.write_text(
        'id,customer_id,subject,message,history,plan\n'
        'c1,u1,Export,"Can I export\nto CSV?","[{""role"": ""customer"", ""text"": ""hi""}]",pro\n'
        'c2,u2,Empty,,,free\n'
        'c3,u3,Bad history,hello,not-json,free\n'
        'c4,u4,Fine,"Reset my password",,\n',
        encoding="utf-8",
    )
    out = import_file(f, Enqueuer(r, settings))
    assert out.enqueued == 2 and accepted_ids(r) == {"c1", "c4"}
    assert [(x.line, x.field) for x in out.rejected] == [(4, "message"), (5, "history")]
    stored = json.loads(r.get(keys.ticket_key("api:c1")) or b"{}")
    assert stored["ticket"]["metadata"] == {"plan": "pro"} and stored["ticket"]["history"][0]["text"] == "hi"


def test_strict_mode_enqueues_nothing_when_one_row_is_bad(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text('{"id": "s1", "message": "ok"}\n{"id": "s2", "message": ""}\n')
    out = import_file(f, Enqueuer(r, settings), strict=True)
    assert out.enqueued == 0 and [x.line for x in out.rejected] == [2]
    assert accepted_ids(r) == set()


def test_a_csv_that_is_not_utf8_or_lacks_columns_is_refused_whole(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,message\nx1,ok\nx2,caf\xe9\n")
    with pytest.raises(TicketInvalid, match=":3: not UTF-8"):
        import_file(bad, Enqueuer(r, settings))
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("a,b\n1,2\n")
    with pytest.raises(TicketInvalid, match="header needs"):
        import_file(nohead, Enqueuer(r, settings))
    assert accepted_ids(r) == set()


def test_the_import_command_prints_a_summary_and_exits_2_on_rejections(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text('{"id": "k1", "message": "ok"}\n{"id": "k2"}\n')
    res = CliRunner().invoke(cli, ["import", str(f), "--json"])
    assert res.exit_code == 2, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["enqueued"] == 1 and summary["rejections"][0]["line"] == 2 and summary["rows_per_s"] > 0
    ok = tmp_path / "ok.jsonl"
    ok.write_text('{"id": "k1", "message": "ok"}\n')
    again = CliRunner().invoke(cli, ["import", str(ok), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout.strip().splitlines()[-1])["duplicates"] == 1


def test_a_jsonl_export_with_a_byte_order_mark_imports_and_a_bad_line_is_reported(tmp_path: Path, r: redis.Redis, settings: Settings) -> None:
    f = tmp_path / "t.jsonl"
    f.write_bytes(b'\xef\xbb\xbf{"id": "b1", "message": "ok"}\n{"id": "b2", "message": \n{"id": "b3", "message": "ok too"}\n')
    out = import_file(f, Enqueuer(r, settings))
    assert out.enqueued == 2 and [x.line for x in out.rejected] == [2]
    assert accepted_ids(r) == {"b1", "b3"}
