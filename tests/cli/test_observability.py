"""Logging through the ``arazzo`` logger and OpenTelemetry spans from the events."""

from __future__ import annotations

import json
import logging

import pytest
from cli_support import PASSWORD, PETS, PETS_INPUTS, TOKEN, script_pets
from server import ScriptedServer

import arazzo
from arazzo.cli import main
from arazzo.observers._logging import LoggingHook, logging_hooks, normalize_hooks


def test_logging_levels(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    script_pets(server, ready_after=2)
    caplog.set_level(logging.DEBUG, logger="arazzo")
    result = arazzo.run(PETS, "adopt", PETS_INPUTS, servers={"pets": server.url},
                        loop_delay=0)
    assert result.succeeded
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "arazzo"]
    messages = [m for _, m in records]
    assert (logging.INFO, "run adopt started") in records
    assert (logging.INFO, "step adopt/login started") in records
    assert (logging.INFO, "step adopt/login succeeded (status 200)") in records
    assert (logging.INFO, "step adopt/waitReady: iteration 2 (after 0s), last status=pending") \
        in records
    assert (logging.INFO, "run adopt succeeded") in records
    requests = [m for level, m in records if level == logging.DEBUG and " request " in m]
    assert any(m.startswith("adopt/createPet request POST ") and "Authorization: ***" in m
               for m in requests)
    for message in messages:
        assert PASSWORD not in message
        assert TOKEN not in message


def test_logging_warnings_for_failures_and_retries(server: ScriptedServer,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    script_pets(server, fail_create=True)
    caplog.set_level(logging.INFO, logger="arazzo")
    result = arazzo.run(PETS, "adopt", PETS_INPUTS, servers={"pets": server.url},
                        loop_delay=0)
    assert not result.succeeded
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("step adopt/createPet failed: ") for m in warnings)
    assert any(m.startswith("run adopt failed: ") for m in warnings)
    hook = LoggingHook(logging.getLogger("arazzo.test"))
    caplog.clear()
    hook(arazzo.RetryScheduled("wf", "s", "again", 1, 0.5))
    assert caplog.records[0].levelno == logging.WARNING
    assert caplog.records[0].getMessage() == "step wf/s: retry 1 by action 'again' in 0.5s"


def test_logging_hook_attached_only_when_someone_listens(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    logger = logging.getLogger("arazzo")
    monkeypatch.setattr(logger, "hasHandlers", lambda: False)
    assert logging_hooks() == ()
    assert normalize_hooks(None) == ()
    monkeypatch.setattr(logger, "hasHandlers", lambda: True)
    assert len(logging_hooks()) == 1
    assert len(normalize_hooks(print)) == 2


def test_cli_log_level(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    script_pets(server)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        code = main(["--log-level", "info", "run", str(PETS), "-w", "ping", "--server",
                     f"pets={server.url}", "--quiet"])
    finally:
        for handler in root.handlers:
            if handler not in before:
                root.removeHandler(handler)
        logging.getLogger("arazzo").setLevel(logging.NOTSET)
    assert code == 0
    assert "arazzo: run ping started" in capsys.readouterr().err


# -- OpenTelemetry ---------------------------------------------------------------------------


@pytest.fixture
def exporter() -> object:
    pytest.importorskip("opentelemetry.sdk", reason="OpenTelemetry SDK not installed "
                                                    "(pip install 'arazzo[otel]' "
                                                    "opentelemetry-sdk)")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    memory.provider = provider  # type: ignore[attr-defined]
    return memory


def test_spans_per_run_step_and_http_attempt(server: ScriptedServer, exporter: object) -> None:
    from opentelemetry.trace import SpanKind, StatusCode

    from arazzo.tracing import OpenTelemetryHooks

    script_pets(server, ready_after=2)
    doc = arazzo.load(PETS)
    hooks = OpenTelemetryHooks(tracer_provider=exporter.provider,  # type: ignore[attr-defined]
                               document=doc)
    result = arazzo.run(doc, "adopt", PETS_INPUTS, servers={"pets": server.url}, loop_delay=0,
                        hooks=hooks)
    assert result.succeeded
    spans = exporter.get_finished_spans()  # type: ignore[attr-defined]
    runs = [s for s in spans if s.name == "arazzo.run adopt"]
    steps = [s for s in spans if s.name.startswith("arazzo.step ")]
    http = [s for s in spans if s.kind == SpanKind.CLIENT]
    assert len(runs) == 1
    run = runs[0]
    assert run.attributes["arazzo.workflow_id"] == "adopt"
    assert run.attributes["arazzo.succeeded"] is True
    assert run.status.status_code == StatusCode.OK
    assert [s.attributes["arazzo.step_id"] for s in steps] == [
        "login", "createPet", "waitReady", "waitReady"]
    assert [s.attributes["arazzo.attempt"] for s in steps] == [1, 1, 1, 2]
    assert steps[1].attributes["arazzo.operation_id"] == "createPet"
    assert steps[2].attributes["http.response.status_code"] == 200
    for step in steps:
        assert step.parent is not None
        assert step.parent.span_id == run.context.span_id
    assert len(http) == 4
    assert http[1].name == "POST"
    assert http[1].attributes["http.request.method"] == "POST"
    assert http[1].attributes["url.full"] == f"{server.url}/pets"
    assert http[1].attributes["http.response.status_code"] == 201
    assert http[1].attributes["server.address"] == "127.0.0.1"
    assert http[1].parent is not None
    assert http[1].parent.span_id == steps[1].context.span_id
    events = [(e.name, dict(e.attributes or {})) for e in run.events]
    assert ("arazzo.action", {"arazzo.step_id": "waitReady", "arazzo.action.type": "goto",
                              "arazzo.action.name": "notYet",
                              "arazzo.action.target": "waitReady"}) in events
    assert any(name == "arazzo.loop_iteration" for name, _ in events)
    for span in spans:
        assert PASSWORD not in json.dumps(dict(span.attributes or {}), default=str)


def test_failed_steps_and_transport_errors_are_errors(exporter: object) -> None:
    from opentelemetry.trace import StatusCode
    from server import closed_port

    from arazzo.tracing import OpenTelemetryHooks

    hooks = OpenTelemetryHooks(tracer_provider=exporter.provider)  # type: ignore[attr-defined]
    result = arazzo.run(PETS, "ping", servers={"pets": f"http://127.0.0.1:{closed_port()}"},
                        hooks=[hooks])
    assert not result.succeeded
    spans = {s.name: s for s in exporter.get_finished_spans()}  # type: ignore[attr-defined]
    assert spans["POST"].status.status_code == StatusCode.ERROR
    assert spans["POST"].attributes["error.type"] == "transport"
    assert spans["arazzo.step only"].status.status_code == StatusCode.ERROR
    assert spans["arazzo.run ping"].status.status_code == StatusCode.ERROR
