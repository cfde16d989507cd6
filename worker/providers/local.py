"""The embedded default provider: local classifier and extractive, grounded replies. No keys, no network."""

from __future__ import annotations

from dataclasses import dataclass

from worker.models import HUMAN_INTENTS, Chunk, Classification, Draft, Ticket, Usage
from worker.providers import local_classifier as lc
from worker.replies import compose
from worker.replies.frames import FRAMES
from worker.settings import Settings
from worker.text import clean

# The English lines, for callers that want them by name; every language's are in worker/replies/frames.py.
HANDOFF = FRAMES["en"].handoff
SPECIALIST = FRAMES["en"].specialist

# The frustration model alone must be fairly sure: the rules catch the explicit cases.
FRUSTRATION_P = 0.5
# The models read the opening of a long message (where the ask is) so classify stays around a millisecond.
MAX_MODEL_CHARS = 2000
MAX_RULE_CHARS = 4000  # the topic rules read this much; injection is looked for everywhere


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
        """Answer with what the best section says to this question, in the article's language (worker/replies/)."""
        if classification.intent in HUMAN_INTENTS:
            return compose.specialist(ticket), self._usage("generate")
        return compose.compose(ticket, chunks), self._usage("generate")
