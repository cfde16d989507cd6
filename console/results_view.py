"""`ticketflow results` for people: one row a result that fits a terminal. Pure."""

from __future__ import annotations

from typing import Any

COLUMNS = (("ticket", 20), ("intent", 8), ("decision", 10), ("reasons", 22))
MIN_REPLY = 12


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` characters: padded, or cut with an ellipsis."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def first_line(res: dict[str, Any]) -> str:
    """The first non-empty line of the reply sent (or drafted), "–" when there is none."""
    text = res.get("reply") or (res.get("draft") or {}).get("text") or ""
    return next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "–")


def cells(res: dict[str, Any]) -> list[str]:
    """Ticket, intent, decision, reasons and the reply's first line of one result."""
    t = res.get("ticket") or {}
    d = res.get("decision") or {}
    return [
        f"{t.get('source', 'api')}:{t.get('id', '')}",
        (res.get("classification") or {}).get("intent") or "–",
        d.get("action") or "–",
        ",".join(d.get("reasons") or []) or "–",
        first_line(res),
    ]


def _line(values: list[str], width: int) -> str:
    fixed = sum(w + 2 for _, w in COLUMNS)
    reply_w = max(width - fixed, MIN_REPLY)
    parts = [_fit(v, w) for v, (_, w) in zip(values, COLUMNS, strict=False)]
    return "  ".join([*parts, _fit(values[-1], reply_w)]).rstrip()


def header(width: int = 80) -> str:
    """The column names, as wide as the rows."""
    return _line([name for name, _ in COLUMNS] + ["reply"], width)


def row(res: dict[str, Any], width: int = 80) -> str:
    """One result as a row of `width` characters at most."""
    return _line(cells(res), width)
