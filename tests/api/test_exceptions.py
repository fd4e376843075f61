"""Every exception ``arazzo`` exports is one a caller can meet through the public API.

One row per exported exception: the public call that produces it, the exact type, and a
piece of its message. A final check keeps the table complete: an exception added to
``arazzo.__all__`` without a row here fails the suite, so no exported type is dead.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo
import arazzo.criteria
import arazzo.expressions

HEADER = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.openapi.yaml, type: openapi}
"""

OPENAPI = """\
openapi: 3.0.3
info: {title: api, version: '1'}
servers: [{url: 'https://api.example.com'}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
paths:
  /ping:
    get:
      operationId: ping
      responses: {'200': {description: ok}}
  /secure:
    get:
      operationId: secure
      security: [{key: []}]
      responses: {'200': {description: ok}}
"""

WORKFLOW = """\
workflows:
- workflowId: {workflow}
  steps:
  - stepId: call
    operationId: {operation}
    successCriteria: [{{condition: $statusCode == 200}}]
"""


def _document(tmp_path: Path, body: str) -> Path:
    (tmp_path / "api.openapi.yaml").write_text(OPENAPI, encoding="utf-8")
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def _flow(tmp_path: Path, operation: str = "ping") -> Path:
    return _document(tmp_path, WORKFLOW.format(workflow="w", operation=operation))


def _answering(status: int) -> dict[str, httpx.MockTransport]:
    return {"api": httpx.MockTransport(lambda request: httpx.Response(status, json={}))}


def _not_a_mapping(tmp_path: Path) -> Any:
    return arazzo.load(b"- a list\n- not an Arazzo object\n")


def _missing_file(tmp_path: Path) -> Any:
    return arazzo.load(tmp_path / "absent.arazzo.yaml")


def _denied_source(tmp_path: Path) -> Any:
    # the source lies outside the one directory the caller allowed: the document loads,
    # the source is refused with AccessDenied (SEC-03), and running it raises nothing else
    outside = tmp_path / "outside"
    outside.mkdir()
    flow = _flow(outside)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "flow.arazzo.yaml").write_text(
        flow.read_text(encoding="utf-8").replace("./api.openapi.yaml",
                                                 "../outside/api.openapi.yaml"),
        encoding="utf-8")
    doc = arazzo.load(allowed / "flow.arazzo.yaml", allow_dirs=[allowed])
    source = doc.sources["api"]
    assert source.kind == "missing"
    raise source.error  # type: ignore[union-attr]  # kind "missing": a MissingSource


def _unresolved_operation(tmp_path: Path) -> Any:
    # plan() lists the steps of a document as it is, without validating it first: an
    # operationId no source has is a reference that does not resolve (STP-03)
    return arazzo.plan(_flow(tmp_path, operation="pingg"), "w")


def _version(tmp_path: Path) -> Any:
    return arazzo.load(b"arazzo: 2.0.0\ninfo: {title: t, version: '1'}\n"
                       b"sourceDescriptions: []\nworkflows: []\n")


def _async_step(tmp_path: Path) -> Any:
    # an Arazzo 1.1 AsyncAPI step: described, not run yet (V11-ASY-01)
    v11 = Path(__file__).resolve().parents[1] / "engine" / "data" / "v11" / "order.arazzo.yaml"
    return arazzo.run(v11, "order", {"petId": "1"})


def _invalid(tmp_path: Path) -> Any:
    # the step names an operation no source has: refused before any request (STP-03)
    return arazzo.run(_flow(tmp_path, operation="nope"), "w", transports=_answering(200))


def _bad_expression(tmp_path: Path) -> Any:
    return arazzo.expressions.parse("$statusCod")


def _unknown_criterion(tmp_path: Path) -> Any:
    return arazzo.criteria.compile_criterion("$.x", {"type": "nope", "version": "1"},
                                             "$response.body")


def _unknown_workflow(tmp_path: Path) -> Any:
    return arazzo.run(_flow(tmp_path), "nope", transports=_answering(200))


def _no_credentials(tmp_path: Path) -> Any:
    # a caller-supplied transport is trusted to authenticate; the default one is not
    return arazzo.run(_flow(tmp_path, operation="secure"), "w",
                      servers={"api": "http://127.0.0.1:9"})


def _failed_run(tmp_path: Path) -> Any:
    return arazzo.run(_flow(tmp_path), "w", transports=_answering(500)).raise_for_failure()


Case = tuple[str, Callable[[Path], Any], type[arazzo.ArazzoError], str]

CASES: list[Case] = [
    ("DocumentError", _not_a_mapping, arazzo.DocumentError, "root must be a mapping"),
    ("LoadError", _missing_file, arazzo.LoadError, "file not found"),
    ("AccessDenied", _denied_source, arazzo.AccessDenied, "outside the allowed directories"),
    ("UnsupportedVersion", _version, arazzo.UnsupportedVersion, "Arazzo 2.0.0 is not supported"),
    ("UnsupportedFeature", _async_step, arazzo.UnsupportedFeature,
     "running AsyncAPI steps is not available yet"),
    ("ReferenceError_", _unresolved_operation, arazzo.ReferenceError_, "did you mean 'ping'"),
    ("ValidationFailed", _invalid, arazzo.ValidationFailed, "nothing was run"),
    ("ExpressionSyntaxError", _bad_expression, arazzo.ExpressionSyntaxError, "$statusCod"),
    ("CriterionError", _unknown_criterion, arazzo.CriterionError, "unknown criterion type"),
    ("InputError", _unknown_workflow, arazzo.InputError, "no workflow 'nope'"),
    ("MissingCredentials", _no_credentials, arazzo.MissingCredentials, "scheme 'key'"),
    ("WorkflowFailed", _failed_run, arazzo.WorkflowFailed, "call"),
]

#: exported exceptions that are categories: raised only as one of their subclasses
CATEGORIES = {
    "ArazzoError": "every row",
    "ExpressionError": "ExpressionSyntaxError",
}

#: exported exceptions that the public API does not raise yet, with the reason
NOT_RAISED: dict[str, str] = {}


@pytest.mark.parametrize(("name", "call", "kind", "needle"), CASES, ids=[c[0] for c in CASES])
def test_raised_through_the_public_api(name: str, call: Callable[[Path], Any],
                                       kind: type[arazzo.ArazzoError], needle: str,
                                       tmp_path: Path) -> None:
    with pytest.raises(arazzo.ArazzoError) as info:
        call(tmp_path)
    assert type(info.value) is kind
    assert kind.__name__ == name
    assert needle in str(info.value)
    # the message is the whole story: no stack trace needed to know what to fix
    assert str(info.value).strip()
    assert "Traceback" not in str(info.value)


def test_a_failed_run_carries_its_result_and_failure(tmp_path: Path) -> None:
    result = arazzo.run(_flow(tmp_path), "w", transports=_answering(500))
    with pytest.raises(arazzo.WorkflowFailed) as info:
        result.raise_for_failure()
    assert info.value.result is result
    assert info.value.failure is result.failure
    assert result.failure is not None
    assert result.failure.step_id == "call"


def test_validation_failed_lists_every_diagnostic(tmp_path: Path) -> None:
    with pytest.raises(arazzo.ValidationFailed) as info:
        _invalid(tmp_path)
    assert info.value.diagnostics
    assert all(d.is_error for d in info.value.diagnostics)


def test_categories_catch_their_members(tmp_path: Path) -> None:
    with pytest.raises(arazzo.ExpressionError):
        _bad_expression(tmp_path)
    for name, call, _, _ in CASES:
        (tmp_path / name).mkdir()
        with pytest.raises(arazzo.ArazzoError):
            call(tmp_path / name)


def test_every_exported_exception_has_a_row() -> None:
    exported = {name for name in arazzo.__all__
                if isinstance(getattr(arazzo, name), type)
                and issubclass(getattr(arazzo, name), BaseException)}
    covered = {c[0] for c in CASES} | set(CATEGORIES) | set(NOT_RAISED)
    assert exported == covered, (
        f"exported but not shown raised: {sorted(exported - covered)}; "
        f"in the table but not exported: {sorted(covered - exported)}")
