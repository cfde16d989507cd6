"""The escalation policy: pure functions that say whether a human takes over, and every reason why.

Hard rules look at the classification alone and send the ticket to a human before any reply is
written. Soft rules weigh the retrieved sections, the draft and the conversation (`Context`, read
from Redis by the task). `decide` runs every rule and records every reason that fired, so a support
lead can see all of them, not just the first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from worker import clock
from worker.models import HUMAN_INTENTS, Chunk, Classification, Decision, Draft, Failure, Ticket, TicketResult
from worker.providers import signals
from worker.replies.frames import customer_language, specialist_line
from worker.text import clean, content_tokens

# Reasons, as they appear in results, metrics and the review page.
BILLING = "billing"
ACCOUNT = "account_change"
HUMAN_REQUESTED = "escalate_intent"
INTENT_REASONS = {"billing": BILLING, "account": ACCOUNT, "escalate": HUMAN_REQUESTED}  # one per human intent
HIGH_URGENCY = "high_urgency"
FRUSTRATION = "frustration"
INJECTION = "prompt_injection"
NO_DOCS = "no_relevant_docs"
NO_DOCS_IN_LANGUAGE = "no_docs_in_language"
UNCERTAIN_DRAFT = "draft_uncertain"
UNGROUNDED_DRAFT = "draft_ungrounded"
REVEALS_INSTRUCTIONS = "draft_reveals_instructions"
BUG_NO_FIX = "bug_without_known_fix"
REPEAT_TOPIC = "repeat_topic"
LONG_THREAD = "long_thread"
LOW_CONFIDENCE = "low_confidence"
HUMAN_OWNS = "human_owns_conversation"
AUTOMATION_FAILED = "automation_failed"
AUTOMATION_UNAVAILABLE = "automation_unavailable"

# A model hedging or handing off in its own words: the draft must not go out as an answer.
SOFT_PHRASES: tuple[str, ...] = (
    "i'll connect you with",
    "i will connect you with",
    "let me get a specialist",
    "let me connect you",
    "i'll pass this to",
    "i'll escalate",
    "i will escalate",
    "i don't have that information",
    "i do not have that information",
    "i don't have information",
    "i'm not able to help with",
    "i am not able to help with",
    "i can't help with",
    "i cannot help with",
    "i'm not sure",
    "i am not sure",
)

# A draft that talks about its own instructions is leaking them, whoever asked.
_LEAK = re.compile(
    r"\b(my|the) (system )?(prompt|instructions)\b|\bi (was|am|have been) (instructed|told|programmed) to\b"
    r"|\byou are a (helpful|support|customer)",
    re.I,
)
_STEP = re.compile(r"^\s*(\d+[.)]|[-*•])\s+", re.M)
FIX_DOC_PREFIXES = ("known-issue", "troubleshooting")
_FIX_WORDS = re.compile(
    r"troubleshoot\w*|known[- ]issues?|problems?|not working|doesn'?t work|fix\w*|errors?|"
    r"solución de problemas|problemas?|no funciona|dépannage|problèmes?|ne fonctionne pas|fehlerbehebung|probleme?|funktioniert nicht|"
    r"risoluzione dei problemi|problemi|non funziona|resolução de problemas|não funciona",
    re.I,
)


@dataclass(frozen=True)
class Policy:
    """The configurable thresholds of the escalation policy."""

    min_score: float = 0.0  # retrieval score below which the top section does not count (TICKETFLOW_RETRIEVAL_MIN_SCORE)
    min_coverage: float = 0.0  # share of the ticket's key words the top section must contain
    bug_min_coverage: float = 0.3  # the same for bugs: a fix must match strongly
    bug_min_score: float = 0.0  # retrieval score a bug's fix must reach (a bug answered wrongly costs more than a question)
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
    thread_turns: int = 0  # customer turns stored for this thread, the current one included
    extra: dict[str, str] = field(default_factory=dict)


def coverage(ticket: Ticket, chunk: Chunk) -> float:
    """Share of the ticket's key words that the section contains: how strongly it matches, on any retriever's scale."""
    asked = set(content_tokens(clean(ticket.text)))
    if not asked:
        return 0.0
    have = set(content_tokens(f"{chunk.title} {chunk.section} {chunk.text}"))
    return len(asked & have) / len(asked)


def is_fix(chunk: Chunk, ticket: Ticket | None = None) -> bool:
    """A known-issue or troubleshooting article or section (in any of six languages); or a how-to section (one with
    steps) when the customer asked a question. A report that only says what fails needs a fix, not how the feature
    works: answered with a how-to's steps, six of the bundled sample's bug reports that needed a person got one
    (its must-escalate recall 0.958 -> 0.975 with this rule)."""
    if chunk.doc_id.startswith(FIX_DOC_PREFIXES) or _FIX_WORDS.search(f"{chunk.doc_id} {chunk.title} {chunk.section}"):
        return True
    asked = ticket is None or bool(signals.QUESTION.search(clean(ticket.text)))
    return asked and len(_STEP.findall(chunk.text)) >= 2


def injection_in(ticket: Ticket, cls: Classification) -> bool:
    """Prompt injection, as the provider saw it or as the local detector sees it (whatever the provider)."""
    return cls.injection or signals.has_injection(ticket.subject, ticket.message)


def hard_reasons(cls: Classification, ticket: Ticket | None = None) -> list[str]:
    """Reasons that send a ticket to a human before any reply is written."""
    reasons: list[str] = []
    if cls.intent in HUMAN_INTENTS:
        reasons.append(INTENT_REASONS[cls.intent])
    if cls.urgency == "high":
        reasons.append(HIGH_URGENCY)
    if cls.frustrated:
        reasons.append(FRUSTRATION)
    if cls.injection or (ticket is not None and injection_in(ticket, cls)):
        reasons.append(INJECTION)
    return reasons


Rule = Callable[[Ticket, Classification, Sequence[Chunk], "Draft | None", Policy, Context], "str | None"]


def no_docs(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """An answerable intent with no section that answers it."""
    if c.intent not in ("faq", "bug"):
        return None
    if not chunks or chunks[0].score < p.min_score or coverage(t, chunks[0]) < p.min_coverage:
        return NO_DOCS
    return None


def bug_without_fix(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """A bug is answered only when a known-issue, troubleshooting or how-to section matches strongly."""
    if c.intent != "bug":
        return None
    bar = max(p.min_score, p.bug_min_score)
    if chunks and is_fix(chunks[0], t) and chunks[0].score >= bar and coverage(t, chunks[0]) >= p.bug_min_coverage:
        return None
    return BUG_NO_FIX


def uncertain_draft(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The draft hands off or hedges in so many words."""
    if d is None:
        return None
    low = d.text.lower().replace("\u2019", "'")
    return UNCERTAIN_DRAFT if any(ph in low for ph in p.soft_phrases) else None


def ungrounded_draft(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The draft cites nothing it was given: it would be the model's word, not the help centre's."""
    if d is None:
        return None
    return UNGROUNDED_DRAFT if not d.citations or not d.grounded else None


def reveals_instructions(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The draft talks about its own prompt or instructions. Words the retrieved sections use themselves
    ("click Submit and follow the instructions") are the help centre's, quoted or paraphrased, not a leak."""
    if d is None:
        return None
    sources = [ch.text.lower() for ch in chunks]
    leaked = (m.group(0).lower() for m in _LEAK.finditer(d.text))
    return REVEALS_INSTRUCTIONS if any(not any(phrase in src for src in sources) for phrase in leaked) else None


def wrong_language(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The reply is not in the customer's language (the help centre has no article in it, and the local
    provider does not translate): a human answers rather than the customer reading two languages."""
    if d is None or not d.grounded or d.language is None:
        return None
    asked = customer_language(t)
    return NO_DOCS_IN_LANGUAGE if asked and asked != d.language else None


def repeat_topic(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The same customer on the same topic for the n-th time: the answers are not working."""
    return REPEAT_TOPIC if x.topic_count >= p.repeat_topic_limit else None


def long_thread(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """A thread past `max_turns` turns that is still open."""
    turns = max(len(t.history) + 1, x.thread_turns)
    return LONG_THREAD if turns > p.max_turns else None


def low_confidence(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """The classifier was unsure what the ticket is about."""
    return LOW_CONFIDENCE if c.confidence < p.min_confidence else None


def human_owner(t: Ticket, c: Classification, chunks: Sequence[Chunk], d: Draft | None, p: Policy, x: Context) -> str | None:
    """An agent has acted on this thread: the bot never answers after them."""
    return HUMAN_OWNS if x.human_owner else None


# Rules that judge the retrieved sections and the draft: a hard escalation never searched nor drafted (it went
# classify -> escalate), so they would report what did not happen ("no relevant docs" for a ticket never searched).
ANSWER_RULES: frozenset[Rule] = frozenset({no_docs, bug_without_fix, uncertain_draft, ungrounded_draft, reveals_instructions, wrong_language})

SOFT_RULES: tuple[Rule, ...] = (
    no_docs,
    bug_without_fix,
    uncertain_draft,
    ungrounded_draft,
    reveals_instructions,
    wrong_language,
    repeat_topic,
    long_thread,
    low_confidence,
    human_owner,
)


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
    reasons = hard_reasons(cls, ticket)
    for rule in SOFT_RULES:
        if reasons and rule in ANSWER_RULES:
            continue
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
        min_coverage=settings.min_coverage,
        bug_min_coverage=settings.bug_min_coverage,
        bug_min_score=settings.retrieval_bug_min_score,
        min_confidence=settings.min_confidence,
        repeat_topic_limit=settings.repeat_topic_limit,
        max_turns=settings.max_bot_turns,
        auto_intents=settings.auto_intent_set,
    )


def skips_to_human(state: TicketResult) -> bool:
    """Hard escalations and failed tickets take no retrieval or generation: classify -> escalate."""
    if state.failure is not None or state.classification is None:
        return True
    return bool(hard_reasons(state.classification, state.ticket))


def do_escalate(state: TicketResult, policy: Policy, context: Context) -> TicketResult:
    """The stage on a ticket's state: the decision, and the reply that goes to the customer or the agent."""
    t0 = clock.monotonic()
    ctx = context if state.failure is None else dataclasses.replace(context, failure=state.failure)
    state.decision = decide(state.ticket, state.classification, state.chunks, state.draft, policy=policy, context=ctx)
    if state.decision.action == "escalate":
        state.reply = specialist_line(customer_language(state.ticket))  # what the customer is told, in their language
    else:
        state.reply = state.draft.text if state.draft else None
    state.timings["escalate"] = round(clock.monotonic() - t0, 6)
    state.completed_at = clock.now()
    return state
