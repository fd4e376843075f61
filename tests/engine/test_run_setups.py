"""What a run keeps per document between calls (``arazzo._prepare._setup``): the document's
validation, the chosen workflow, the checked source names of ``servers=``/``transports=``,
the servers with the providers' added, the plan, and whether any reachable step has security
requirements. Kept only when every check passed, keyed by what could change the answer: a
repeated run may never see a previous call's servers, workflow, providers or credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo
from arazzo import _prepare
from arazzo._prepare import prepare
from arazzo.documents._loading import MEMO_BOUND

API = """\
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'http://api.test'}]
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
  /secret:
    get:
      operationId: getSecret
      security: [{key: []}]
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
"""

DOC = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
  - workflowId: one
    inputs: {type: object, properties: {id: {type: integer}}}
    steps:
      - stepId: read
        operationId: getThing
        parameters: [{name: id, in: path, value: $inputs.id}]
    outputs: {id: $inputs.id}
  - workflowId: two
    steps:
      - stepId: read
        operationId: getThing
        parameters: [{name: id, in: path, value: 2}]
        outputs: {code: $statusCode}
    outputs: {two: $steps.read.outputs.code}
  - workflowId: secured
    steps:
      - stepId: peek
        operationId: getSecret
"""


@pytest.fixture
def doc(tmp_path: Path) -> arazzo.Document:
    (tmp_path / "api.yaml").write_text(API)
    path = tmp_path / "wf.arazzo.yaml"
    path.write_text(DOC)
    return arazzo.load(path)


def _recording(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    return httpx.MockTransport(handler)


def test_servers_changed_between_runs_are_used(doc: arazzo.Document) -> None:
    seen: list[httpx.Request] = []
    transports = {"api": _recording(seen)}
    servers = {"api": "http://first.test"}
    for _ in range(2):
        assert arazzo.run(doc, "one", {"id": 1}, servers=servers,
                          transports=transports).succeeded
    servers["api"] = "http://second.test"  # the caller's mapping, changed in place
    assert arazzo.run(doc, "one", {"id": 2}, servers=servers, transports=transports).succeeded
    assert arazzo.run(doc, "one", {"id": 3}, transports=transports).succeeded
    assert arazzo.run(doc, "one", {"id": 4}, servers={"api": "http://first.test"},
                      transports=transports).succeeded
    assert [str(r.url) for r in seen] == [
        "http://first.test/things/1", "http://first.test/things/1",
        "http://second.test/things/2", "http://api.test/things/3",
        "http://first.test/things/4"]


def test_each_workflow_and_inputs_are_their_own(doc: arazzo.Document) -> None:
    seen: list[httpx.Request] = []
    transports = {"api": _recording(seen)}
    first = arazzo.run(doc, "one", {"id": 5}, transports=transports)
    second = arazzo.run(doc, "two", transports=transports)
    third = arazzo.run(doc, "one", {"id": 6}, transports=transports)
    assert (first.outputs, second.outputs, third.outputs) == ({"id": 5}, {"two": 200}, {"id": 6})
    with pytest.raises(arazzo.InputError, match="several workflows"):
        arazzo.run(doc, None, transports=transports)


def test_a_refused_setup_is_refused_every_time(doc: arazzo.Document) -> None:
    """Nothing is kept of a call whose checks failed: the same call fails again, with the
    same message, and a good call beside it is not disturbed."""
    good = {"api": _recording([])}
    for _ in range(2):
        with pytest.raises(arazzo.InputError, match="no source description named 'apo'"):
            arazzo.run(doc, "one", {"id": 1}, transports={"apo": good["api"]})
        with pytest.raises(arazzo.InputError, match="absolute http"):
            arazzo.run(doc, "one", {"id": 1}, servers={"api": "ftp://x"}, transports=good)
        with pytest.raises(arazzo.InputError, match="no workflow 'onee'"):
            arazzo.run(doc, "onee", {"id": 1}, transports=good)
        assert arazzo.run(doc, "one", {"id": 1}, transports=good).succeeded
        with pytest.raises(arazzo.InputError, match="inputs must be a mapping"):
            arazzo.run(doc, "one", [1], transports=good)  # type: ignore[arg-type]


def test_invalid_documents_are_refused_every_time(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(API)
    path = tmp_path / "bad.arazzo.yaml"
    path.write_text(DOC.replace("operationId: getSecret", "operationId: noSuchOperation"))
    bad = arazzo.load(path)
    for _ in range(2):
        with pytest.raises(arazzo.ValidationFailed):
            arazzo.run(bad, "one", {"id": 1}, transports={"api": _recording([])})


def test_credentials_are_asked_on_every_run_of_a_secured_workflow(
        doc: arazzo.Document, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a workflow needs credentials is kept; the credentials are not: each run
    reads ``auth=`` and the environment anew."""
    seen: list[httpx.Request] = []
    transport = _recording(seen)
    transport.handles_auth = False  # type: ignore[attr-defined]
    transports = {"api": transport}
    monkeypatch.delenv("ARAZZO_AUTH_API_KEY", raising=False)
    for _ in range(2):
        with pytest.raises(arazzo.MissingCredentials):
            arazzo.run(doc, "secured", transports=transports)
    assert arazzo.run(doc, "secured", transports=transports,
                      auth={"api": {"key": "k-given"}}).succeeded
    monkeypatch.setenv("ARAZZO_AUTH_API_KEY", "k-env")
    assert arazzo.run(doc, "secured", transports=transports).succeeded
    monkeypatch.delenv("ARAZZO_AUTH_API_KEY")
    with pytest.raises(arazzo.MissingCredentials):
        arazzo.run(doc, "secured", transports=transports)
    assert [r.headers["x-key"] for r in seen] == ["k-given", "k-env"]


def test_auth_given_to_an_unsecured_workflow_is_still_masked(doc: arazzo.Document) -> None:
    """No step has security requirements, so no credentials are chosen; values passed as
    ``auth=`` are still secrets the run's masker knows."""
    _, engine = prepare(doc, "one", {"id": 1}, auth={"api": {"key": "s3cr3t-value"}})
    assert engine.auth is not None
    assert engine.masker.text("a s3cr3t-value here") == "a *** here"
    _, plain = prepare(doc, "one", {"id": 1})
    assert plain.auth is None


class _NoClaims:
    """A provider that claims nothing (only its identity matters here)."""

    def claims(self, _source: Any) -> bool:
        return False

    def security_kind(self, _scheme: Any) -> None:
        return None


def _with_providers(providers: tuple[Any, ...]) -> arazzo.RunOptions:
    options = arazzo.RunOptions()
    object.__setattr__(options, "providers", providers)  # past the option's own check
    return options


def test_providers_are_told_apart_by_identity(doc: arazzo.Document) -> None:
    """Setups are kept by the providers' identities; one evicted must never answer for new
    providers that happen to get the same ids."""
    for _ in range(2 * MEMO_BOUND):
        providers = (_NoClaims(),)
        setup = _prepare._setup(doc, "one", _with_providers(providers))
        assert all(a is b for a, b in zip(setup.plan.providers, providers, strict=True))  # type: ignore[comparison-overlap]
    kept = (_NoClaims(),)
    first = _prepare._setup(doc, "one", _with_providers(kept))
    assert _prepare._setup(doc, "one", _with_providers(kept)) is first
    assert _prepare._setup(doc, "one", _with_providers(())) is not first


def test_setups_kept_per_document_are_bounded(doc: arazzo.Document) -> None:
    transports = {"api": _recording([])}
    for index in range(MEMO_BOUND + 5):
        assert arazzo.run(doc, "one", {"id": 1}, servers={"api": f"http://h{index}.test"},
                          transports=transports).succeeded
    kept: dict[Any, Any] = doc.memo("run setups", dict)
    assert len(kept) == MEMO_BOUND
    assert _prepare._setup(doc, "one", arazzo.RunOptions(transports=transports)) is not None


def test_runs_prepared_in_threads_share_one_compiled_workflow(
        doc: arazzo.Document, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of one document prepared at once in several threads (a durable worker's) get the
    same compiled workflow, and its closure holds that very plan: the credentials a run
    chooses are bound to the steps it executes. (Two threads compiling the same workflow
    once gave a run the closure of the other thread's copy: its steps found no credentials
    and went out without them.)"""
    import threading
    import time

    from arazzo.engine import _plan

    compile_ = _plan.Plan._compile

    def slow(self: Any, *args: Any) -> Any:
        time.sleep(0.05)  # both threads are compiling at once
        return compile_(self, *args)

    monkeypatch.setattr(_plan.Plan, "_compile", slow)
    plan = _plan.Plan(doc)
    found: list[Any] = []
    barrier = threading.Barrier(4)

    def prepare() -> None:
        barrier.wait()
        workflow = plan.workflow(doc, "secured")
        found.append((workflow, plan.closure(workflow)))

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4
    first = found[0][0]
    for workflow, closure in found:
        assert workflow is first
        assert closure.plans[workflow.key] is workflow
    # a workflow plan compiled elsewhere gets a closure of its own, never another's
    other = _plan.Plan(doc).workflow(doc, "secured")
    assert plan.closure(other).plans[other.key] is other
