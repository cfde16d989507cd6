"""Conversation state: topic counts, turns, human ownership and debounce, on Redis."""

from __future__ import annotations

import json

import fakeredis
import pytest
import redis

from worker import keys
from worker.models import Chunk, Classification, Failure, Ticket, TicketResult
from worker.state import conversation as conv
from worker.state import debounce


def state(message: str, *, tid: str = "t1", customer: str = "c1", doc: str | None = None, intent: str = "faq") -> TicketResult:
    chunks = [Chunk(doc_id=doc, title=doc, text="...", score=5.0)] if doc else []
    return TicketResult(
        ticket=Ticket.model_validate({"id": tid, "customer_id": customer, "message": message}),
        classification=Classification.model_validate({"intent": intent}),
        chunks=chunks,
    )


# --- topic keys: pure ---------------------------------------------------------------------------
def test_the_topic_is_the_article_that_answers_it_whatever_the_wording() -> None:
    a = state("How do I reset my password?", doc="password-reset")
    b = state("forgot my login pw, where's the reset link", doc="password-reset")
    assert conv.topic_of(a) == conv.topic_of(b) == "doc:password-reset"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Refund the duplicate charge please", "please refund the duplicate charge"),
        ("duplicate charge refund!!", "Refund, duplicate charge."),
    ],
)
def test_without_an_article_the_topic_ignores_word_order_case_and_punctuation(first: str, second: str) -> None:
    assert conv.topic_of(state(first, intent="billing")) == conv.topic_of(state(second, intent="billing"))


def test_different_intents_are_different_topics() -> None:
    assert conv.topic_of(state("export broken", intent="bug")) != conv.topic_of(state("export broken", intent="faq"))


# --- topic counts: logic on fakeredis, expiry on a real Redis -------------------------------------
def test_the_count_is_idempotent_per_ticket_and_per_customer() -> None:
    topics = conv.RedisTopics(fakeredis.FakeRedis(), ttl_s=60)
    assert [conv.topic_count(state("reset", tid=t, doc="password-reset"), topics) for t in ("a", "a", "b", "c")] == [1, 1, 2, 3]
    # another customer on the same topic starts at one
    assert conv.topic_count(state("reset", tid="d", customer="c2", doc="password-reset"), topics) == 1


def test_anonymous_tickets_are_never_counted() -> None:
    topics = conv.MemoryTopics()
    counts = [conv.topic_count(state("reset", tid=str(i), customer="anonymous", doc="password-reset"), topics) for i in range(5)]
    assert counts == [1] * 5 and topics.seen == {}


def test_memory_topics_count_like_redis_topics() -> None:
    mem, red = conv.MemoryTopics(), conv.RedisTopics(fakeredis.FakeRedis(), ttl_s=60)
    seq = [("c1", "doc:a", "1"), ("c1", "doc:a", "1"), ("c1", "doc:a", "2"), ("c2", "doc:a", "3"), ("c1", "doc:b", "4")]
    assert [mem.count(*x) for x in seq] == [red.count(*x) for x in seq]


def test_topic_counts_expire(r: redis.Redis) -> None:
    conv.record_topic(r, "c1", "doc:a", "t1", ttl_s=30)
    ttl = r.ttl(keys.topic_key("c1", "doc:a"))
    assert 0 < ttl <= 30


# --- turns -------------------------------------------------------------------------------------
def test_turns_are_stored_once_per_ticket_and_the_last_ones_come_back_in_order(r: redis.Redis) -> None:
    for i in range(8):
        t = Ticket.model_validate({"id": f"t{i}", "customer_id": "c1", "message": f"message {i}"})
        conv.record_turn(r, t, at=1000.0 + i, ttl_s=60, reply=f"reply {i}" if i % 2 else None)
        conv.record_turn(r, t, at=1000.0 + i, ttl_s=60, reply=f"reply {i}" if i % 2 else None)  # redelivery
    turns = conv.recent_turns(r, "api", "c1", exclude="api:t7", n=4)
    # the ticket itself is not its own history; the bot's replies sit after the message they answered
    assert [(t.role, t.text) for t in turns] == [("customer", "message 4"), ("customer", "message 5"), ("bot", "reply 5"), ("customer", "message 6")]
    assert r.hlen(f"{keys.PREFIX}:turns:api:c1") == 8
    assert 0 < r.ttl(f"{keys.PREFIX}:turns:api:c1") <= 60


def test_no_turns_for_a_new_customer(r: redis.Redis) -> None:
    assert conv.recent_turns(r, "api", "nobody") == []


# --- ownership (the helpdesk webhooks call these) ---------------------------------------------------
def test_a_thread_is_human_owned_once_marked(r: redis.Redis) -> None:
    assert conv.human_owns(r, "zendesk", "42") is False
    conv.mark_human_owner(r, "zendesk", "42", agent="agent-7", ttl_s=60)
    assert conv.human_owns(r, "zendesk", "42") is True
    assert conv.human_owns(r, "intercom", "42") is False
    assert 0 < r.ttl(keys.conversation_key("zendesk", "42")) <= 60


# --- debounce ----------------------------------------------------------------------------------
def _accept(r: redis.Redis, t: Ticket, group: str) -> int:
    return int(
        r.eval(
            debounce.ACCEPT_BUFFERED, 5,
            keys.dedupe_key(t.source, t.id), keys.ticket_key(t.uid), keys.INFLIGHT_ZSET, debounce.buffer_key(group), debounce.lock_key(group),
            60, "{}", 9e9, t.uid, debounce.fragment(t), 60_000,
        )
    )


def _msg(i: int, **kw: object) -> Ticket:
    return Ticket.model_validate({"id": f"m{i}", "customer_id": "c1", "message": f"part {i}", **kw})


def test_fragments_become_one_turn_taken_once(r: redis.Redis) -> None:
    # given three quick messages from one customer
    msgs = [_msg(i) for i in range(3)]
    group = debounce.group_of(msgs[0])
    assert group is not None
    outcomes = [_accept(r, m, group) for m in msgs]
    # then the first leads, the others wait, and a repeat is a duplicate
    assert outcomes == [1, 2, 2]
    assert _accept(r, msgs[1], group) == 0
    leader = msgs[0].model_copy(update={"metadata": {debounce.GROUP: group}})
    # when the leader takes its turn (twice, as a retried classify would)
    merged = debounce.take(r, leader, ttl_s=60)
    again = debounce.take(r, leader, ttl_s=60)
    # then it carries every message in order, the followers left the in-flight registry, the lock is free
    assert merged.message == "part 0\npart 1\npart 2" == again.message
    assert merged.metadata[debounce.MERGED_IDS] == ["m0", "m1", "m2"]
    assert [u.decode() for u in r.zrange(keys.INFLIGHT_ZSET, 0, -1)] == ["api:m0"]
    assert r.exists(debounce.lock_key(group)) == 0
    # and a message after the turn was taken starts a new one
    assert _accept(r, _msg(3), group) == 1


def test_a_lone_message_is_left_as_it_is(r: redis.Redis) -> None:
    m = _msg(0)
    group = debounce.group_of(m)
    assert group is not None and _accept(r, m, group) == 1
    leader = m.model_copy(update={"metadata": {debounce.GROUP: group}})
    assert debounce.take(r, leader, ttl_s=60) == leader


@pytest.mark.parametrize(
    ("ticket", "group"),
    [
        ({"id": "1", "message": "x"}, None),
        ({"id": "1", "message": "x", "customer_id": "c9"}, "api:cust:c9"),
        ({"id": "1", "message": "x", "customer_id": "c9", "conversation_id": "k"}, "api:conv:k"),
        ({"id": "1", "message": "x", "conversation_id": "k", "source": "intercom"}, "intercom:conv:k"),
    ],
)
def test_messages_group_by_conversation_else_known_customer(ticket: dict[str, str], group: str | None) -> None:
    assert debounce.group_of(Ticket.model_validate(ticket)) == group


def test_fragment_keeps_what_the_merge_needs() -> None:
    f = json.loads(debounce.fragment(_msg(5, subject="hi")))
    assert f == {"uid": "api:m5", "id": "m5", "subject": "hi", "message": "part 5"}


def test_billing_account_and_hand_off_topics_are_the_intent_whatever_the_words() -> None:
    a = state("Refund the duplicate charge please", intent="billing")
    b = state("Why was my card debited twice in May?", intent="billing")
    assert conv.topic_of(a) == conv.topic_of(b) == "billing"


def test_thread_turns_count_each_ticket_once_and_expire(r: redis.Redis) -> None:
    counts = [conv.thread_turn(r, "zendesk", "42", uid, ttl_s=60)[1] for uid in ("a", "b", "b", "c")]
    assert counts == [1, 2, 2, 3]
    assert conv.thread_turn(r, "zendesk", "43", "a", ttl_s=60) == (False, 1)
    assert 0 < r.ttl(f"{keys.conversation_key('zendesk', '42')}:turns") <= 60


def test_thread_turn_also_says_whether_an_agent_owns_the_thread(r: redis.Redis) -> None:
    assert conv.thread_turn(r, "zendesk", "44", "a", ttl_s=60) == (False, 1)
    conv.mark_human_owner(r, "zendesk", "44", "agent-7", ttl_s=60)
    assert conv.thread_turn(r, "zendesk", "44", "b", ttl_s=60) == (True, 2)


def test_escalations_context_in_one_round_trip_counts_as_topic_count_and_thread_turn_do() -> None:
    one, two = fakeredis.FakeRedis(), fakeredis.FakeRedis()
    tickets = [state("reset", tid=t, customer=c, doc="password-reset") for t, c in (("a", "c1"), ("a", "c1"), ("b", "c1"), ("c", "anonymous"))]
    failed = state("reset", tid="d", doc="password-reset").model_copy(update={"failure": Failure(stage="classify", error="x", reason="automation_failed")})
    for r in (one, two):
        conv.mark_human_owner(r, failed.ticket.source, failed.ticket.thread_id, "agent-7", ttl_s=60)
    for s in [*tickets, failed]:
        count = conv.topic_count(s, conv.RedisTopics(one, ttl_s=60)) if s.failure is None else 1
        apart = (count, *conv.thread_turn(one, s.ticket.source, s.ticket.thread_id, s.ticket.uid, ttl_s=60))
        assert conv.escalation_context(two, s, ttl_s=60) == apart


def test_escalate_stores_the_customer_turn_and_publishes_once_whatever_the_redeliveries(r: redis.Redis, use_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The turn rides the publish's round trip (worker/stages/publish.finish): both still happen, once each."""
    from worker import runtime
    from worker.settings import get_settings
    from worker.stages.publish import finish

    monkeypatch.setenv("TICKETFLOW_HARD_ESCALATION_DRAFT", "false")
    runtime.reset()
    s = state("I was charged twice this month", tid="t9", customer="c9", intent="billing")
    s.enqueued_at = 1234.0
    first = finish(s.model_copy(deep=True))
    again = finish(s.model_copy(deep=True))  # a redelivered escalate task
    assert first.decision is not None and first.decision.action == "escalate" and again.decision == first.decision
    assert r.xlen(keys.RESULTS_STREAM) == 1
    assert [(t.role, t.text) for t in conv.recent_turns(r, "api", "c9")] == [("customer", "I was charged twice this month")]
    assert r.zscore(f"{keys.PREFIX}:turns:api:c9:order", "api:t9") == 1234.0 and 0 < r.ttl(f"{keys.PREFIX}:turns:api:c9") <= get_settings().conversation_ttl_s
