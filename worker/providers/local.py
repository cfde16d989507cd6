"""The embedded default provider: local classifier and extractive, grounded replies. No keys, no network."""

from __future__ import annotations

import re
from dataclasses import dataclass

from worker.models import HUMAN_INTENTS, Chunk, Citation, Classification, Draft, Ticket, Usage
from worker.providers import local_classifier as lc
from worker.settings import Settings
from worker.text import clean, content_tokens

HANDOFF = "I'll connect you with our team, who can help with this directly."
SPECIALIST = "Let me get a specialist for this right away."

# The frustration model alone must be fairly sure: the rules catch the explicit cases.
FRUSTRATION_P = 0.5
# The models read the opening of a long message (where the ask is) so classify stays around a millisecond.
MAX_MODEL_CHARS = 2000
MAX_RULE_CHARS = 4000  # the topic rules read this much; injection is looked for everywhere

_STEP = re.compile(r"^\s*(\d+[.)]|[-*•])\s+")


def extract_answer(chunk: Chunk, query: str, max_lines: int = 6) -> str:
    """The lines of a section that answer: its steps if it has any, else its most relevant sentences."""
    lines = [ln.strip() for ln in chunk.text.splitlines() if ln.strip()]
    steps = [ln for ln in lines if _STEP.match(ln)]
    if steps:
        return "\n".join(steps[:max_lines])
    q = set(content_tokens(query))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(lines)) if s.strip()]
    ranked = sorted(range(len(sentences)), key=lambda i: (-len(q & set(content_tokens(sentences[i]))), i))
    keep = sorted(ranked[:3])
    return " ".join(sentences[i] for i in keep)


@dataclass
class LocalProvider:
    """Classifier trained on the corpus, extractive responder; its usage costs nothing."""

    models: lc.LocalModels
    name: str = "local"
    model: str = "local-nb-1"

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        """Load (or train once and cache) the local models."""
        return cls(lc.load_or_train(settings.index_dir.parent))

    def _usage(self, stage: str) -> Usage:
        return Usage(stage=stage, provider=self.name, model=self.model)

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """Naive Bayes for intent, urgency and frustration, then the rules that are simply right."""
        full = clean(ticket.text)
        text = full[:MAX_RULE_CHARS]
        history = " ".join(t.text for t in ticket.history[-5:] if t.role in ("customer", "user"))[:MAX_RULE_CHARS]
        feats = lc.features(text[:MAX_MODEL_CHARS])
        p_intent = self.models.intent.proba(feats)
        intent = max(p_intent, key=p_intent.__getitem__)
        confidence = p_intent[intent]
        p_urg = self.models.urgency.proba(feats)
        urgency = max(p_urg, key=p_urg.__getitem__)
        frustrated = self.models.frustration.proba(feats)["yes"] > FRUSTRATION_P
        signals: list[str] = ["frustration_model"] if frustrated else []
        if intent == "bug" and lc.QUESTION.search(text) and not lc.FAILURE.search(text):
            intent = "faq"
            signals.append("question_without_failure")
        if lc.HUMAN_REQUEST.search(text):
            intent, confidence = "escalate", 1.0
            signals.append("human_requested")
        elif lc.COMPLAINT.search(text):
            intent, confidence = "escalate", 1.0
            signals.append("complaint")
        elif intent in ("faq", "bug") and lc.MONEY.search(text):
            intent = "billing"
            signals.append("money_terms")
        elif intent in ("faq", "bug") and lc.ACCOUNT_CHANGE.search(text):
            intent = "account"
            signals.append("account_change_terms")
        if lc.HIGH_URGENCY.search(text):
            urgency = "high"
            signals.append("urgent_terms")
        if lc.PROFANITY.search(text):
            frustrated = True
            signals.append("profanity")
        if lc.FRUSTRATION.search(text) or lc.FRUSTRATION.search(history) or lc.caps_ratio(ticket.message[:MAX_RULE_CHARS]) > 0.6:
            frustrated = True
            signals.append("frustration_terms")
        injection = bool(lc.INJECTION.search(full))
        if injection:
            signals.append("prompt_injection")
            # Adversarial text steers the model; what the customer is after (money, the account) decides.
            if lc.MONEY.search(text):
                intent, confidence = "billing", 1.0
            elif lc.ACCOUNT_CHANGE.search(text):
                intent, confidence = "account", 1.0
        cls = Classification(
            intent=intent,  # type: ignore[arg-type]
            urgency=urgency,  # type: ignore[arg-type]
            confidence=round(confidence, 4),
            frustrated=frustrated,
            injection=injection,
            signals=signals,
        )
        return cls, self._usage("classify")

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        """Answer with the best section's steps, naming the article; hand off when nothing fits."""
        if classification.intent in HUMAN_INTENTS:
            return Draft(text=SPECIALIST, citations=[], grounded=False), self._usage("generate")
        if not chunks:
            return Draft(text=HANDOFF, citations=[], grounded=False), self._usage("generate")
        top = chunks[0]
        body = extract_answer(top, clean(ticket.text))
        where = f"the {top.title} guide" + (f" ({top.section})" if top.section else "")
        text = f"Hi,\n\nAccording to {where}:\n\n{body}\n\nIf this doesn't solve it, reply here and a member of our team will take over."
        cites = [Citation(doc_id=top.doc_id, title=top.title, section=top.section)]
        return Draft(text=text, citations=cites, grounded=True), self._usage("generate")
