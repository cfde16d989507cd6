"""What the door lets in: every string field checked for what the pipeline cannot carry, metadata bounded.

Called by `parse_ticket` (so by the API, `enqueue`, `import`, webhooks and pollers alike) on the raw
JSON-like object, before the Ticket model sees it. Per field, a documented choice (docs/helpdesks.md):

  field                         refused (422, naming the field)                 stripped (the ticket goes on)
  id, source, customer_id,      any control (C0, DEL, C1: NUL, CR, LF, TAB...),  nothing: an id changed in
  conversation_id, language     any format char (bidi, zero-width, BOM), lone    silence would dedupe or
                                surrogates, line/paragraph separators            route as another ticket
  subject                       NUL, lone surrogates                             other controls, bidi
                                                                                 embeddings/overrides/isolates;
                                                                                 CR, LF, TAB, U+2028/9 -> a space
  message (text, body),         NUL, lone surrogates                             controls but TAB, LF, CR;
  history[].text                                                                 bidi embeddings/overrides/isolates
  metadata keys                 the identifier rules above, or empty             keys the pipeline writes itself
                                                                                 (customer_turns, debounce_group,
                                                                                 merged_ticket_ids)
  metadata values               NUL or lone surrogates in a string, a number     as for message
                                that is not finite; deeper than `max_depth`,
                                more than `max_keys` keys and items, more than
                                `max_bytes` of JSON

A lone surrogate is valid JSON (`"\\ud800"`) but not text: it cannot be written as UTF-8, so the
result of such a ticket could never be serialised. NUL truncates strings in C libraries and helpdesk
APIs. Bidi embeddings and overrides (U+202A-E, U+2066-9) reorder what an agent sees ("Trojan
Source"); the marks (U+200E/F, U+061C) are kept in free text, where right-to-left writing needs them.
Metadata is bounded because the pipeline copies it into every task message and every result.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from worker.errors import TicketInvalid
from worker.state import conversation, debounce

IDENTIFIER_FIELDS = ("id", "source", "customer_id", "conversation_id", "language")
TEXT_FIELDS = ("message", "text", "body")  # `text` and `body` are aliases of message
HELPDESK_SOURCES = frozenset({"zendesk", "intercom"})
# Written by the pipeline (conversation history, debounce); a client's copy would be believed downstream.
INTERNAL_METADATA_KEYS = frozenset({conversation.CUSTOMER_TURNS, debounce.GROUP, debounce.MERGED_IDS})

_REFUSED_IN_TEXT = re.compile("[\x00\ud800-\udfff]")
_STRIPPED_IN_TEXT = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SUBJECT_BREAKS = re.compile("[\t\r\n\u2028\u2029]")
_IDENTIFIER_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class MetadataLimits:
    """How much metadata a ticket may carry (TICKETFLOW_METADATA_MAX_*)."""

    max_depth: int = 8
    max_keys: int = 200
    max_bytes: int = 16_384


def _describe(ch: str) -> str:
    if "\ud800" <= ch <= "\udfff":
        return f"a lone surrogate (U+{ord(ch):04X})"
    if ch == "\x00":
        return "a NUL character"
    name = unicodedata.name(ch, "")
    return f"a control or format character (U+{ord(ch):04X}{' ' + name if name else ''})"


def check_identifier(value: str, field: str) -> str:
    """`value` unchanged, or TicketInvalid when it holds any character an id must not carry."""
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in _IDENTIFIER_CATEGORIES:
            raise TicketInvalid(f"{field}: contains {_describe(ch)} at position {i}", field=field)
    return value


def clean_text(value: str, field: str, *, one_line: bool = False) -> str:
    """Free text with invisible controls and bidi overrides stripped; TicketInvalid for NUL or lone surrogates."""
    if (m := _REFUSED_IN_TEXT.search(value)) is not None:
        raise TicketInvalid(f"{field}: contains {_describe(m.group())} at position {m.start()}", field=field)
    if one_line:
        value = _SUBJECT_BREAKS.sub(" ", value)
    return _STRIPPED_IN_TEXT.sub("", value)


def is_reserved_source(source: str) -> bool:
    """Whether `source` names a helpdesk whose tickets only come through its signed webhook, in any case."""
    return source.casefold() in HELPDESK_SOURCES


def _shown(key: str) -> str:
    """A metadata key as it appears in a field path: printable, and short (it is the client's text)."""
    shown = key if key.isprintable() else ascii(key)
    return shown if len(shown) <= 40 else shown[:37] + "..."


class _Walk:
    """One pass over a metadata tree: cleaned copy, depth and count checked on the way."""

    def __init__(self, limits: MetadataLimits) -> None:
        self.limits = limits
        self.count = 0

    def value(self, v: Any, path: str, depth: int) -> Any:
        if isinstance(v, str):
            return clean_text(v, path)
        if isinstance(v, bool) or v is None or isinstance(v, int):
            return v
        if isinstance(v, float):
            if not math.isfinite(v):
                raise TicketInvalid(f"{path}: {v} is not a finite number", field=path)
            return v
        if isinstance(v, (dict, list)):
            if depth >= self.limits.max_depth:
                raise TicketInvalid(f"{path}: nested deeper than {self.limits.max_depth} levels", field="metadata")
            self.count += len(v)
            if self.count > self.limits.max_keys:
                raise TicketInvalid(f"metadata: more than {self.limits.max_keys} keys and items in all", field="metadata")
            if isinstance(v, list):
                return [self.value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]
            return {self.key(k, path): self.value(x, f"{path}.{_shown(k)}", depth + 1) for k, x in v.items()}
        raise TicketInvalid(f"{path}: {type(v).__name__} is not a JSON value", field=path)

    def key(self, k: Any, path: str) -> str:
        if not isinstance(k, str) or not k:
            raise TicketInvalid(f"{path}: keys must be non-empty strings", field=path)
        return check_identifier(k, f"{path}.{_shown(k)}")


def clean_metadata(meta: dict[str, Any], limits: MetadataLimits) -> dict[str, Any]:
    """Metadata without the pipeline's own keys, every string cleaned, within `limits`; else TicketInvalid."""
    walk = _Walk(limits)
    out = walk.value({k: v for k, v in meta.items() if k not in INTERNAL_METADATA_KEYS}, "metadata", 0)
    size = len(json.dumps(out, ensure_ascii=False).encode())
    if size > limits.max_bytes:
        raise TicketInvalid(f"metadata: {size} bytes of JSON, more than {limits.max_bytes}", field="metadata")
    return out  # type: ignore[no-any-return]


def clean_ticket_input(data: dict[str, Any], limits: MetadataLimits | None = None) -> dict[str, Any]:
    """The raw ticket object with every string field checked or cleaned per the table above.

    Values of the wrong type are left alone for the Ticket model to refuse with its own message.
    """
    out = dict(data)
    for f in IDENTIFIER_FIELDS:
        if isinstance(out.get(f), str):
            check_identifier(out[f], f)
    if isinstance(out.get("subject"), str):
        out["subject"] = clean_text(out["subject"], "subject", one_line=True)
    for f in TEXT_FIELDS:
        if isinstance(out.get(f), str):
            out[f] = clean_text(out[f], f)
    if isinstance(out.get("history"), list):
        out["history"] = [
            {**turn, "text": clean_text(turn["text"], f"history.{i}.text")} if isinstance(turn, dict) and isinstance(turn.get("text"), str) else turn
            for i, turn in enumerate(out["history"])
        ]
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = clean_metadata(out["metadata"], limits or MetadataLimits())
    return out
