"""Bulk import of tickets from JSONL or CSV: each row validated, enqueued once, every rejection reported with its line.

Re-running an import is safe: ids are idempotent, so rows already accepted come back as duplicates.
With `strict`, every row is validated before the first is enqueued (all or nothing).

CSV columns: `id`, `message` (or `text`/`body`), and optionally `customer_id`, `subject`, `language`,
`conversation_id`, `source`, `history` (a JSON list of `{"role", "text"}`) and `metadata` (a JSON
object); any other column goes into `metadata`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from producer.enqueue import Enqueuer, parse_ticket
from worker import clock
from worker.errors import TicketInvalid
from worker.jsonl import describe, jsonl_values
from worker.models import Ticket

Format = Literal["auto", "jsonl", "csv"]
KNOWN_COLUMNS = {"id", "message", "text", "body", "customer_id", "subject", "language", "conversation_id", "source", "history", "metadata"}


@dataclass(frozen=True)
class Rejection:
    """A row that was not enqueued, and why."""

    line: int
    error: str
    field: str | None = None


@dataclass
class ImportSummary:
    """What an import did."""

    read: int = 0
    enqueued: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Rows handled per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self, max_rejections: int = 50) -> dict[str, Any]:
        """JSON summary: counts, rate, and the first rejections with their lines."""
        return {
            "read": self.read, "enqueued": self.enqueued, "duplicates": self.duplicates, "rejected": len(self.rejected),
            "seconds": round(self.seconds, 3), "rows_per_s": round(self.rate, 1),
            "rejections": [{"line": x.line, "field": x.field, "error": x.error} for x in self.rejected[:max_rejections]],
        }


def detect_format(path: Path, fmt: Format = "auto") -> Literal["jsonl", "csv"]:
    """The file's format, from `fmt` or its extension."""
    if fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise TicketInvalid(f"{path}: cannot tell the format from the extension {suffix!r}; pass --format jsonl or csv", field="format")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TicketInvalid(f"{path}:{line}: not UTF-8 (byte {exc.start}); nothing was imported", line=line) from exc


def jsonl_rows(path: Path) -> Iterator[tuple[int, Any | TicketInvalid]]:
    """(line, parsed JSON or the error) for each non-blank line; a bad line is reported, the rest go on."""
    for n, value, cause in jsonl_values(path):
        yield n, (TicketInvalid(describe(cause), line=n) if cause is not None else value)


def _json_cell(value: str, column: str, line: int) -> Any:
    try:
        return json.loads(value)
    except (ValueError, RecursionError) as exc:
        raise TicketInvalid(f"{column}: not valid JSON", field=column, line=line) from exc


def csv_rows(path: Path) -> Iterator[tuple[int, Any | TicketInvalid]]:
    """(line the row starts on, ticket dict or the error) for each CSV row."""
    text = _read_text(path)
    dialect: type[csv.Dialect] = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    if not reader.fieldnames or not ({"message", "text", "body"} & set(reader.fieldnames)) or "id" not in reader.fieldnames:
        raise TicketInvalid(f"{path}:1: the header needs an 'id' and a 'message' (or 'text'/'body') column", line=1)
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        try:
            if None in row:
                raise TicketInvalid("more cells than header columns", line=line)
            data: dict[str, Any] = {k: v for k, v in row.items() if k in KNOWN_COLUMNS and v not in (None, "")}
            extra = {k: v for k, v in row.items() if k not in KNOWN_COLUMNS and v not in (None, "")}
            if "history" in data:
                data["history"] = _json_cell(data["history"], "history", line)
            if "metadata" in data:
                data["metadata"] = _json_cell(data["metadata"], "metadata", line)
            if extra:
                meta = data.get("metadata")
                data["metadata"] = {**extra, **(meta if isinstance(meta, dict) else {})}
            yield line, data
        except TicketInvalid as exc:
            yield line, exc


def rows(path: Path, fmt: Format = "auto") -> Iterator[tuple[int, Any | TicketInvalid]]:
    """The file's rows as (line, data or error)."""
    return jsonl_rows(path) if detect_format(path, fmt) == "jsonl" else csv_rows(path)


def _tickets(path: Path, fmt: Format, source: str | None, summary: ImportSummary) -> Iterator[Ticket]:
    for line, data in rows(path, fmt):
        summary.read += 1
        try:
            if isinstance(data, TicketInvalid):
                raise data
            yield parse_ticket(data, source=source, line=line)
        except TicketInvalid as exc:
            summary.rejected.append(Rejection(line, str(exc), exc.field))


def import_file(
    path: Path,
    enqueuer: Enqueuer,
    *,
    fmt: Format = "auto",
    source: str | None = None,
    strict: bool = False,
    run_id: str | None = None,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Validate and enqueue every row of `path`; rejected rows are listed with their line numbers.

    `strict`: validate the whole file first and enqueue nothing if any row is rejected.
    """
    t0 = clock.monotonic()
    summary = ImportSummary()
    if strict:
        check = ImportSummary()
        for _ in _tickets(path, fmt, source, check):
            pass
        if check.rejected:
            check.seconds = clock.monotonic() - t0
            return check
    for ticket in _tickets(path, fmt, source, summary):
        res = enqueuer.enqueue(ticket, run_id=run_id)
        if res.accepted:
            summary.enqueued += 1
        else:
            summary.duplicates += 1
        if progress is not None and summary.read % 50 == 0:
            summary.seconds = clock.monotonic() - t0
            progress(summary)
    summary.seconds = clock.monotonic() - t0
    if progress is not None:
        progress(summary)
    return summary
