"""The archive's tables, the engine that reaches them, and `migrate` to bring a database to the current schema.

One row per ticket in `results` (the figures an analyst filters and groups on, as columns), its words in
`result_details` (subject, message, reply, the sections retrieved and cited as JSON), the reasons and the
model calls and the articles cited as child rows (`result_reasons`, `result_usage`, `result_citations`), and the outcomes learned later (`reviews`,
`reopens`). Times are UTC timestamps; `published_day`
is the UTC day, kept as a column so grouping by day needs no dialect-specific date function.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

from worker.errors import ConfigError
from worker.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "archive.sqlite3"
metadata = MetaData()

results = Table(
    "results",
    metadata,
    Column("uid", String(260), primary_key=True, comment="source:id, the ticket across helpdesks"),
    Column("ticket_id", String(200), nullable=False),
    Column("source", String(50), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("conversation_id", String(200)),
    Column("run_id", String(100)),
    Column("stream_id", String(40), nullable=False, comment="the results-stream entry it was archived from"),
    Column("enqueued_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_day", Date, nullable=False, comment="UTC day the result was completed and published"),
    Column("intent", String(20), comment="faq, account, billing, bug, escalate; unclassified when classify failed"),
    Column("urgency", String(10)),
    Column("confidence", Float),
    Column("frustrated", Boolean),
    Column("language", String(20)),
    Column("action", String(20), nullable=False, comment="auto_reply, draft or escalate"),
    Column("failure_stage", String(20)),
    Column("failure_reason", String(60)),
    Column("provider", String(40), comment="provider/model of the reply, else of the classification"),
    Column("model", String(100)),
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("time_to_answer_s", Float),
    Column("wait_bucket", Integer, comment="time_to_answer_s on a 1%-wide log scale: percentiles by GROUP BY"),
    Column("classify_s", Float),
    Column("retrieve_s", Float),
    Column("generate_s", Float),
    Column("escalate_s", Float),
    Column("retries", Integer, nullable=False, default=0, comment="task executions beyond the first, all stages"),
    Column("top_score", Float, comment="best retrieval score, null when nothing was retrieved"),
    Column("top_doc_id", String(200)),
    Column("top_title", String(500)),
    Column("grounded", Boolean),
    Column("spread", BigInteger, comment="first 60 bits of the uid's SHA-1: the reply sample's stable order"),
    Index("ix_results_published_at", "published_at"),
    Index("ix_results_intent_published_at", "intent", "published_at"),
    # The report's passes read these alone, grouped in index order, never touching the table (with --since
    # and --run too: a run of any size is filtered inside the index).
    Index("ix_results_report", "published_day", "intent", "action", "cost_usd", "published_at", "run_id"),
    Index("ix_results_day_wait", "published_day", "wait_bucket", "published_at", "run_id"),
    Index("ix_results_intent_wait", "intent", "wait_bucket", "published_at", "run_id"),
    Index("ix_results_sent_score", "action", "top_score", "intent", "published_at", "run_id"),
    Index("ix_results_sample", "action", "spread", "published_at"),
    Index("ix_results_run_id", "run_id"),
    Index("ix_results_stream_id", "stream_id"),
)

# The words of a result, one row per result beside `results`: the report's scans stay on narrow rows.
result_details = Table(
    "result_details",
    metadata,
    Column("uid", String(260), ForeignKey("results.uid", ondelete="CASCADE"), primary_key=True),
    Column("subject", Text),
    Column("message", Text, comment="kept, redacted or null per TICKETFLOW_ARCHIVE_MESSAGE"),
    Column("history", JSON, comment="earlier turns [{role, text}], under the message's setting"),
    Column("reply", Text, comment="kept, redacted or null per TICKETFLOW_ARCHIVE_REPLY"),
    Column("citations", JSON, comment="[{doc_id, title, section}] the reply relies on"),
    Column("chunks", JSON, comment="[{doc_id, title, section, score}] retrieved, without their text"),
    Column("attempts", JSON, comment="{stage: executions}"),
    Column("failure_error", Text, comment="the error that sent the ticket to a human, redacted"),
)

result_reasons = Table(
    "result_reasons",
    metadata,
    Column("uid", String(260), ForeignKey("results.uid", ondelete="CASCADE"), primary_key=True),
    Column("reason", String(60), primary_key=True),
    # Copied from the result, so "escalations by reason per day" is one index scan and no join.
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_day", Date, nullable=False, comment="UTC day the result was completed and published"),
    Column("intent", String(20)),
    Column("action", String(20), nullable=False),
    Column("run_id", String(100)),
    Index("ix_result_reasons_reason", "reason", "published_at"),
    Index("ix_result_reasons_report", "action", "published_day", "intent", "reason", "published_at", "run_id"),
)

# The articles each reply cites, once per article, with the result's filters copied: "most cited" is one index scan.
result_citations = Table(
    "result_citations",
    metadata,
    Column("uid", String(260), ForeignKey("results.uid", ondelete="CASCADE"), primary_key=True),
    Column("doc_id", String(200), primary_key=True, comment="the article's id (its title when it has none)"),
    Column("position", Integer, nullable=False, default=0, comment="its place among the articles the reply cites, from 0"),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_day", Date, nullable=False),
    Column("intent", String(20)),
    Column("action", String(20), nullable=False),
    Column("run_id", String(100)),
    Index("ix_result_citations_report", "action", "doc_id", "published_at", "position", "run_id"),
)

# The articles ever cited, with the title a citation gave (the first that was not empty).
articles = Table(
    "articles",
    metadata,
    Column("doc_id", String(200), primary_key=True),
    Column("title", String(500), nullable=False, default=""),
)

result_usage = Table(
    "result_usage",
    metadata,
    Column("uid", String(260), ForeignKey("results.uid", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("stage", String(20), nullable=False),
    Column("provider", String(40), nullable=False),
    Column("model", String(100), nullable=False),
    Column("input_tokens", Integer, nullable=False, default=0),
    Column("output_tokens", Integer, nullable=False, default=0),
    Column("cache_read_tokens", Integer, nullable=False, default=0),
    Column("cache_write_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
)

reviews = Table(
    "reviews",
    metadata,
    Column("uid", String(260), primary_key=True),
    Column("entry_id", String(40), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("reviewer", String(200), nullable=False, default=""),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
)

reopens = Table(
    "reopens",
    metadata,
    Column("uid", String(260), primary_key=True),
    Column("reopened_at", DateTime(timezone=True)),
)


def database_url(settings: Settings) -> str | None:
    """The SQLAlchemy URL of the archive, None when there is none; `sqlite` is the embedded file under the data directory."""
    url = settings.database_url.strip()
    if not url:
        return None
    if url == "sqlite":
        return f"sqlite:///{Path(settings.data_dir) / SQLITE_FILE}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3, not SQLAlchemy's psycopg2 default
    return url


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    # WAL: the report reads while an archiver writes; foreign keys so a pruned result takes its child rows.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, serial: bool = False) -> Engine:
    """An engine for `url`; SQLite files get their folder, WAL and a generous busy timeout (several archivers may write).

    `serial`: on PostgreSQL, no parallel workers within a query. For the report, which runs its queries side
    by side on pooled connections already: on a busy machine of few cores, a query that waits for its
    slowest worker took twice as long (measured over 1M results at load 10: 4.3-6.5 s against 7.8-8.9 s).
    """
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c max_parallel_workers_per_gather=0"} if serial else {})
    except ModuleNotFoundError as exc:
        raise ConfigError(f"TICKETFLOW_DATABASE_URL needs a driver that is not installed ({exc.name}): pip install 'ticketflow[postgres]'") from exc


@lru_cache(maxsize=4)
def engine_for(url: str, serial: bool = False) -> Engine:
    """The process's engine for `url` (a connection pool), built once."""
    return make_engine(url, serial=serial)


def archive_engine(settings: Settings, *, serial: bool = False) -> Engine | None:
    """The configured archive's engine, None when no archive is configured (`serial`: see `make_engine`)."""
    url = database_url(settings)
    return engine_for(url, serial) if url else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` with the Alembic migrations shipped in this package (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL's autovacuum does it on its own later).

    On PostgreSQL a VACUUM too, so the report's index-only scans need not visit the table.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
