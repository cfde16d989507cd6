"""Debounce: several messages from one customer within a few seconds become one turn.

The producer appends each accepted message to a buffer for its group (the conversation, else the
customer) and takes the group's lock if it is free. The lock holder (the leader) starts its chain
with a countdown of `debounce_s`; the others only wait in the buffer. When the leader's classify
stage runs, it takes the whole buffer and releases the lock in one atomic step, so a message that
arrives later starts a new turn, and none is taken twice. The merge is stored under the leader's id,
so a retried classify sees the same turn. The merged messages leave the in-flight registry: their
text lives on in the leader's result (`metadata.merged_ticket_ids`). If the leader never runs, the
reaper escalates every message of the group on its own, so none is lost.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from worker import keys
from worker.models import MAX_MESSAGE_CHARS, Ticket

GROUP = "debounce_group"  # ticket.metadata key set on the leader: which buffer to take
MERGED_IDS = "merged_ticket_ids"

# KEYS: dedupe, ticket payload, inflight zset, buffer, lock.
# ARGV: dedupe ttl s, payload, deadline, uid, fragment json, lock ttl ms.
# Returns 0 duplicate, 1 accepted as the group's leader, 2 accepted and waiting for the leader.
ACCEPT_BUFFERED = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('RPUSH', KEYS[4], ARGV[5])
redis.call('PEXPIRE', KEYS[4], ARGV[6])
if redis.call('SET', KEYS[5], ARGV[4], 'NX', 'PX', ARGV[6]) then
  return 1
end
return 2
"""

# KEYS: merged (per leader), buffer, lock, inflight zset.  ARGV: leader uid, merged ttl s.
# Returns the JSON list of fragments that make this turn (the same list on every retry).
TAKE = """
local done = redis.call('GET', KEYS[1])
if done then
  return done
end
local frags = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
local out = '[' .. table.concat(frags, ',') .. ']'
redis.call('SET', KEYS[1], out, 'EX', ARGV[2])
for _, f in ipairs(frags) do
  local uid = cjson.decode(f)['uid']
  if uid ~= ARGV[1] then
    redis.call('ZREM', KEYS[4], uid)
  end
end
return out
"""


def group_of(ticket: Ticket) -> str | None:
    """The messages that merge: one conversation, or one known customer; anonymous tickets never merge."""
    if ticket.conversation_id:
        return f"{ticket.source}:conv:{ticket.conversation_id}"
    if ticket.customer_id != "anonymous":
        return f"{ticket.source}:cust:{ticket.customer_id}"
    return None


def buffer_key(group: str) -> str:
    """The list of messages waiting to become one turn."""
    return keys.debounce_buffer_key(group)


def lock_key(group: str) -> str:
    """Held by the leader from its first message until its classify stage takes the buffer."""
    return keys.debounce_lock_key(group)


def merged_key(uid: str) -> str:
    """The fragments a leader took, kept so a retried classify sees the same turn."""
    return keys.debounce_merged_key(uid)


def fragment(ticket: Ticket) -> str:
    """What a buffered message keeps: its id, subject and text."""
    return json.dumps({"uid": ticket.uid, "id": ticket.id, "subject": ticket.subject, "message": ticket.message})


def merge(ticket: Ticket, fragments: list[dict[str, Any]]) -> Ticket:
    """The leader's ticket carrying every message of the turn, in arrival order."""
    if len(fragments) <= 1:
        return ticket
    text = "\n".join(f["message"] for f in fragments if f.get("message"))[-MAX_MESSAGE_CHARS:]
    subject = ticket.subject or next((f["subject"] for f in fragments if f.get("subject")), "")
    meta = {**ticket.metadata, MERGED_IDS: [f["id"] for f in fragments]}
    return ticket.model_copy(update={"message": text, "subject": subject, "metadata": meta})


def take(r: redis.Redis, ticket: Ticket, ttl_s: int) -> Ticket:
    """Take the buffered messages of the leader's group and return the merged ticket (idempotent)."""
    group = ticket.metadata.get(GROUP)
    if not isinstance(group, str):
        return ticket
    raw = r.eval(TAKE, 4, merged_key(ticket.uid), buffer_key(group), lock_key(group), keys.INFLIGHT_ZSET, ticket.uid, ttl_s)
    fragments = json.loads(raw)
    return merge(ticket, fragments)
