"""Archive databases for tests: an SQLite file of the test's own, and a PostgreSQL database created and dropped per test.

PostgreSQL: `TICKETFLOW_TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test, trust
auth, as CI has it) is only used to create and drop a database named for the test; locally a missing
server skips, in CI (`CI=true`) it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.support.require import missing
from worker.archive.schema import make_engine, migrate

ADMIN_URL = os.environ.get("TICKETFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin() -> Engine:
    return create_engine("postgresql+psycopg://" + ADMIN_URL.split("://", 1)[1], isolation_level="AUTOCOMMIT")


def postgres_database() -> Iterator[str]:
    """Create a database of the test's own on the server at ADMIN_URL; yield its URL (as a user writes it); drop it after."""
    name = f"ticketflow_test_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no driver, no rights
        admin.dispose()
        missing(f"no PostgreSQL at {ADMIN_URL}: {type(exc).__name__}: {exc}"[:300])
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty archive database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        return
    yield from postgres_database()


@pytest.fixture
def archive(archive_url: str) -> Iterator[Engine]:
    """A migrated archive on `archive_url`."""
    from worker.archive.schema import database_url
    from worker.settings import load_settings

    engine = make_engine(database_url(load_settings(database_url=archive_url)) or archive_url)
    migrate(engine)
    yield engine
    engine.dispose()
