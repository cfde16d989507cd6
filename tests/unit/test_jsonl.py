"""The one JSONL line reader: blank lines, a BOM, bad bytes and bad JSON, and the three readers built on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from producer.tickets_io import load_tickets
from worker.errors import TicketInvalid
from worker.jsonl import JsonlError, iter_jsonl
from worker.retrieval.evaluate import load_questions
from worker.retrieval.sources import SourceError, load_articles

BOM = b"\xef\xbb\xbf"


def _file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(content)
    return path


def test_blank_lines_are_skipped_and_still_counted(tmp_path: Path) -> None:
    path = _file(tmp_path, b'{"a": 1}\n\n   \n\t\r\n[2]\r\n\n')
    assert list(iter_jsonl(path)) == [(1, {"a": 1}), (5, [2])]


def test_any_json_value_is_yielded_as_it_is(tmp_path: Path) -> None:
    path = _file(tmp_path, b'[1, 2]\n"text"\n3\nnull\ntrue\n{"k": {"n": [1.5]}}\n')
    assert [v for _, v in iter_jsonl(path)] == [[1, 2], "text", 3, None, True, {"k": {"n": [1.5]}}]


def test_an_empty_file_yields_nothing(tmp_path: Path) -> None:
    assert list(iter_jsonl(_file(tmp_path, b""))) == []


def test_a_bom_at_the_start_is_dropped(tmp_path: Path) -> None:
    assert list(iter_jsonl(_file(tmp_path, BOM + b'{"a": 1}\n{"b": 2}\n'))) == [(1, {"a": 1}), (2, {"b": 2})]
    assert list(iter_jsonl(_file(tmp_path, BOM + b'\n{"b": 2}\n'))) == [(2, {"b": 2})], "a BOM alone makes a blank line"


def test_a_bom_after_the_first_line_is_an_error_naming_its_line(tmp_path: Path) -> None:
    with pytest.raises(JsonlError) as err:
        list(iter_jsonl(_file(tmp_path, b'{"a": 1}\n' + BOM + b'{"b": 2}\n')))
    assert err.value.line == 2


def test_bytes_that_are_not_utf8_name_the_line_not_a_decode_traceback(tmp_path: Path) -> None:
    path = _file(tmp_path, b'{"a": 1}\n\n{"b": "caf\xe9"}\n')
    with pytest.raises(JsonlError) as err:
        list(iter_jsonl(path))
    assert err.value.line == 3 and err.value.path == path
    assert str(err.value).startswith(f"{path}:3: not UTF-8 (") and "at byte 10" in str(err.value)
    assert isinstance(err.value.__cause__, UnicodeDecodeError)


@pytest.mark.parametrize(
    ("line", "where"),
    [(b'{"b": nope}', "Expecting value at column 7"), (b'{"b": ', "Expecting value at the end of the line"),
     (b'{"b": 1} {"c": 2}', "Extra data at column 10"), (b'{"b": 1}\r{"c": 2}', "Extra data at column 10")],
)
def test_text_that_is_not_json_names_the_line_and_where_in_it(tmp_path: Path, line: bytes, where: str) -> None:
    path = _file(tmp_path, b'{"a": 1}\n' + line + b"\n")
    with pytest.raises(JsonlError) as err:
        list(iter_jsonl(path))
    assert str(err.value) == f"{path}:2: not valid JSON ({where})"
    assert err.value.line == 2 and isinstance(err.value.__cause__, json.JSONDecodeError)


def test_json_nested_too_deeply_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = _file(tmp_path, b"[" * 100_000 + b"]" * 100_000 + b"\n")
    with pytest.raises(JsonlError, match=":1: JSON nested too deeply"):
        list(iter_jsonl(path))


def test_lines_before_a_bad_one_come_out_first(tmp_path: Path) -> None:
    rows = iter_jsonl(_file(tmp_path, b"1\n2\nnope\n4\n"))
    assert next(rows) == (1, 1) and next(rows) == (2, 2)
    with pytest.raises(JsonlError):
        next(rows)


def test_the_error_factory_decides_what_is_raised(tmp_path: Path) -> None:
    seen: list[tuple[int, Exception]] = []

    def error(n: int, cause: Exception) -> Exception:
        seen.append((n, cause))
        return KeyError(f"row {n}")

    with pytest.raises(KeyError, match="row 2") as err:
        list(iter_jsonl(_file(tmp_path, b"{}\n\xff\n"), error=error))
    assert [n for n, _ in seen] == [2] and isinstance(seen[0][1], UnicodeDecodeError)
    assert err.value.__cause__ is seen[0][1]


# The three readers built on it keep their own error types and messages, and now all take a BOM and name a bad byte's line.
READERS: list[tuple[Callable[[Path], list[Any]], type[Exception], bytes]] = [
    (load_tickets, TicketInvalid, b'{"id": "t1", "message": "Can I export to CSV?"}'),
    (load_questions, TicketInvalid, b'{"qid": "q1", "question": "How do I export?", "gold_doc_id": "d1"}'),
    (load_articles, SourceError, b'{"doc_id": "d1", "title": "Export", "text": "Use the menu."}'),
]


@pytest.mark.parametrize(("read", "kind", "good"), READERS)
def test_each_reader_takes_a_bom(tmp_path: Path, read: Callable[[Path], list[Any]], kind: type[Exception], good: bytes) -> None:
    assert len(read(_file(tmp_path, BOM + good + b"\n\n" + good.replace(b"1", b"2") + b"\n"))) == 2


@pytest.mark.parametrize(("read", "kind", "good"), READERS)
def test_each_reader_names_the_line_of_bad_bytes_with_its_own_error(tmp_path: Path, read: Callable[[Path], list[Any]], kind: type[Exception], good: bytes) -> None:
    with pytest.raises(kind, match=r"rows\.jsonl:3: .*can't decode byte 0xe9"):
        read(_file(tmp_path, good + b"\n\n" + good.replace(b"1", b"\xe9") + b"\n"))


@pytest.mark.parametrize(("read", "kind", "good"), READERS)
def test_each_reader_refuses_a_line_that_is_not_an_object_naming_it(tmp_path: Path, read: Callable[[Path], list[Any]], kind: type[Exception], good: bytes) -> None:
    with pytest.raises(kind, match=r"rows\.jsonl:2: "):
        read(_file(tmp_path, good + b'\n["not", "an", "object"]\n'))


def test_jsonl_values_reports_a_bad_line_and_goes_on(tmp_path: Path) -> None:
    from worker.jsonl import jsonl_values

    p = tmp_path / "t.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{oops\n\xff\n{"b": 2}\n')
    rows = list(jsonl_values(p))
    assert [(n, v) for n, v, c in rows if c is None] == [(1, {"a": 1}), (4, {"b": 2})]
    assert [(n, type(c).__name__) for n, _v, c in rows if c is not None] == [(2, "JSONDecodeError"), (3, "UnicodeDecodeError")]
