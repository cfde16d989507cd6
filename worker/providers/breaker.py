"""A circuit breaker per provider and model, shared by every worker on every host (one Redis Lua script).

Each ticket's retries back off on their own; nothing else tells the cluster a model API is down, so an
outage is hammered (two workers sent ~45 calls a second into a 529 window). The breaker is the
cluster's memory of it, a hash in Redis beside the rate limiter's buckets:

  closed     calls go through; an outage-like failure (5xx, 529, 408, timeout, no connection) counts,
             and `failures` of them within `window_s` open it. A success resets the count (a *run*
             of failures opens it, not a bad minute of mostly good calls); 429 is the rate limiter's
             business and never counts. A call admitted while nothing was counted has nothing to
             reset: its success is not reported, so a healthy API costs one round trip a call, not two
             (a failure counted while it was in flight is reset by the next success admitted after it).
  open       no call is made for `cooldown_s`: the caller gets `Deferred(retry_after=time left)`, or
             runs on the fallback provider (worker/providers/guarded.py).
  half_open  the cool-down is over: the first caller is the one probe (it holds a lease as long as
             a call may take); a success closes the breaker, a failure opens it for another
             cool-down. Everyone else waits a cool-down more.

So after the breaker opens at most one call per model per cool-down reaches the API, cluster-wide.
Time is Redis's own clock, so hosts need not agree on theirs. A hash that stays unused expires.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, cast

import redis

from worker import keys
from worker.errors import ProviderUnavailable

State = Literal["closed", "open", "half_open"]
STATE_CODES: dict[str, int] = {"closed": 0, "half_open": 1, "open": 2}

# KEYS[1]: the breaker hash. ARGV: op (admit|success|failure|abandon), token, threshold, window_us,
# cooldown_us, lease_us. Returns {verdict, wait_us, state, clean}: for admit, verdict 1 = go, 2 = go as
# the probe, 0 = held back for wait_us, and clean 1 when the breaker is closed with no failure counted;
# for the others, verdict 1 when the state changed.
_BREAKER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local k = KEYS[1]
local op, token = ARGV[1], ARGV[2]
local threshold, window, cooldown, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local state = redis.call('HGET', k, 'state') or 'closed'
local untl = tonumber(redis.call('HGET', k, 'until') or '0')
local keep = math.floor((window + cooldown + lease) / 1000) + 600000
local function open_for(us)
  redis.call('HSET', k, 'state', 'open', 'until', string.format('%.0f', now + us), 'opened_at', string.format('%.0f', now))
  redis.call('HDEL', k, 'failures', 'window_start', 'probe')
  redis.call('HINCRBY', k, 'opened', 1)
  redis.call('PEXPIRE', k, keep)
end
if op == 'admit' then
  if state == 'closed' then return {1, 0, state, redis.call('HEXISTS', k, 'failures') == 1 and 0 or 1} end
  if now < untl then
    local wait = untl - now
    if state == 'half_open' and wait > cooldown then wait = cooldown end
    return {0, wait, state}
  end
  -- the cool-down is over (open), or the probe's lease ran out (its worker died): this caller probes
  redis.call('HSET', k, 'state', 'half_open', 'until', string.format('%.0f', now + lease), 'probe', token)
  redis.call('HINCRBY', k, 'probes', 1)
  redis.call('PEXPIRE', k, keep)
  return {2, 0, 'half_open'}
elseif op == 'success' then
  if state == 'half_open' then
    redis.call('DEL', k)
    return {1, 0, 'closed'}
  end
  if state == 'closed' and redis.call('HEXISTS', k, 'failures') == 1 then
    redis.call('HDEL', k, 'failures', 'window_start')
  end
  return {0, 0, state}
elseif op == 'failure' then
  if state == 'half_open' then
    if redis.call('HGET', k, 'probe') == token then
      open_for(cooldown)
      return {1, cooldown, 'open'}
    end
    return {0, 0, state}
  end
  if state == 'open' then return {0, untl - now, state} end
  local start = tonumber(redis.call('HGET', k, 'window_start') or '0')
  local n
  if now - start > window then
    redis.call('HSET', k, 'failures', 1, 'window_start', string.format('%.0f', now))
    n = 1
  else
    n = redis.call('HINCRBY', k, 'failures', 1)
  end
  redis.call('PEXPIRE', k, keep)
  if n >= threshold then
    open_for(cooldown)
    return {1, cooldown, 'open'}
  end
  return {0, 0, state}
elseif op == 'abandon' then
  if state == 'half_open' and redis.call('HGET', k, 'probe') == token then
    redis.call('HSET', k, 'state', 'open', 'until', string.format('%.0f', now))
    redis.call('HDEL', k, 'probe')
    return {1, 0, 'open'}
  end
  return {0, 0, state}
end
return redis.error_reply('unknown breaker op ' .. op)
"""

US = 1_000_000


def is_outage(exc: BaseException) -> bool:
    """Whether a failure says the API is down (5xx, 529, 408, timeout, no connection), not that this call was bad or rate limited."""
    if not isinstance(exc, ProviderUnavailable):
        return False
    return exc.status is None or exc.status >= 500 or exc.status == 408


@dataclass(frozen=True)
class Admission:
    """May this call go out: `go`; `probe` when it is the one call that tests a breaker past its cool-down."""

    go: bool
    probe: bool = False
    wait_s: float = 0.0
    state: str = "closed"
    token: str = ""
    clean: bool = False  # closed with no failure counted: a success has nothing to reset


@dataclass(frozen=True)
class BreakerStatus:
    """One breaker as `/readyz` and the metrics show it."""

    provider: str
    model: str
    state: str
    retry_in_s: float
    failures: int
    opened: int
    probes: int

    def row(self) -> dict[str, Any]:
        """The JSON view."""
        return {"provider": self.provider, "model": self.model, "state": self.state, "retry_in_s": round(self.retry_in_s, 3),
                "failures": self.failures, "opened": self.opened, "probes": self.probes}


@dataclass
class Breaker:
    """The breakers of one provider (one per model) in Redis; `failures` = 0 turns them off."""

    r: redis.Redis | None
    provider: str
    failures: int = 5
    window_s: float = 10.0
    cooldown_s: float = 2.0
    lease_s: float = 30.0  # how long a probe may take before another caller probes instead

    def __post_init__(self) -> None:
        self._script = self.r.register_script(_BREAKER) if self.r is not None and self.failures > 0 else None

    @property
    def enabled(self) -> bool:
        """Whether calls are guarded at all."""
        return self._script is not None

    def _eval(self, op: str, model: str, token: str) -> tuple[int, float, str, bool]:
        assert self._script is not None
        out = cast(list[Any], self._script(keys=[keys.breaker_key(self.provider, model)], args=[
            op, token, self.failures, int(self.window_s * US), int(self.cooldown_s * US), int(self.lease_s * US)]))
        state = out[2].decode() if isinstance(out[2], bytes) else str(out[2])
        return int(out[0]), int(out[1]) / US, state, len(out) > 3 and int(out[3]) == 1

    def admit(self, model: str) -> Admission:
        """Whether a call to `model` may go out now; a denial says how long to wait."""
        if self._script is None:
            return Admission(go=True)
        token = uuid.uuid4().hex
        try:
            verdict, wait, state, clean = self._eval("admit", model, token)
        except redis.RedisError:
            return Admission(go=True)  # fail open: without Redis the breaker knows nothing (and the task retries on Redis anyway)
        return Admission(go=verdict > 0, probe=verdict == 2, wait_s=wait, state=state, token=token, clean=clean)

    def record(self, model: str, admission: Admission, exc: BaseException | None) -> str | None:
        """Tell the breaker how the admitted call went; the new state when this changed it."""
        if self._script is None:
            return None
        if exc is None or not isinstance(exc, ProviderUnavailable):
            if admission.clean:
                return None  # nothing was counted when this call went out: nothing to reset
            op = "success"  # an answer, even a refusal (4xx), says the API is up
        elif is_outage(exc):
            op = "failure"
        else:
            op = "abandon"  # 429 and the like: no verdict; a probe gives its turn back
        try:
            changed, _wait, state, _clean = self._eval(op, model, admission.token)
        except redis.RedisError:
            return None
        return state if changed else None

    def abandon(self, model: str, admission: Admission) -> None:
        """The admitted call never reached the API (e.g. held by the rate limiter): a probe gives its turn back."""
        if self._script is not None and admission.probe:
            with contextlib.suppress(redis.RedisError):
                self._eval("abandon", model, admission.token)


def statuses(r: redis.Redis) -> Iterator[BreakerStatus]:
    """Every breaker Redis holds (closed ones without recent failures hold nothing)."""
    now_s, now_us = cast(tuple[int, int], r.time())
    now = now_s + now_us / US
    for raw in r.scan_iter(match=keys.breaker_key("*", "*"), count=500):
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        _prefix, _kind, provider, model = name.split(":", 3)
        h = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
             for k, v in cast(dict[Any, Any], r.hgetall(name)).items()}
        if not h:
            continue
        state = h.get("state", "closed")
        until = int(h.get("until", "0")) / US
        retry_in = max(until - now, 0.0) if state != "closed" else 0.0
        yield BreakerStatus(provider, model, state, retry_in, int(h.get("failures", "0")), int(h.get("opened", "0")), int(h.get("probes", "0")))


def breaker_rows(r: redis.Redis) -> list[dict[str, Any]]:
    """Every breaker Redis holds, as JSON rows (`/readyz`); empty when no provider failed lately."""
    try:
        return sorted((b.row() for b in statuses(r)), key=lambda row: (row["provider"], row["model"]))
    except redis.RedisError:
        return []


def breaker_for(provider: str, *, redis_url: str, failures: int, window_s: float, cooldown_s: float, lease_s: float) -> Breaker:
    """A provider's breaker on the cluster's Redis (off when `failures` is 0)."""
    r = redis.Redis.from_url(redis_url, health_check_interval=30) if failures > 0 else None
    return Breaker(r, provider, failures=failures, window_s=window_s, cooldown_s=cooldown_s, lease_s=lease_s)
