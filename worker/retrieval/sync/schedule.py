"""Syncs on a schedule: `ticketflow index sync SOURCE --every 15m` (with `--once` for one pass, as tests drain it).

A failed pass is logged and recorded by `sync` itself; the loop goes on at the next tick, so a
helpdesk outage costs freshness, never the index being served.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from worker.errors import ConfigError, SyncFailed

log = logging.getLogger("ticketflow.sync")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.I)


def parse_duration(text: str) -> float:
    """`15m`, `30s`, `1h`, `900` (seconds) -> seconds."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise ConfigError(f"not a duration: {text!r} (say 30s, 15m, 1h or a number of seconds)")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def every(pass_: Callable[[], object], seconds: float, *, once: bool = False, stop: threading.Event | None = None) -> int:
    """Run `pass_` now and then every `seconds` until `stop` is set (or once); returns how many passes failed."""
    stop = stop or threading.Event()
    failed = 0
    while True:
        try:
            pass_()
        except SyncFailed as exc:  # already logged and recorded; the next tick tries again
            failed += 1
            if not once:
                log.warning("sync pass failed (%s); next try in %.0fs", exc, seconds)
        if once or stop.wait(seconds):
            return failed
