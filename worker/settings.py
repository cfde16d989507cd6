"""Settings from the environment (prefix TICKETFLOW_), validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker import keys
from worker.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of ticketflow; each is also an environment variable `TICKETFLOW_<NAME>`."""

    # env_ignore_empty: `FOO=` (as docker-compose writes for an unset variable) means unset, never an empty secret.
    model_config = SettingsConfigDict(env_prefix="TICKETFLOW_", env_file=".env", extra="ignore", env_ignore_empty=True)

    # --- queue -----------------------------------------------------------------------------
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    broker_url: str = ""  # amqp://... : RabbitMQ carries the tasks (Redis stays the store); "" = REDIS_URL (worker/broker.py)
    broker_queue_type: Literal["quorum", "classic"] = "quorum"  # RabbitMQ queues: quorum (replicated, RabbitMQ 3.10+) or classic
    results_stream: str = keys.RESULTS_STREAM
    results_maxlen: int = 1_000_000
    dedupe_ttl_s: int = 7 * 24 * 3600
    visibility_timeout_s: int = 3600
    task_soft_time_limit_s: float = 60.0
    task_time_limit_s: float = 90.0
    retry_max: int = 6
    retry_backoff_s: float = 1.0
    retry_backoff_max_s: float = 60.0
    inflight_deadline_s: float = 900.0
    reap_every_s: float = 30.0  # how often a worker looks for tickets past their deadline
    publish_patience_s: float = 60.0  # how long a worker keeps handing a ticket to its next stage while Redis is away
    io_queue: str = "ticketflow.io"
    cpu_queue: str = "ticketflow.cpu"
    deliver_queue: str = "ticketflow.io"  # helpdesk write-backs; a queue of their own lets them be drained or paused apart

    # --- providers -------------------------------------------------------------------------
    provider: Literal["local", "anthropic", "openai"] = "local"
    provider_factory: str | None = None  # "package.module:callable" taking Settings: a custom provider
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = None
    anthropic_classify_model: str = "claude-haiku-5-5"  # current models; claude-haiku-4-5 / claude-sonnet-4-5 work too
    anthropic_generate_model: str = "claude-sonnet-5-5"
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = None
    openai_classify_model: str = "gpt-4o-mini"
    openai_generate_model: str = "gpt-4o"
    provider_timeout_s: float = 30.0
    max_output_tokens: int = 400
    rate_limit_rpm: int = 0  # cluster-wide requests per minute per provider; 0 = unlimited
    rate_limit_tpm: int = 0  # cluster-wide tokens per minute per provider; 0 = unlimited
    prices_json: str = ""  # override the price table: {"model": {"input": .., "output": ..}}
    # issue 3: per-stage providers, embeddings, output-token and per-model budgets (see worker/providers/ratelimit.py)
    classify_provider: Literal["", "local", "anthropic", "openai"] = ""  # "" = TICKETFLOW_PROVIDER
    generate_provider: Literal["", "local", "anthropic", "openai"] = ""  # "" = TICKETFLOW_PROVIDER
    openai_embedding_model: str = "text-embedding-3-small"
    rate_limit_otpm: int = 0  # cluster-wide output tokens per minute per model (rate_limit_tpm counts input tokens)
    rate_limits_json: str = ""  # per-model budgets: {"model": {"rpm": .., "itpm": .., "otpm": ..}}
    rate_limit_max_wait_s: float = 1.0  # a call whose slot is further away is re-scheduled, not waited for
    # issue 13: a team's own classifier (`ticketflow train`), and the company the model prompts speak for
    classifier_model: Path | None = None  # model file written by `ticketflow train`; None = the bundled general model
    company_name: str = "our company"
    company_description: str = "a product or service whose help centre is given below"
    # issue 16: a cluster-wide circuit breaker per provider and model (worker/providers/breaker.py), and failover
    breaker_failures: int = 5  # transient failures (5xx, 529, timeouts, connection errors) within the window that open it; 0 = off
    breaker_window_s: float = 10.0
    breaker_cooldown_s: float = 2.0  # calls stop this long, then one probe call; success closes, failure reopens
    fallback_provider: Literal["", "local", "anthropic", "openai"] = ""  # runs the stage while the primary's breaker is open

    # --- retrieval -------------------------------------------------------------------------
    corpus_dir: Path = ROOT / "corpus" / "help"
    index_dir: Path = ROOT / ".ticketflow" / "index"
    retrieval_top_k: int = 3
    # Scores are calibrated probabilities in [0, 1] that the top article answers the ticket (the answerability
    # model, worker/retrieval/search.py); 0.2 lets 3.9% of our own other-domain tickets through the pipeline.
    retrieval_min_score: float = 0.2  # below this the top chunk counts as "no relevant docs" (calibrated, see docs/retrieval.md)
    # Answerability (worker/retrieval/answerable.py): when more than this share of a ticket's salient terms' IDF weight
    # is in none of the top 3 sections (and in 3 or more terms), every score is 0: "no relevant docs". 1 = off.
    retrieval_uncovered_max: float = 0.65
    # A hard escalation (classify -> escalate) still gets the closest sections and a local extractive draft for
    # the agent, built inside escalate: no model call, no extra hop (worker/stages/handoff.py). false = none.
    hard_escalation_draft: bool = True
    retrieval_source: Path | None = None  # help centre the worker serves (folder or JSONL); None = corpus_dir
    retrieval_embeddings: Literal["local", "openai"] = "local"  # openai: openai_embedding_model, needs OPENAI_API_KEY
    retrieval_auto_rebuild: bool = True  # a worker whose index is stale re-indexes the changed articles at start-up
    # issue 18: one index version for the cluster (worker/retrieval/snapshot.py) and help-centre sync (worker/retrieval/sync/)
    index_store: str = ""  # "" = each host indexes its own source; "redis" = versions in REDIS_URL; a path = a shared folder
    index_check_s: float = 5.0  # how often a worker looks for a newer version (between tickets)
    index_keep_versions: int = 3  # published versions kept in the store (older ones are deleted)
    helpcenter_locales: str = ""  # locales to sync, comma-separated (e.g. "en-us,es,fr"); "" = every locale
    helpcenter_reconcile_s: float = 3600.0  # Zendesk: a full listing this often finds deleted and archived articles
    helpcenter_max_wait_s: float = 120.0  # the longest Retry-After a sync waits out before it fails

    # --- policy ----------------------------------------------------------------------------
    auto_intents: str = "faq,bug"  # intents whose replies are sent; the rest are drafts for agents
    repeat_topic_limit: int = 3
    max_bot_turns: int = 5
    conversation_ttl_s: int = 7 * 24 * 3600
    debounce_s: float = 0.0
    min_confidence: float = 0.0
    min_coverage: float = 0.0  # share of a faq's key words the top section must contain, else "no relevant docs"
    retrieval_bug_min_score: float = 0.45  # the retrieval score a bug's known fix must reach to be sent
    bug_min_coverage: float = 0.3  # the same for bugs: a known-issue or how-to section must match this strongly

    # --- producers / helpdesks ---------------------------------------------------------------
    api_token: SecretStr | None = None
    review_token: SecretStr | None = None
    zendesk_subdomain: str | None = None
    zendesk_base_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_webhook_secret: SecretStr | None = None
    intercom_base_url: str = "https://api.intercom.io"
    intercom_access_token: SecretStr | None = None
    intercom_client_secret: SecretStr | None = None
    intercom_admin_id: str | None = None
    poll_interval_s: float = 30.0
    # write-back and webhooks (issue 6)
    zendesk_writeback: bool = True  # post replies/notes back to Zendesk when it is configured
    intercom_writeback: bool = True  # post replies/notes back to Intercom when it is configured
    zendesk_bot_user_id: str | None = None  # the API user's id: its own comments never count as an agent acting
    zendesk_escalation_group_id: str | None = None  # group that receives escalations
    zendesk_escalation_assignee_id: str | None = None
    intercom_escalation_assignee_id: str | None = None  # admin or team id that receives escalations
    intercom_escalation_tag_id: str | None = None  # tag put on escalated conversations
    respect_helpdesk_assignee: bool = True  # a ticket assigned to someone other than the bot (or pending/on hold, snoozed) counts as owned by a human
    escalation_tag: str = "ticketflow_escalated"
    draft_tag: str = "ticketflow_draft"
    helpdesk_timeout_s: float = 10.0
    webhook_replay_window_s: int = 300  # signed timestamps older (or newer) than this are refused
    api_max_body_bytes: int = 1_000_000
    # issue 15: what the door lets in (producer/validation.py) and who may read what
    metadata_max_depth: int = 8  # nesting of a ticket's metadata (objects and arrays)
    metadata_max_keys: int = 200  # keys and array items in a ticket's metadata, all levels together
    metadata_max_bytes: int = 16_384  # a ticket's metadata as JSON
    api_read_token: SecretStr | None = None  # GET /v1/tickets/...; unset = TICKETFLOW_API_TOKEN reads too
    metrics_token: SecretStr | None = None  # GET /metrics needs it when set
    review_form_ttl_s: int = 3600  # a review form's token expires this long after the page was rendered
    poll_page_size: int = 100

    # --- archive (issue 19, worker/archive/) ----------------------------------------------------
    # "" = no archive (the stream is the only history); "sqlite" = an embedded file under data_dir; else a SQLAlchemy URL
    # (postgresql://... is run on psycopg 3).
    database_url: str = ""
    data_dir: Path = ROOT / ".ticketflow"
    results_keep_s: int = 7 * 24 * 3600  # with an archive, the stream keeps this window (never an entry not yet archived)
    archive_message: Literal["keep", "redact", "drop"] = "redact"  # the customer's message (and earlier turns) in the archive
    archive_reply: Literal["keep", "redact", "drop"] = "keep"  # the bot's reply in the archive
    archive_claim_idle_s: float = 60.0  # an entry a dead archiver took is taken over after this long unacknowledged

    # --- observability -----------------------------------------------------------------------
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int = 0  # worker-side Prometheus exporter; 0 = off

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.provider == "anthropic" and self.anthropic_api_key is None:
            raise ValueError("TICKETFLOW_PROVIDER=anthropic needs ANTHROPIC_API_KEY")
        if self.provider == "openai" and self.openai_api_key is None:
            raise ValueError("TICKETFLOW_PROVIDER=openai needs OPENAI_API_KEY")
        for var, chosen in (("TICKETFLOW_CLASSIFY_PROVIDER", self.classify_provider), ("TICKETFLOW_GENERATE_PROVIDER", self.generate_provider)):
            if chosen == "anthropic" and self.anthropic_api_key is None:
                raise ValueError(f"{var}=anthropic needs ANTHROPIC_API_KEY")
            if chosen == "openai" and self.openai_api_key is None:
                raise ValueError(f"{var}=openai needs OPENAI_API_KEY")
        if self.fallback_provider == "anthropic" and self.anthropic_api_key is None:
            raise ValueError("TICKETFLOW_FALLBACK_PROVIDER=anthropic needs ANTHROPIC_API_KEY")
        if self.fallback_provider == "openai" and self.openai_api_key is None:
            raise ValueError("TICKETFLOW_FALLBACK_PROVIDER=openai needs OPENAI_API_KEY")
        if self.broker_url and not self.broker_url.startswith(("amqp://", "amqps://", "pyamqp://", "redis://", "rediss://")):
            raise ValueError("TICKETFLOW_BROKER_URL is amqp://user:pass@host:5672/vhost (RabbitMQ) or redis://...")
        if self.retrieval_embeddings == "openai" and self.openai_api_key is None:
            raise ValueError("TICKETFLOW_RETRIEVAL_EMBEDDINGS=openai needs OPENAI_API_KEY")
        if not 0.0 <= self.retrieval_min_score <= 1.0:
            raise ValueError("TICKETFLOW_RETRIEVAL_MIN_SCORE is a calibrated probability: between 0 and 1")
        if not 0.0 <= self.retrieval_uncovered_max <= 1.0:
            raise ValueError("TICKETFLOW_RETRIEVAL_UNCOVERED_MAX is a share of the ticket's weight: between 0 and 1")
        if self.task_soft_time_limit_s >= self.task_time_limit_s:
            raise ValueError("task_soft_time_limit_s must be below task_time_limit_s")
        bad = set(self.auto_intent_set) - {"faq", "account", "billing", "bug", "escalate"}
        if bad:
            raise ValueError(f"unknown intents in TICKETFLOW_AUTO_INTENTS: {sorted(bad)}")
        return self

    @property
    def auto_intent_set(self) -> frozenset[str]:
        """Intents in `auto` mode; every other intent is posted as a draft for an agent."""
        return frozenset(i.strip() for i in self.auto_intents.split(",") if i.strip())

    @property
    def queues(self) -> list[str]:
        """Every queue the pipeline uses, once each, in order: what a worker consumes by default."""
        return list(dict.fromkeys((self.io_queue, self.cpu_queue, self.deliver_queue)))


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"invalid ticketflow settings: {exc}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
