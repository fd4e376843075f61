"""Fixtures for the durable-run tests: a real PostgreSQL server the session starts itself.

``postgres_url`` skips (with POSTGRES_SKIP_REASON) only when the server binaries are missing;
when they are present and the server does not start, the fixture errors with initdb/pg_ctl's
output, so a broken setup is never mistaken for an absent one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from .postgres_support import (
    POSTGRES_SKIP_REASON,
    create_database,
    drop_database,
    temporary_postgres,
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql://arazzo:PASSWORD@127.0.0.1:PORT/arazzo`` of a server for the session."""
    if POSTGRES_SKIP_REASON is not None:
        pytest.skip(POSTGRES_SKIP_REASON)
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """The URL of a fresh, empty database on the session's server (dropped afterwards)."""
    name = f"test_{secrets.token_hex(6)}"
    url = create_database(postgres_url, name)
    yield url
    drop_database(postgres_url, name)
