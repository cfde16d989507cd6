"""Reading JSONL: one JSON value a line, every bad line one clear error naming its number.

The line reader behind ticket files, labelled eval rows, retrieval questions and help-centre exports.
It decides what a line is; each caller decides what a row must hold (an object, which fields) and
which error it raises, by passing `error`.

- Blank lines (only spaces, tabs, CR) are skipped; line numbers still count them.
- A UTF-8 byte order mark at the start of the file is dropped (Windows tools write one); anywhere
  else it is not valid JSON.
- Bytes that are not UTF-8, text that is not JSON, and JSON nested too deeply to parse are each an
  error naming the line, raised when the reader reaches that line, chained from the cause.
- Any JSON value is yielded as it is: whether a line must be an object is the caller's call.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from worker.errors import TicketflowError

ErrorFactory = Callable[[int, Exception], Exception]
"""(line number, what went wrong: UnicodeDecodeError, ValueError or RecursionError) -> the error to raise."""


class JsonlError(TicketflowError):
    """A line of a JSONL file that is not UTF-8 JSON; `line` is its 1-based number."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def describe(cause: Exception) -> str:
    """What is wrong with a line, in words, from the exception decoding or parsing it raised."""
    if isinstance(cause, UnicodeDecodeError):
        return f"not UTF-8 ({cause.reason} at byte {cause.start})"
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    if isinstance(cause, json.JSONDecodeError):  # the document is one line: its column is pos + 1
        where = "at the end of the line" if cause.pos >= len(cause.doc.rstrip("\r\n")) else f"at column {cause.pos + 1}"
        return f"not valid JSON ({cause.msg} {where})"
    return f"not valid JSON ({cause})"


def jsonl_values(path: Path) -> Iterator[tuple[int, Any, Exception | None]]:
    """(line number, parsed value, None), or (line number, None, the cause) for a line that cannot be
    read, for each non-blank line of `path`, lazily: for readers that report a bad line and go on."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if n == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
                yield n, None, exc
                continue
            yield n, value, None


def iter_jsonl(path: Path, *, error: ErrorFactory | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON value) for each non-blank line of `path`, lazily.

    A line that cannot be read raises `error(line, cause)` from the cause, or a `JsonlError` when no
    `error` is given.
    """
    for n, value, cause in jsonl_values(path):
        if cause is not None:
            raise (error(n, cause) if error else JsonlError(path, n, describe(cause))) from cause
        yield n, value
