"""The embedded default provider: local classifier and extractive, grounded replies. No keys, no network."""

from __future__ import annotations

from dataclasses import dataclass

from worker.errors import ConfigError
from worker.models import HUMAN_INTENTS, Chunk, Classification, Draft, Ticket, Usage
from worker.providers import local_classifier as lc
from worker.providers import signals as sig
from worker.replies import compose
from worker.replies.frames import FRAMES
from worker.settings import Settings
from worker.text import clean

# The English lines, for callers that want them by name; every language's are in worker/replies/frames.py.
HANDOFF = FRAMES["en"].handoff
SPECIALIST = FRAMES["en"].specialist

# The models read the opening of a long message (where the ask is) so classify stays around a millisecond.
MAX_MODEL_CHARS = 2000
MAX_RULE_CHARS = 4000  # the topic rules read this much; injection is looked for everywhere


@dataclass
class LocalProvider:
    """Classifier trained on the team's tickets, extractive responder; its usage costs nothing."""

    models: lc.LocalModels
    name: str = "local"
    model: str = "local-lr-2"

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        """The team's trained model (TICKETFLOW_CLASSIFIER_MODEL), else the bundled one (trained once and cached)."""
        if settings.classifier_model is not None:
            try:
                models = lc.load(settings.classifier_model)
            except ValueError as exc:
                raise ConfigError(f"TICKETFLOW_CLASSIFIER_MODEL: {exc}") from exc
        else:
            models = lc.load_or_train(settings.index_dir.parent)
        # featurize once now: importing scikit-learn takes seconds on a busy machine, and a worker
        # warms its provider before it takes tickets, so no ticket's deadline pays for it
        models.predict("warm up")
        return cls(models)

    def _usage(self, stage: str) -> Usage:
        return Usage(stage=stage, provider=self.name, model=self.model)

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """The models' reading of the ticket, then the signals of what the customer asks for (see `signals`)."""
        full = clean(ticket.text)
        text = full[:MAX_RULE_CHARS]
        history = " ".join(t.text for t in ticket.history[-5:] if t.role in ("customer", "user"))[:MAX_RULE_CHARS]
        p_intent, p_urg, p_frustrated = self.models.predict(text[:MAX_MODEL_CHARS])
        intent = max(p_intent, key=p_intent.__getitem__)
        confidence = p_intent[intent]
        urgency = max(p_urg, key=p_urg.__getitem__)
        harm_now = sig.harm_now(text)
        if urgency == "high" and p_urg["high"] < self.models.high_alone_p and not harm_now:
            urgency = "medium"  # high urgency is harm now: without its signal the model's lean alone does not send a question to a person
        frustrated = p_frustrated > self.models.frustration_p
        signals: list[str] = ["frustration_model"] if frustrated else []
        own_money = sig.asks_for_own_money_in(clean(ticket.subject or "")[:MAX_RULE_CHARS], clean(ticket.message)[:MAX_RULE_CHARS])
        account_change = sig.asks_for_account_change(text)
        said = harm_now or sig.PROFANITY.search(text) or sig.FRUSTRATION.search(text) or sig.shouts_a_word(ticket.message[:MAX_RULE_CHARS])
        person = sig.wants_a_person(text)
        general = self.models.escalate_alone_p > 0  # the bundled model, which has not learnt this help centre's words
        # "I have a few questions about ...", "I'd like information on ...": asked to be told something, and nothing
        # else asked for (a person, money, an account change) or said (harm, anger). The general model reads such pleas
        # as a request for a person and as frustration; their words, not their phrasing, decide.
        leans_to_person = intent != "faq" or frustrated or sum(p_intent[i] for i in lc.HUMAN_INTENTS) >= self.models.human_p
        information = general and leans_to_person and not (person or own_money or account_change or said) and sig.asks_for_information(text)
        if information:
            signals = [s for s in signals if s != "frustration_model"] + ["information_request"]
            frustrated = False
        harm = said or frustrated
        human = {i: p_intent[i] for i in lc.HUMAN_INTENTS}
        if intent == "escalate" and not harm and (information or p_intent["escalate"] < self.models.escalate_alone_p):
            # no signal of what escalate means: the next reading decides (a lean to billing or account still goes to a person)
            rest = {i: p for i, p in p_intent.items() if i != "escalate"}
            intent = max(rest, key=rest.__getitem__)
            confidence = rest[intent] / max(1e-9, sum(rest.values()))
            human.pop("escalate")
            signals.append("escalate_without_signal")
        elif not harm and self.models.escalate_alone_p > 0:
            human.pop("escalate")  # for the threshold below: an escalation needs its signal, a general model's lean is not enough
        if intent == "bug" and (information or sig.QUESTION.search(text)) and not sig.FAILURE.search(text):
            intent = "faq"
            signals.append("question_without_failure")
        if intent in ("faq", "bug") and sum(human.values()) >= self.models.human_p and not (information or sig.asks_about_prices(text)):
            # the model leans to a person more than the chosen threshold allows an answer for
            intent = max(human, key=human.__getitem__)
            confidence = human[intent]
            signals.append("human_intent_probability")
        if person:
            intent, confidence = "escalate", 1.0
            signals.append(person)
        elif intent in ("faq", "bug") and own_money:
            intent = "billing"
            signals.append("own_money")
        elif intent in ("faq", "bug") and account_change:
            intent = "account"
            signals.append("account_change")
        elif intent == "billing" and not own_money and (information or sig.asks_about_prices(text) or sig.MEANING_QUESTION.search(text) or sig.plain_question(text)
                                                         or sig.asks_for_replacement(text)):
            # prices, fees, payment methods, top-ups, limits, what a line on the bill means, a card to replace: a question the help centre may answer
            intent, confidence = "faq", p_intent["faq"] + p_intent["billing"]
            signals.append("money_question")
        elif intent == "account" and not account_change and (information or sig.asks_how_about_account(text)) and not sig.security_incident(text):
            intent, confidence = "faq", p_intent["faq"] + p_intent["account"]
            signals.append("account_how_to")
        if sig.security_incident(text):
            urgency = "high"
            signals.append("security")
        if sig.SAFETY.search(text) or sig.vulnerable_without_essentials(text):
            urgency = "high"
            signals.append("safety")
        if sig.blocked_now(text):
            urgency = "high"
            signals.append("urgent_terms")
        if sig.PROFANITY.search(text):
            frustrated = True
            signals.append("profanity")
        if sig.FRUSTRATION.search(text) or sig.FRUSTRATION.search(history) or sig.caps_ratio(ticket.message[:MAX_RULE_CHARS]) > 0.6 or sig.shouts_a_word(ticket.message[:MAX_RULE_CHARS]):
            frustrated = True
            signals.append("frustration_terms")
        injection = sig.has_injection(ticket.subject, ticket.message, *(t.text for t in ticket.history if t.role in ("customer", "user")))
        if injection:
            signals.append("prompt_injection")
            raw = sig.injection_text(ticket.text)  # what clean() cut (a comment, a quote) may be the ask
            own_money, account_change = own_money or sig.asks_for_own_money(raw), account_change or sig.asks_for_account_change(raw)
            # Adversarial text steers the model; what the customer is after (money, the account) decides.
            if own_money:
                intent, confidence = "billing", 1.0
            elif account_change:
                intent, confidence = "account", 1.0
        cls = Classification(
            intent=intent,  # type: ignore[arg-type]
            urgency=urgency,  # type: ignore[arg-type]
            confidence=round(min(1.0, confidence), 4),
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
