"""The PostgreSQL fixtures start a real server: SQL round trips, isolated databases, loopback
only, password authentication, and a clean stop."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from .postgres_support import (
    POSTGRES_SKIP_REASON,
    PostgresStartError,
    create_database,
    database_url,
    drop_database,
    psql,
    temporary_postgres,
)

needs_postgres = pytest.mark.skipif(POSTGRES_SKIP_REASON is not None,
                                    reason=POSTGRES_SKIP_REASON or "")


def _refused(host: str, port: int, family: socket.AddressFamily = socket.AF_INET) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) != 0


def test_url_shape(postgres_url: str) -> None:
    parts = urllib.parse.urlsplit(postgres_url)
    assert parts.scheme == "postgresql"
    assert parts.hostname == "127.0.0.1"
    assert parts.port
    assert parts.username
    assert parts.password
    assert parts.path.lstrip("/")


def test_table_round_trip(postgres_db: str) -> None:
    psql(postgres_db, "CREATE TABLE runs (id serial PRIMARY KEY, name text NOT NULL)")
    psql(postgres_db, "INSERT INTO runs (name) VALUES ('first'), ('second')")
    assert psql(postgres_db, "SELECT id, name FROM runs ORDER BY id").splitlines() == [
        "1|first", "2|second"]


def test_psycopg_connects(postgres_db: str) -> None:
    """The URL is the one a driver takes (psycopg comes with dbos)."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install dbos)")
    with psycopg.connect(postgres_db) as conn:
        conn.execute("CREATE TABLE t (v int)")
        conn.execute("INSERT INTO t VALUES (42)")
        assert conn.execute("SELECT v FROM t").fetchall() == [(42,)]


def test_databases_are_distinct(postgres_url: str, postgres_db: str) -> None:
    # one test gets one postgres_db: make a second database the way the fixture does
    other = create_database(postgres_url, "test_other_db")
    try:
        assert other != postgres_db
        psql(postgres_db, "CREATE TABLE only_here (v int)")
        assert psql(postgres_db, "SELECT current_database()").strip() != psql(
            other, "SELECT current_database()").strip()
        assert psql(other, "SELECT to_regclass('only_here') IS NULL").strip() == "t"
    finally:
        drop_database(postgres_url, "test_other_db")


_seen: list[str] = []


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_a_new_database(postgres_db: str, round_: int) -> None:
    name = urllib.parse.urlsplit(postgres_db).path.lstrip("/")
    assert name not in _seen
    _seen.append(name)
    assert psql(postgres_db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).strip() == "0"


def test_listens_on_loopback_only(postgres_url: str) -> None:
    port = urllib.parse.urlsplit(postgres_url).port
    assert port
    assert psql(postgres_url, "SHOW listen_addresses").strip() == "127.0.0.1"
    assert psql(postgres_url, "SELECT host(inet_server_addr())").strip() == "127.0.0.1"
    assert not _refused("127.0.0.1", port)
    # 127.0.0.2 is loopback too on Linux: bound to 127.0.0.1 alone, the port refuses it
    assert _refused("127.0.0.2", port)
    if socket.has_ipv6:
        with contextlib.suppress(OSError):  # no IPv6 sockets here
            assert _refused("::1", port, socket.AF_INET6)


def test_settings(postgres_url: str) -> None:
    assert psql(postgres_url, "SHOW max_connections").strip() == "200"
    assert psql(postgres_url, "SHOW fsync").strip() == "off"
    assert psql(postgres_url, "SHOW password_encryption").strip() == "scram-sha-256"


def test_password_is_required(postgres_url: str) -> None:
    parts = urllib.parse.urlsplit(postgres_url)
    wrong = parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}").geturl()
    with pytest.raises(subprocess.CalledProcessError) as info:
        psql(wrong, "SELECT 1")
    assert "password authentication failed" in info.value.stderr


@needs_postgres
def test_stop_removes_the_cluster() -> None:
    with temporary_postgres() as url:
        data_dir = Path(psql(url, "SHOW data_directory").strip())
        port = urllib.parse.urlsplit(url).port
        assert port
        assert data_dir.is_dir()
    assert not data_dir.exists()
    assert not data_dir.parent.exists()
    assert _refused("127.0.0.1", port)


@needs_postgres
def test_start_failure_raises_with_the_server_log() -> None:
    with pytest.raises(PostgresStartError, match="invalid value for parameter"), \
            temporary_postgres(settings={"max_connections": "many"}):
        pass


def test_database_url() -> None:
    assert database_url("postgresql://u:p@127.0.0.1:5/a", "b") == "postgresql://u:p@127.0.0.1:5/b"
