"""Every Redis key ticketflow uses, built in one place."""

from __future__ import annotations

PREFIX = "ticketflow"
RESULTS_STREAM = f"{PREFIX}:results"
DLQ_STREAM = f"{PREFIX}:dlq"
INFLIGHT_ZSET = f"{PREFIX}:inflight"


def ticket_key(ticket_id: str) -> str:
    """The stored ticket payload (JSON) while it is in the pipeline."""
    return f"{PREFIX}:ticket:{ticket_id}"


def dedupe_key(source: str, ticket_id: str) -> str:
    """Set once when a ticket is accepted; a second enqueue of the same ticket is a no-op."""
    return f"{PREFIX}:seen:{source}:{ticket_id}"


def published_key(ticket_id: str) -> str:
    """Set once when a ticket's result is published, so a redelivered task cannot publish twice."""
    return f"{PREFIX}:published:{ticket_id}"


def attempt_key(ticket_id: str, stage: str) -> str:
    """Counts executions of a stage for a ticket (redeliveries included)."""
    return f"{PREFIX}:attempts:{ticket_id}:{stage}"


def topic_key(customer_id: str, topic: str) -> str:
    """Set of ticket ids in which a customer asked about a topic (idempotent repeat counting)."""
    return f"{PREFIX}:topic:{customer_id}:{topic}"


def conversation_key(source: str, conversation_id: str) -> str:
    """Conversation state: turns, who owns it (bot or human), bot replies so far."""
    return f"{PREFIX}:conv:{source}:{conversation_id}"


def ratelimit_key(name: str) -> str:
    """A cluster-wide rate-limit bucket."""
    return f"{PREFIX}:ratelimit:{name}"


def sink_done_key(sink: str, ticket_id: str) -> str:
    """Set once a helpdesk write-back for a ticket succeeded (write-backs are idempotent)."""
    return f"{PREFIX}:sink:{sink}:{ticket_id}"


def counter_key(name: str) -> str:
    """A global counter hash (metrics); increments are guarded by `counted_key`."""
    return f"{PREFIX}:counter:{name}"


def counted_key(ticket_id: str) -> str:
    """Set of counter names already incremented for one ticket."""
    return f"{PREFIX}:counted:{ticket_id}"


def index_key(name: str) -> str:
    """Retrieval index storage."""
    return f"{PREFIX}:index:{name}"


REAPER_LOCK = f"{PREFIX}:reaper:lock"
DLQ_REPLAYED = f"{DLQ_STREAM}:replayed"
REOPENED_SET = f"{PREFIX}:reopened"
REOPENED_AT = f"{PREFIX}:reopened:at"
REVIEW_QUEUE = f"{PREFIX}:review:queue"
REVIEWS = f"{PREFIX}:review:verdicts"
REVIEW_CHANGES = f"{PREFIX}:review:changes"  # every re-grade: the verdict replaced and the new one


def review_form_key(signature: str) -> str:
    """Set once a review form (by its signature) has stored a verdict: a form is good once."""
    return f"{PREFIX}:review:form:{signature[:32]}"


def dlq_recorded_key(dedupe: str) -> str:
    """Set once a dead letter was recorded for one task id (recording is idempotent)."""
    return f"{DLQ_STREAM}:recorded:{dedupe}"


def events_key(ticket_uid: str) -> str:
    """A ticket's live progress events (server-sent to whoever watches it)."""
    return f"{PREFIX}:events:{ticket_uid}"


def metrics_cursor_key(stream: str) -> str:
    """How far the metrics fold has read `stream`."""
    return f"{PREFIX}:metrics:cursor:{stream}"


def metrics_counters_key(stream: str) -> str:
    """The tallies folded from `stream`."""
    return f"{PREFIX}:metrics:counters:{stream}"


def debounce_buffer_key(group: str) -> str:
    """Messages of one conversation waiting to become one turn."""
    return f"{PREFIX}:debounce:buf:{group}"


def debounce_lock_key(group: str) -> str:
    """Held by the chain that will take a conversation's buffered messages."""
    return f"{PREFIX}:debounce:lock:{group}"


def debounce_merged_key(uid: str) -> str:
    """The messages a leader ticket took into its turn."""
    return f"{PREFIX}:debounce:merged:{uid}"


def customer_turns_key(source: str, customer_id: str) -> str:
    """A customer's last turns across tickets (for the model to see)."""
    return f"{PREFIX}:turns:{source}:{customer_id}"


def poll_cursor_key(name: str) -> str:
    """Where a helpdesk poller resumes."""
    return f"{PREFIX}:poll:{name}:cursor"


def webhook_key(source: str, delivery_id: str) -> str:
    """Claim of one webhook delivery (dedupe of the helpdesk's retries)."""
    return f"{PREFIX}:webhook:{source}:{delivery_id}"
BENCH_BARE_STREAM = f"{PREFIX}:bench:bare"


# --- the cluster's help-centre index (worker/retrieval/snapshot.py, worker/retrieval/sync/) ---------
INDEX_CURRENT = index_key("current")  # JSON meta of the version every worker serves
INDEX_SEQ = index_key("seq")  # version counter
INDEX_VERSIONS = index_key("versions")  # list of published versions, newest first
INDEX_SERVED = index_key("served")  # hash: worker id -> JSON {version, at}
INDEX_SYNC = index_key("sync")  # hash: source -> JSON status of its last sync
INDEX_SYNC_LOCK = index_key("sync-lock")  # one sync at a time across the cluster


def index_snapshot_key(version: str) -> str:
    """The `.npz` bytes of one published index version."""
    return index_key(f"snapshot:{version}")


def index_state_key(version: str) -> str:
    """The sync state (articles and cursors per source) the version was built from."""
    return index_key(f"state:{version}")


def breaker_key(provider: str, model: str) -> str:
    """A provider's circuit breaker for one model (worker/providers/breaker.py)."""
    return f"{PREFIX}:breaker:{provider}:{model}"
