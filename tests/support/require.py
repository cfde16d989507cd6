"""The one rule for a service or tool the tests need and cannot find: skip locally, fail in CI (`CI=true`)."""

from __future__ import annotations

import os

import pytest


def missing(msg: str) -> None:
    """Skip locally, fail in CI: a service the tests need is not there."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(msg)
    pytest.skip(msg)
