"""OAuth2 in durable runs: a token answer is a credential, so it is never recorded; a resumed
run fetches a new token at its first live request, and a finished run asked again sends
nothing (not even a token request)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from auth_support import (
    ACCESS_1,
    ACCESS_2,
    CLIENT_SECRET,
    api_requests,
    ok_routes,
    token_reply,
    token_requests,
    workflow,
    write,
)
from durable.durable_support import Crash, CrashingTransport
from server import ScriptedServer

import arazzo

pytest.importorskip("dbos", reason="durable runs need dbos (pip install 'arazzo[durable]')")

CLIENT = {"client_id": "my-client", "client_secret": CLIENT_SECRET}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'runs.sqlite'}"
    from arazzo.durable import _runtime

    _runtime.shutdown()


def test_tokens_are_not_recorded_and_fetched_again_on_resume(server: ScriptedServer,
                                                             tmp_path: Path,
                                                             store: str) -> None:
    ok_routes(server)
    server.route("POST", "/oauth/token", *token_reply(ACCESS_1, ACCESS_2))
    path = write(tmp_path, workflow("w", "oauthOp", "oauthOp2", "oauthOp"))
    crashing = CrashingTransport()
    crashing.crash_on = ("GET /oauth2", 1)
    try:
        with pytest.raises(Crash):
            arazzo.run(path, "w", run_id="oauth-1", store=store,
                       servers={"api": server.url}, auth={"api": {"cc": CLIENT}},
                       transports={"api": crashing})
        assert len(token_requests(server)) == 1
        result = arazzo.run(path, "w", run_id="oauth-1", store=store,
                            servers={"api": server.url}, auth={"api": {"cc": CLIENT}},
                            transports={"api": crashing})
    finally:
        crashing.inner.close()
    assert result.succeeded, result.error
    # a new token for the live part; the in-flight GET was sent again with it
    assert len(token_requests(server)) == 2
    calls = api_requests(server)
    assert [r.path for r in calls] == ["/oauth", "/oauth2", "/oauth2", "/oauth"]
    assert [r.headers["authorization"] for r in calls] == [
        f"Bearer {ACCESS_1}", f"Bearer {ACCESS_1}", f"Bearer {ACCESS_2}", f"Bearer {ACCESS_2}"]
    sent = len(server.requests)
    again = arazzo.run(path, "w", run_id="oauth-1", store=store, servers={"api": server.url},
                       auth={"api": {"cc": CLIENT}})
    assert again.succeeded
    assert len(server.requests) == sent
    db = Path(store[len("sqlite:///"):])
    with sqlite3.connect(db) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    blob = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.is_file())
    for secret in (ACCESS_1, ACCESS_2, CLIENT_SECRET):
        assert secret.encode() not in blob
