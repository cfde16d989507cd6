"""Hypothesis strategies for hostile ticket input: binary, invalid UTF-8, deep nesting, wrong types,
HTML and e-mail quoting, empty and enormous fields."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

FIELDS = ["id", "source", "customer_id", "subject", "message", "text", "body", "language", "history", "conversation_id", "metadata"]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)

html = st.sampled_from([
    "<p>Hi,<br>my <b>export</b> fails</p>",
    "<script>alert('x')</script>How do I reset my password?",
    "&lt;div&gt;&amp;nbsp;&lt;/div&gt;",
    "<html><body><table><tr><td>" * 20,
])
email_quoting = st.sampled_from([
    "Thanks!\n\nOn Mon, 3 Mar 2025 at 10:00, Support <help@acme.test> wrote:\n> How can we help?\n>> earlier",
    "-----Original Message-----\nFrom: jane@example.com\nSent: Monday\n\nplease refund",
    "> > > quoted\n> > quoted\nreply on top",
])
weird_text = (
    st.text(max_size=200)
    | st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "So"]), max_size=50)
    | html
    | email_quoting
    | st.just("")
    | st.just("   \n\t ")
    | st.just("\x00")
    | st.integers(min_value=1, max_value=60_000).map(lambda n: "a" * n)
)
field_values = weird_text | json_values | st.lists(st.fixed_dictionaries({"role": st.text(max_size=10), "text": weird_text}), max_size=60)

# Ticket-shaped objects: the real field names with any value in them (or missing), and tickets that are
# nearly right (a real id and message, anything in the other fields), so acceptance is exercised too.
nearly_right = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=30) | st.integers(), "message": weird_text},
    optional={k: field_values for k in FIELDS if k not in ("id", "message")},
)
ticket_like = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=len(FIELDS)) | nearly_right


def nested(depth: int) -> str:
    """A JSON array nested `depth` levels deep."""
    return "[" * depth + "]" * depth


shallow_bodies = (
    st.binary(max_size=300)
    | ticket_like.map(lambda d: json.dumps(d, allow_nan=True).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.integers(min_value=1, max_value=500).map(lambda d: nested(d).encode())
    | ticket_like.map(lambda d: json.dumps(d).encode()[:-1])  # truncated
    | st.binary(min_size=1, max_size=40).map(lambda b: b'{"id": "x", "message": "' + b + b'"}')  # invalid UTF-8 inside a string
)
# What an HTTP client can send: also nesting far past the parser's recursion limit.
bodies = shallow_bodies | st.integers(min_value=500, max_value=200_000).map(lambda d: nested(d).encode())


def as_jsonl(records: list[Any]) -> bytes:
    """Lines of JSONL, some of them possibly garbage bytes."""
    out = b""
    for rec in records:
        out += (rec if isinstance(rec, bytes) else json.dumps(rec).encode()) + b"\n"
    return out


# What a client can put in a valid JSON string that the pipeline cannot carry as it is (issue 15).
refused_chars = st.sampled_from(["\ud800", "\udfff", "\x00"])  # refused in every field
stripped_chars = st.sampled_from(["\r\n", "\t", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028", "\u200f"])  # stripped in text, refused in ids
hostile_chars = refused_chars | stripped_chars
_words = st.sampled_from(["refund", "export CSV", "password reset", "é", "👋", "مرحبا", " "])
hostile_text = st.lists(st.one_of(_words, _words, stripped_chars, stripped_chars, refused_chars, st.text(min_size=1, max_size=12)), max_size=8).map("".join)
_clean_id = st.text(alphabet="abcdefXYZ0123-_", min_size=1, max_size=8)
hostile_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=12,
)


def _deep(depth: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"leaf": "x"}
    for _ in range(depth):
        meta = {"k": meta}
    return meta


def _mostly(clean: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(clean, clean, clean, hostile)


_message = st.lists(_words | stripped_chars | st.text(min_size=1, max_size=12), min_size=1, max_size=8).map(lambda parts: "Help: " + "".join(parts))

# Tickets with usable ids (the door's refusals of ids are tested field by field elsewhere) and hostile
# free text and metadata: what gets past the door is what the workers must carry.
hostile_tickets = st.fixed_dictionaries(
    {"id": _clean_id, "message": _mostly(_message, hostile_text)},
    optional={
        "subject": _mostly(_message, hostile_text),
        "customer_id": st.sampled_from(["c-1", "c-2", "anonymous"]),
        "conversation_id": _clean_id,
        "source": st.sampled_from(["api", "shop", "Zendesk"]),
        "history": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["customer", "agent", "bot"]), "text": _mostly(_message, hostile_text)}), max_size=3),
        "metadata": st.dictionaries(_mostly(_clean_id, hostile_text), hostile_json, max_size=4) | st.integers(1, 40).map(_deep),
    },
)
