"""The one clock: pure code takes `now` as an argument, everything else asks here."""

from __future__ import annotations

import time


def now() -> float:
    """Wall-clock seconds since the epoch."""
    return time.time()


def monotonic() -> float:
    """Seconds for measuring durations."""
    return time.perf_counter()
