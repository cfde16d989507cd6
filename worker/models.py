"""Domain types shared by producers and workers (pydantic v2, JSON on the wire)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

Intent = Literal["faq", "account", "billing", "bug", "escalate"]
Urgency = Literal["low", "medium", "high"]
Action = Literal["auto_reply", "draft", "escalate"]
INTENTS: tuple[str, ...] = ("faq", "account", "billing", "bug", "escalate")
HUMAN_INTENTS: frozenset[str] = frozenset({"billing", "account", "escalate"})  # a human takes these before any reply is written
LAST_TURNS = 5  # turns of a thread a model sees, the customer's earlier tickets included (the reference design says 3-5)
URGENCIES: tuple[str, ...] = ("low", "medium", "high")

MAX_MESSAGE_CHARS = 20_000
MAX_SUBJECT_CHARS = 500
MAX_HISTORY_TURNS = 50
MAX_ID_CHARS = 200


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["customer", "agent", "bot", "user", "assistant"] = "customer"
    text: str = Field(max_length=MAX_MESSAGE_CHARS)


class Ticket(BaseModel):
    """A customer ticket as every producer hands it in."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    source: str = Field(default="api", min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")
    customer_id: str = Field(default="anonymous", min_length=1, max_length=MAX_ID_CHARS)
    subject: str = Field(default="", max_length=MAX_SUBJECT_CHARS)
    message: str = Field(
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        validation_alias=AliasChoices("message", "text", "body"),
    )
    language: str | None = Field(default=None, max_length=20)
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    conversation_id: str | None = Field(default=None, max_length=MAX_ID_CHARS)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", "customer_id", mode="before")
    @classmethod
    def _ids_are_text(cls, v: Any) -> Any:
        # Helpdesks send numeric ids; accept them as text but refuse anything else.
        if isinstance(v, bool):
            raise ValueError("must be a string or integer")
        if isinstance(v, int):
            return str(v)
        return v

    @field_validator("message")
    @classmethod
    def _message_has_text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("message is blank")
        if "\x00" in v:
            raise ValueError("message contains NUL bytes")
        return v

    @property
    def text(self) -> str:
        """Subject and message as one text, for classifiers and retrieval."""
        return f"{self.subject}\n{self.message}".strip() if self.subject else self.message

    @property
    def uid(self) -> str:
        """The ticket's id across helpdesks: `source:id`."""
        return f"{self.source}:{self.id}"

    @property
    def thread_id(self) -> str:
        """The conversation this ticket belongs to (the ticket itself if none given)."""
        return self.conversation_id or self.id


class Classification(BaseModel):
    """What the ticket is about and how urgent it is."""

    intent: Intent
    urgency: Urgency = "low"
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    frustrated: bool = False
    injection: bool = False
    topic: str = ""
    signals: list[str] = Field(default_factory=list)


class Chunk(BaseModel):
    """One retrieved help-centre section."""

    doc_id: str
    title: str
    section: str = ""
    text: str
    score: float = 0.0
    language: str = "en"


class Citation(BaseModel):
    """A help-centre section the reply relies on."""

    doc_id: str
    title: str
    section: str = ""


class Draft(BaseModel):
    """The reply the bot wrote, with the sections it is grounded in."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool = True
    language: str | None = None  # the language the reply is written in, when the writer knows it (the local provider does)
    # The same reply as HTML (lists, links, emphasis), for helpdesks that take it (Zendesk html_body,
    # Intercom body); None when the writer gave plain text only (a model's draft, results stored before).
    html: str | None = None


class Decision(BaseModel):
    """Whether the reply goes out or a human takes over, with every reason that fired."""

    action: Action
    reasons: list[str] = Field(default_factory=list)


class Usage(BaseModel):
    """Tokens and money spent by one model call."""

    stage: str
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    fallback_for: str | None = None  # "provider/model" whose open circuit breaker sent this call to `provider` instead


class Failure(BaseModel):
    """A stage that failed for good; the ticket goes to a human with this attached."""

    stage: str
    error: str
    reason: str = "automation_failed"


class TicketResult(BaseModel):
    """A ticket on its way through the chain, and, once escalate has run, its final result."""

    ticket: Ticket
    run_id: str | None = None
    classification: Classification | None = None
    chunks: list[Chunk] = Field(default_factory=list)
    index_version: str | None = None  # the help-centre index version the chunks came from (None: retrieval skipped)
    draft: Draft | None = None
    decision: Decision | None = None
    reply: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    usage: list[Usage] = Field(default_factory=list)
    attempts: dict[str, int] = Field(default_factory=dict)
    stages: list[str] = Field(default_factory=list)  # the stages that ran, in order (hard escalations: classify, escalate)
    deferred: dict[str, int] = Field(default_factory=dict)  # per stage, retries that were breaker waits (they spend no retry)
    failure: Failure | None = None
    enqueued_at: float = 0.0
    completed_at: float | None = None

    @property
    def cost_usd(self) -> float:
        """Total model spend for this ticket."""
        return sum(u.cost_usd for u in self.usage)

    @property
    def providers(self) -> list[str]:
        """Provider/model ids that served this ticket."""
        return sorted({f"{u.provider}/{u.model}" for u in self.usage})

    def summary(self) -> dict[str, Any]:
        """The flat fields operators filter on, stored beside the JSON in the results stream."""
        return {
            "ticket_id": self.ticket.id,
            "source": self.ticket.source,
            "customer_id": self.ticket.customer_id,
            "intent": self.classification.intent if self.classification else "",
            "action": self.decision.action if self.decision else "",
            "reasons": ",".join(self.decision.reasons) if self.decision else "",
            "cost_usd": f"{self.cost_usd:.6f}",
            "run_id": self.run_id or "",
        }
