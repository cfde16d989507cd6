"""A rate limit shared by every worker on every host: GCRA in one Redis Lua script.

Celery's `rate_limit` counts per worker process; a model API counts per organisation. Each model has
up to three budgets: requests, input tokens and output tokens per minute. Each budget is a GCRA
"theoretical arrival time" (TAT) in Redis: a unit of work costs `60 / limit` seconds of it. One script
looks at every budget of the model, finds the earliest moment all of them allow the call, and then

- reserves that moment (advancing every TAT) when it is at most `max_wait_s` away: the caller sleeps
  the short wait and sends, so the budget is used fully without a busy retry loop; or
- raises `RateLimited(retry_after=...)` when it is further: the task is re-scheduled with that
  countdown instead of holding a worker slot. A caller that names itself (`holder`: ticket and
  stage) keeps the far slot, reserved in arrival order, and its retry claims it: first come, first
  served across the cluster, so a backlog never starves a ticket into its last retry. A holder that
  comes back more than `grace_s` after its slot has lost it (the slot stays unused) and queues again.

Calls are therefore spaced at least `60 / (0.97 * rpm)` apart cluster-wide (no burst by default; 3%
headroom absorbs send-time jitter), which keeps every window of any length within the limit. Output tokens are not known in advance: `max_tokens` is
reserved and the difference is given back by `settle()` once the usage is known (input tokens too,
the estimate is corrected by the real count). Time is Redis's own clock, so hosts need not agree.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from worker import keys
from worker.errors import ConfigError, ProviderUnavailable, RateLimited

# KEYS: one per budget, then (when ARGV[2] == '1') the caller's hold key. ARGV: max_wait_us, has_hold,
# grace_us, then per budget: interval_us (per unit), cost (units), burst_us.
# Returns {granted (0/1), wait_us, slot_us}. Times are integer microseconds of Redis's clock.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max_wait = tonumber(ARGV[1])
local has_hold = ARGV[2] == '1'
local n = #KEYS
if has_hold then
  n = n - 1
  local held = redis.call('GET', KEYS[#KEYS])
  if held then
    local slot = tonumber(held)
    if slot >= now - tonumber(ARGV[3]) then
      local wait = slot - now
      if wait < 0 then wait = 0 end
      if wait <= max_wait then
        redis.call('DEL', KEYS[#KEYS])
        return {1, wait, slot}
      end
      return {0, wait, slot}
    end
    redis.call('DEL', KEYS[#KEYS])
  end
end
local start = now
local tats = {}
for i = 1, n do
  local b = 4 + (i - 1) * 3
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  local earliest = tat - tonumber(ARGV[b + 2])
  if earliest > start then start = earliest end
end
local wait = start - now
if wait > max_wait and not has_hold then return {0, wait, start} end
for i = 1, n do
  local b = 4 + (i - 1) * 3
  local base = tats[i]
  if start > base then base = start end
  local new_tat = base + tonumber(ARGV[b]) * tonumber(ARGV[b + 1])
  redis.call('SET', KEYS[i], string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 60000)
end
if wait > max_wait then
  redis.call('SET', KEYS[#KEYS], string.format('%.0f', start), 'PX', math.floor(wait / 1000) + 600000)
  return {0, wait, start}
end
return {1, wait, start}
"""

# KEYS: budgets; ARGV: per key the signed correction in microseconds. A budget already back at "now"
# has nothing to give back.
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  local new_tat = tat + tonumber(ARGV[i])
  if new_tat > now then
    redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 60000)
  elseif tat > now then
    redis.call('DEL', key)
  end
end
return 1
"""

US = 1_000_000
HEADROOM = 0.03  # budgets are spent at 97% of the limit


@dataclass(frozen=True)
class Limits:
    """Per-minute budgets of one model; 0 means unlimited."""

    rpm: int = 0
    itpm: int = 0
    otpm: int = 0

    @property
    def unlimited(self) -> bool:
        """No budget at all: the limiter does not touch Redis."""
        return not (self.rpm or self.itpm or self.otpm)


def parse_limits(default: Limits, raw: str) -> dict[str, Limits]:
    """Per-model overrides from `TICKETFLOW_RATE_LIMITS_JSON`: `{"model": {"rpm": .., "itpm": .., "otpm": ..}}`."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
        out = {}
        for model, v in data.items():
            unknown = set(v) - {"rpm", "itpm", "otpm"}
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)} for {model}")
            merged = {"rpm": default.rpm, "itpm": default.itpm, "otpm": default.otpm, **{k: int(x) for k, x in v.items()}}
            if any(x < 0 for x in merged.values()):
                raise ValueError(f"negative limit for {model}")
            out[model] = Limits(**merged)
        return out
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"TICKETFLOW_RATE_LIMITS_JSON is invalid: {exc}") from exc


@dataclass
class Reservation:
    """What one call reserved, to be corrected by `settle()`."""

    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    waited_s: float = 0.0
    slot: float = 0.0  # the moment (Redis clock, epoch seconds) the call was granted; 0 when unlimited


@dataclass
class RateLimiter:
    """Cluster-wide GCRA budgets per (provider, model). Safe to share across threads."""

    r: redis.Redis | None
    provider: str
    default: Limits = field(default_factory=Limits)
    per_model: dict[str, Limits] = field(default_factory=dict)
    max_wait_s: float = 1.0
    burst_s: float = 0.0
    grace_s: float = 0.1  # a holder back later than this after its slot lost it and queues again
    headroom: float = HEADROOM  # space calls for 97% of the limit: calls sent late (grace, scheduling) next to ones on time stay within it
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._acquire = self.r.register_script(_ACQUIRE) if self.r is not None else None
        self._settle = self.r.register_script(_SETTLE) if self.r is not None else None

    def limits(self, model: str) -> Limits:
        """The budgets of `model`."""
        return self.per_model.get(model, self.default)

    def _budgets(self, model: str, input_tokens: int, output_tokens: int) -> list[tuple[str, float, int]]:
        lim = self.limits(model)
        out = []
        for dim, per_min, cost in (("rpm", lim.rpm, 1), ("itpm", lim.itpm, input_tokens), ("otpm", lim.otpm, output_tokens)):
            if per_min > 0:
                out.append((keys.ratelimit_key(f"{self.provider}:{model}:{dim}"), 60.0 * US / (per_min * (1 - self.headroom)), max(0, cost)))
        return out

    def counts_input_tokens(self, model: str) -> bool:
        """Whether `model` has an input-token budget: only then is a call's token estimate worth making."""
        return self.limits(model).itpm > 0

    def acquire(self, model: str, *, input_tokens: int, output_tokens: int, holder: str | None = None) -> Reservation:
        """Reserve one call, sleeping up to `max_wait_s` for the slot; raise RateLimited when it is further away.

        With a `holder` (a ticket and stage), a far slot is still reserved, in arrival order, and kept
        for that holder: its retry comes back shortly before the slot and gets it. Without one, a far
        slot reserves nothing. Either way no caller can be starved by others that retry faster."""
        res = Reservation(self.provider, model, input_tokens, output_tokens)
        budgets = self._budgets(model, input_tokens, output_tokens)
        if not budgets or self._acquire is None:
            return res
        args: list[float | int] = [int(self.max_wait_s * US), 1 if holder else 0, int(self.grace_s * US)]
        for _key, interval, cost in budgets:
            args += [round(interval, 3), cost, int(self.burst_s * US)]
        names = [k for k, _, _ in budgets]
        if holder:
            names.append(keys.ratelimit_key(f"{self.provider}:{model}:hold:{holder}"))
        try:
            granted, wait_us, slot_us = self._acquire(keys=names, args=args)
        except redis.RedisError as exc:
            raise ProviderUnavailable(f"rate limiter unreachable: {exc}", provider=self.provider, retry_after=1.0) from exc
        wait = int(wait_us) / US
        if not int(granted):
            # A held slot: come back a little early, inside the wait window, and sleep the rest precisely.
            back = max(0.05, wait - self.max_wait_s / 2) if holder else wait
            raise RateLimited(f"{self.provider}/{model} budget spent; next slot in {wait:.2f}s", retry_after=round(back, 3))
        if wait > 0:
            self.sleep(wait)
        res.waited_s, res.slot = wait, int(slot_us) / US
        return res

    def settle(self, res: Reservation, *, input_tokens: int, output_tokens: int) -> None:
        """Correct the reservation with the real token counts (giving back what was not used)."""
        lim = self.limits(res.model)
        deltas = []
        for dim, per_min, diff in (("itpm", lim.itpm, input_tokens - res.input_tokens), ("otpm", lim.otpm, output_tokens - res.output_tokens)):
            if per_min > 0 and diff:
                deltas.append((keys.ratelimit_key(f"{self.provider}:{res.model}:{dim}"), int(diff * 60.0 * US / (per_min * (1 - self.headroom)))))
        if not deltas or self._settle is None:
            return
        # A lost correction only leaves the budget slightly conservative for a minute.
        with contextlib.suppress(redis.RedisError):
            self._settle(keys=[k for k, _ in deltas], args=[d for _, d in deltas])


def limiter_for(provider: str, *, redis_url: str, rpm: int, itpm: int, otpm: int, per_model_json: str = "", max_wait_s: float = 1.0) -> RateLimiter:
    """A limiter from settings values; no Redis connection at all when nothing is limited."""
    default = Limits(rpm, itpm, otpm)
    per_model = parse_limits(default, per_model_json)
    if default.unlimited and all(v.unlimited for v in per_model.values()):
        return RateLimiter(None, provider, default, per_model, max_wait_s)
    return RateLimiter(redis.Redis.from_url(redis_url), provider, default, per_model, max_wait_s)
