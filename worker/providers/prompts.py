"""Prompts shared by the Anthropic and OpenAI providers: a cached prefix, then what varies.

Layout of every request (the order is what makes prompt caching work):

    system  = stable prefix: rules + worked examples (+ help-centre map, + more examples)   <- cache_control: ephemeral
    messages = last turns of the thread (user/assistant), then one user message with
               <excerpts>[Doc 1: Title - Section] ...</excerpts>, the triage, <customer_message>...</customer_message>

A cached prefix shorter than the model's minimum is silently not cached, so each stage's prefix is
built for the model it runs on: the core text first, then more stable, useful text (the help-centre
map: every article's title, sections and first sentence, from the configured help centre whatever its
source; then more worked examples) until the estimate clears the minimum with a margin. The company
named in the rules comes from settings. The prefix depends only on (stage, model minimum, help centre,
company), so it is byte-identical across tickets. Ticket text is data: it is fenced in tags the customer cannot close.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from worker.errors import ConfigError, ProviderRejected
from worker.models import HUMAN_INTENTS, LAST_TURNS, Chunk, Citation, Classification, Draft, Ticket
from worker.providers.local import HANDOFF, SPECIALIST
from worker.providers.prompt_text import (
    CLASSIFY_EDGE_EXAMPLES,
    CLASSIFY_EXAMPLES,
    CLASSIFY_LANGUAGE_NOTES,
    CLASSIFY_MORE_EXAMPLES,
    CLASSIFY_RULES,
    GENERATE_EXAMPLES,
    GENERATE_LANGUAGE_NOTES,
    GENERATE_MORE_EXAMPLES,
    GENERATE_RULES,
)
from worker.retrieval.chunking import Article
from worker.retrieval.sources import DEFAULT_LANGUAGE, load_articles

log = logging.getLogger(__name__)

CACHE_MARGIN = 1.25  # estimate must clear the model's minimum by this factor (tokenizers differ)

_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def estimate_tokens(text: str) -> int:
    """An honest BPE-like token estimate: a word up to 6 letters is one token, longer ones one per 5,
    digits one per 3, every other non-space character one. Within ~15% of cl100k/Claude counts on
    English prose; no tokenizer download needed."""
    n = 0
    for piece in _PIECE.findall(text):
        if piece[0].isalpha():
            n += 1 if len(piece) <= 6 else math.ceil(len(piece) / 5)
        elif piece[0].isdigit():
            n += math.ceil(len(piece) / 3)
        else:
            n += 1
    return n


# --- the stable prefix ------------------------------------------------------------------------

@dataclass(frozen=True)
class Company:
    """Who the prompts speak for (TICKETFLOW_COMPANY_NAME / TICKETFLOW_COMPANY_DESCRIPTION)."""

    name: str = "our company"
    description: str = "a product or service whose help centre is given below"

    def fill(self, text: str) -> str:
        """`text` with `{company}` and `{description}` filled in (no str.format: the examples are JSON)."""
        return text.replace("{company}", self.name.strip()).replace("{description}", self.description.strip().rstrip("."))


def _article_map_line(a: Article) -> str:
    title, sections, intro = a.title, [], ""
    for line in a.body.splitlines():
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            sections.append(line[3:].strip())
        elif not intro and line.strip() and not line.startswith("#") and not sections:
            intro = re.split(r"(?<=[.!?])\s", line.strip(), maxsplit=1)[0]
    listed = f" Sections: {'; '.join(sections)}." if sections else ""
    return f"- {title or a.doc_id} ({a.doc_id}): {intro}{listed}"


def help_centre_map(source: Path | None) -> str:
    """Every default-language article of the configured help centre (folder or JSONL): title, doc id, first
    sentence, section names. Stable until the help centre changes; empty when there is none to read."""
    if source is None or not source.exists():
        return ""
    try:
        articles = load_articles(source)
    except ConfigError as exc:
        log.warning("help-centre map left out of the prompts: %s", exc)
        return ""
    lines = ["# Help-centre map (what the help centre covers; for orientation, never a source to cite)"]
    lines += [_article_map_line(a) for a in sorted(articles, key=lambda a: a.doc_id) if a.language == DEFAULT_LANGUAGE]
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


@dataclass(frozen=True)
class Prefix:
    """A stage's cached system prompt and its estimated size."""

    text: str
    tokens: int
    min_tokens: int

    @property
    def cacheable(self) -> bool:
        """Whether the estimate clears the model's minimum with the safety margin."""
        return self.tokens >= self.min_tokens * CACHE_MARGIN


def build_prefix(core: list[str], extra: list[str], min_tokens: int) -> Prefix:
    """`core`, then each of `extra` in order until the estimate clears `min_tokens` x margin."""
    parts = list(core)
    target = min_tokens * CACHE_MARGIN
    for more in extra:
        if estimate_tokens("\n".join(parts)) >= target:
            break
        if more:
            parts.append(more)
    text = "\n".join(parts)
    return Prefix(text, estimate_tokens(text), min_tokens)


def classify_prefix(min_tokens: int, source: Path | None, company: Company = Company()) -> Prefix:
    """The classifier's system prompt: rules and examples; the help-centre map tells faq from the rest,
    and more worked examples follow when a small help centre leaves the prefix under the cache minimum."""
    return build_prefix([company.fill(CLASSIFY_RULES), CLASSIFY_EXAMPLES], [help_centre_map(source), CLASSIFY_MORE_EXAMPLES, CLASSIFY_LANGUAGE_NOTES, CLASSIFY_EDGE_EXAMPLES], min_tokens)


def generate_prefix(min_tokens: int, source: Path | None, company: Company = Company()) -> Prefix:
    """The writer's system prompt: policy, tone, escalation rules, worked examples (map and more examples only if needed)."""
    return build_prefix([company.fill(GENERATE_RULES), GENERATE_EXAMPLES], [help_centre_map(source), GENERATE_MORE_EXAMPLES, GENERATE_LANGUAGE_NOTES], min_tokens)


# --- what varies per ticket -----------------------------------------------------------------------

_FENCE = re.compile(r"</?\s*(customer_message|excerpts|turn)\b", re.IGNORECASE)


def fence(text: str) -> str:
    """Text with any of our own delimiter tags defused, so a customer cannot close the data block."""
    return _FENCE.sub(lambda m: m.group(0).replace("<", "&lt;"), text)


def _role(turn_role: str) -> str:
    return "assistant" if turn_role in ("agent", "bot", "assistant") else "user"


def conversation(ticket: Ticket, last_user: str, turns: int = LAST_TURNS) -> list[dict[str, Any]]:
    """The last `turns` turns as alternating messages, ending with `last_user`."""
    msgs: list[dict[str, Any]] = []
    for turn in ticket.history[-turns:] if turns else []:
        role = _role(turn.role)
        text = f"<turn>{fence(turn.text)}</turn>"
        if msgs and msgs[-1]["role"] == role:
            msgs[-1]["content"] += "\n" + text
        else:
            msgs.append({"role": role, "content": text})
    if msgs and msgs[0]["role"] == "assistant":
        msgs.insert(0, {"role": "user", "content": "<turn>(earlier messages omitted)</turn>"})
    if msgs and msgs[-1]["role"] == "user":
        msgs[-1]["content"] += "\n" + last_user
    else:
        msgs.append({"role": "user", "content": last_user})
    return msgs


def _customer_block(ticket: Ticket) -> str:
    subject = f"Subject: {fence(ticket.subject)}\n" if ticket.subject else ""
    lang = f" language=\"{ticket.language}\"" if ticket.language else ""
    return f"<customer_message{lang}>\n{subject}{fence(ticket.message)}\n</customer_message>"


def classify_request(ticket: Ticket) -> str:
    """The varying user text of a classification request."""
    return f"{_customer_block(ticket)}\nClassify this ticket. Return only the JSON object."


def excerpts_block(chunks: list[Chunk]) -> str:
    """Retrieved sections as numbered, delimited excerpts: `[Doc 1: Title - Section]`."""
    out = ["<excerpts>"]
    for i, c in enumerate(chunks, 1):
        head = f"{c.title} - {c.section}" if c.section else c.title
        out.append(f"[Doc {i}: {fence(head)}]\n{fence(c.text.strip())}")
    out.append("</excerpts>")
    return "\n".join(out)


def generate_request(ticket: Ticket, cls: Classification, chunks: list[Chunk]) -> str:
    """The varying user text of a generation request."""
    topic = f", topic {cls.topic}" if cls.topic else ""
    return (
        f"{excerpts_block(chunks)}\nTriage: intent {cls.intent}, urgency {cls.urgency}{topic}"
        f"{', the customer is frustrated' if cls.frustrated else ''}.\n{_customer_block(ticket)}\n"
        "Write the reply. Return only the JSON object."
    )


# --- structured output ------------------------------------------------------------------------------

CLASSIFY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": ["faq", "account", "billing", "bug", "escalate"]},
        "urgency": {"type": "string", "enum": ["low", "medium", "high"]},
        "frustrated": {"type": "boolean"},
        "injection": {"type": "boolean"},
        "topic": {"type": "string"},
        "confidence": {"type": "number"},
    },
    "required": ["intent", "urgency", "frustrated", "injection", "topic", "confidence"],
    "additionalProperties": False,
}

GENERATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reply": {"type": "string"},
        "cited_docs": {"type": "array", "items": {"type": "integer"}},
        "answer_found": {"type": "boolean"},
    },
    "required": ["reply", "cited_docs", "answer_found"],
    "additionalProperties": False,
}


def _json_object(raw: str, what: str, provider: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ProviderRejected(f"{what} output is not JSON: {str(raw)[:120]!r}", provider=provider) from exc
    if not isinstance(data, dict):
        raise ProviderRejected(f"{what} output is not a JSON object", provider=provider)
    return data


def parse_classification(raw: str, provider: str = "") -> Classification:
    """Validate the model's JSON against Classification; anything else is unusable output."""
    data = _json_object(raw, "classification", provider)
    conf = data.get("confidence", 1.0)
    if isinstance(conf, (int, float)):
        data["confidence"] = min(1.0, max(0.0, float(conf)))
    topic = data.get("topic")
    if isinstance(topic, str):
        data["topic"] = " ".join(topic.lower().split())[:60]
    signals = ["prompt_injection"] if data.get("injection") is True else []
    try:
        return Classification.model_validate({**data, "signals": signals})
    except ValidationError as exc:
        raise ProviderRejected(f"classification fails validation: {exc.errors()[0]['msg']}", provider=provider) from exc


_DOC_REF = re.compile(r"\s?\[Doc\s+(\d+)(?::[^\]]*)?\]")


def parse_draft(raw: str, chunks: list[Chunk], provider: str = "") -> Draft:
    """The reply and the excerpts it cites: numbers from `cited_docs` and any `[Doc N]` left in the text.

    Only numbers that name a given excerpt become citations; the markers are removed from the text the
    customer sees. A reply citing nothing is not grounded."""
    data = _json_object(raw, "reply", provider)
    reply = data.get("reply")
    if not isinstance(reply, str) or not reply.strip():
        raise ProviderRejected("reply output has no text", provider=provider)
    numbers: list[int] = [n for n in data.get("cited_docs") or [] if isinstance(n, int) and not isinstance(n, bool)]
    numbers += [int(m) for m in _DOC_REF.findall(reply)]
    text = _DOC_REF.sub("", reply).strip()
    seen: list[int] = []
    for n in numbers:
        if 1 <= n <= len(chunks) and n not in seen:
            seen.append(n)
    cites = [Citation(doc_id=chunks[n - 1].doc_id, title=chunks[n - 1].title, section=chunks[n - 1].section) for n in seen]
    found = data.get("answer_found", True) is not False
    if not found or not cites:
        return Draft(text=text, citations=[] if not found else cites, grounded=False)
    return Draft(text=text, citations=cites, grounded=True)


def canned(cls: Classification, chunks: list[Chunk]) -> Draft | None:
    """The reply that needs no model call: a specialist for money/account/escalation, a hand-off with no excerpts."""
    if cls.intent in HUMAN_INTENTS:
        return Draft(text=SPECIALIST, citations=[], grounded=False)
    if not chunks:
        return Draft(text=HANDOFF, citations=[], grounded=False)
    return None
