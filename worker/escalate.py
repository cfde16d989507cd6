"""The escalation policy: pure functions that say whether a human takes over, and every reason why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from worker.models import Chunk, Classification, Decision, Draft, Failure, Ticket

# Reasons, as they appear in results, metrics and the review page.
BILLING = "billing"
ACCOUNT = "account_change"
HUMAN_REQUESTED = "escalate_intent"
HIGH_URGENCY = "high_urgency"
FRUSTRATION = "frustration"
INJECTION = "prompt_injection"
NO_DOCS = "no_relevant_docs"
UNCERTAIN_DRAFT = "draft_uncertain"
BUG_NO_FIX = "bug_without_known_fix"
REPEAT_TOPIC = "repeat_topic"
LONG_THREAD = "long_thread"
LOW_CONFIDENCE = "low_confidence"
HUMAN_OWNS = "human_owns_conversation"
AUTOMATION_FAILED = "automation_failed"
AUTOMATION_UNAVAILABLE = "automation_unavailable"

SOFT_PHRASES: tuple[str, ...] = (
    "i'll connect you with our team",
    "let me get a specialist",
    "i don't have that information",
    "i do not have that information",
)


@dataclass(frozen=True)
class Policy:
    """The configurable thresholds of the escalation policy."""

    min_score: float = 0.0
    bug_min_score: float = 0.0
    min_confidence: float = 0.0
    repeat_topic_limit: int = 3
    max_turns: int = 5
    auto_intents: frozenset[str] = frozenset({"faq", "bug"})
    soft_phrases: tuple[str, ...] = SOFT_PHRASES


@dataclass(frozen=True)
class Context:
    """Facts from outside the ticket that the policy weighs (read from Redis by the task)."""

    topic_count: int = 1
    human_owner: bool = False
    failure: Failure | None = None
    extra: dict[str, str] = field(default_factory=dict)


def hard_reasons(cls: Classification) -> list[str]:
    """Reasons that send a ticket to a human before any reply is written."""
    reasons: list[str] = []
    if cls.intent == "billing":
        reasons.append(BILLING)
    if cls.intent == "account":
        reasons.append(ACCOUNT)
    if cls.intent == "escalate":
        reasons.append(HUMAN_REQUESTED)
    if cls.urgency == "high":
        reasons.append(HIGH_URGENCY)
    if cls.frustrated:
        reasons.append(FRUSTRATION)
    if cls.injection:
        reasons.append(INJECTION)
    return reasons


Rule = Callable[[Ticket, Classification, Sequence[Chunk], "Draft | None", Policy, Context], "str | None"]


def _no_docs(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    if c.intent in ("faq", "bug") and (not chunks or chunks[0].score < p.min_score):
        return NO_DOCS
    return None


def _bug_without_fix(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    if c.intent != "bug" or not chunks:
        return None
    top = chunks[0]
    if top.doc_id.startswith("known-issue") or top.doc_id.startswith("troubleshooting"):
        return None if top.score >= p.min_score else BUG_NO_FIX
    return None if top.score >= p.bug_min_score else BUG_NO_FIX


def _uncertain_draft(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    if d is None:
        return None
    low = d.text.lower().replace("’", "'")
    if any(ph in low for ph in p.soft_phrases) or not d.citations:
        return UNCERTAIN_DRAFT
    return None


def _repeat(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    return REPEAT_TOPIC if x.topic_count >= p.repeat_topic_limit else None


def _long_thread(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    return LONG_THREAD if len(t.history) >= p.max_turns else None


def _low_confidence(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    return LOW_CONFIDENCE if c.confidence < p.min_confidence else None


def _human_owner(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    return HUMAN_OWNS if x.human_owner else None


SOFT_RULES: tuple[Rule, ...] = (_no_docs, _bug_without_fix, _uncertain_draft, _repeat, _long_thread, _low_confidence, _human_owner)


def decide(
    ticket: Ticket,
    cls: Classification | None,
    chunks: Sequence[Chunk],
    draft: Draft | None,
    *,
    policy: Policy,
    context: Context = Context(),
) -> Decision:
    """Whether the reply goes out (`auto_reply`), waits for an agent (`draft`) or a human takes over."""
    if context.failure is not None or cls is None:
        reason = context.failure.reason if context.failure else AUTOMATION_FAILED
        extra = [HUMAN_OWNS] if context.human_owner else []
        return Decision(action="escalate", reasons=[reason, *extra])
    reasons = hard_reasons(cls)
    for rule in SOFT_RULES:
        r = rule(ticket, cls, chunks, draft, policy, context)
        if r and r not in reasons:
            reasons.append(r)
    if reasons:
        return Decision(action="escalate", reasons=reasons)
    return Decision(action="auto_reply" if cls.intent in policy.auto_intents else "draft", reasons=[])


def policy_from(settings: object) -> Policy:
    """The policy the settings describe."""
    from worker.settings import Settings

    assert isinstance(settings, Settings)
    return Policy(
        min_score=settings.retrieval_min_score,
        bug_min_score=settings.retrieval_min_score,
        min_confidence=settings.min_confidence,
        repeat_topic_limit=settings.repeat_topic_limit,
        max_turns=settings.max_bot_turns,
        auto_intents=settings.auto_intent_set,
    )
