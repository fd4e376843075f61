"""Criterion types passed in (CRI-03): an immutable ``CriterionTypes`` value given to
``validate``/``run``/``run_async``/``prepare``; a custom type is refused without it, accepted
and evaluated with it; results cached on a Document are kept per value."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo
from arazzo import DEFAULT_CRITERIA, CriterionError, CriterionTypes
from arazzo._run import prepare
from arazzo.expressions import EvaluationContext

OPENAPI = """\
openapi: 3.0.3
info: {title: app, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /version:
    get:
      operationId: getVersion
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: versions, version: '1'}
sourceDescriptions:
  - {name: app, url: ./app.openapi.yaml, type: openapi}
workflows:
  - workflowId: check
    steps:
      - stepId: version
        operationId: getVersion
        successCriteria:
          - condition: $statusCode == 200
          - context: $response.body#/version
            condition: '2.1'
            type: TYPE
"""


class SemverAtLeast:
    """``condition: "2.1"`` passes when the context value is a version >= 2.1; the type
    object form ``{type: semver, version: strict}`` also wants three parts."""

    def __init__(self) -> None:
        self.compiled: list[tuple[str, str | None]] = []
        self.seen_status: list[int | None] = []

    def compile(self, condition: str, version: str | None) -> tuple[tuple[int, ...], bool]:
        self.compiled.append((condition, version))
        if version not in (None, "strict"):
            raise CriterionError(f"unknown semver version {version!r}")
        try:
            return tuple(int(part) for part in condition.split(".")), version == "strict"
        except ValueError:
            raise CriterionError(f"not a version: {condition!r}") from None

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        self.seen_status.append(ctx.status_code)
        wanted, strict = compiled
        parts = tuple(int(part) for part in str(value).split("."))
        if strict and len(parts) != 3:
            raise CriterionError(f"{value!r} is not MAJOR.MINOR.PATCH")
        return bool(parts >= wanted)


class StartsWith:
    """An evaluator without ``compile``: it gets the condition text itself."""

    def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
        return isinstance(value, str) and value.startswith(compiled)


def _write(tmp_path: Path, type_yaml: str = "semver", condition: str = "'2.1'") -> Path:
    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    path = tmp_path / "versions.arazzo.yaml"
    path.write_text(ARAZZO.replace("TYPE", type_yaml).replace("'2.1'", condition))
    return path


def _api(version: str, sent: list[str] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if sent is not None:
            sent.append(str(request.url))
        return httpx.Response(200, json={"version": version})

    return httpx.MockTransport(handler)


def _errors(diagnostics: list[arazzo.Diagnostic]) -> list[arazzo.Diagnostic]:
    return [d for d in diagnostics if d.is_error]


# -- validation --------------------------------------------------------------------------


def test_cri03_custom_type_is_refused_without_the_type_and_accepted_with_it(
        tmp_path: Path) -> None:
    path = _write(tmp_path)
    doc = arazzo.load(path)  # the model and the bundled schema accept any type name
    assert not _errors(doc.diagnostics)

    refused = _errors(arazzo.validate(doc))
    assert [d.rule for d in refused] == ["criterion-type"]
    (finding,) = refused
    assert "'semver'" in finding.message
    assert "known types: jsonpath, regex, simple, xpath" in finding.message
    assert finding.file is not None
    assert finding.file.endswith("versions.arazzo.yaml")
    line = ARAZZO.splitlines().index("            type: TYPE") + 1
    assert (finding.line, finding.column) == (line, 19)
    assert finding.format().startswith(f"{finding.file}:{line}:19: error [criterion-type]")

    criteria = DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    assert _errors(arazzo.validate(doc, criteria=criteria)) == []
    assert _errors(arazzo.validate(path, criteria=criteria)) == []
    # the default's findings are unchanged by the other validation
    assert _errors(arazzo.validate(doc)) == refused


def test_cri09_custom_type_object_passes_its_version_to_compile(tmp_path: Path) -> None:
    evaluator = SemverAtLeast()
    criteria = DEFAULT_CRITERIA.with_type("semver", evaluator)
    doc = arazzo.load(_write(tmp_path, "{type: semver, version: strict}"))
    assert not _errors(doc.diagnostics)
    assert _errors(arazzo.validate(doc, criteria=criteria)) == []
    assert ("2.1", "strict") in evaluator.compiled
    unknown = _errors(arazzo.validate(doc))
    assert [d.rule for d in unknown] == ["criterion-type"]
    assert "'semver'" in unknown[0].message


def test_cri03_a_bad_condition_is_reported_by_the_types_compile(tmp_path: Path) -> None:
    criteria = DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    findings = _errors(arazzo.validate(_write(tmp_path, condition="'two'"), criteria=criteria))
    assert [d.rule for d in findings] == ["expression-syntax"]
    assert "not a version: 'two'" in findings[0].message
    assert findings[0].line is not None


def test_cri09_type_object_still_cannot_name_simple_or_regex(tmp_path: Path) -> None:
    doc = arazzo.load(_write(tmp_path, "{type: regex, version: x}"))
    assert [d.rule for d in _errors(doc.diagnostics)] == ["schema"]


# -- running -----------------------------------------------------------------------------


def test_cri03_custom_type_decides_the_run(tmp_path: Path) -> None:
    evaluator = SemverAtLeast()
    criteria = DEFAULT_CRITERIA.with_type("semver", evaluator)
    doc = arazzo.load(_write(tmp_path))

    passed = arazzo.run(doc, transports={"app": _api("2.4.0")}, criteria=criteria)
    assert passed.succeeded
    assert evaluator.seen_status == [200]  # the evaluator sees the run's context

    failed = arazzo.run(doc, transports={"app": _api("1.9")}, criteria=criteria)
    assert not failed.succeeded
    assert failed.failure is not None
    assert failed.failure.kind == "criteria"
    assert "semver condition '2.1' did not match" in failed.failure.message


def test_cri03_custom_type_raising_fails_the_step_with_its_message(tmp_path: Path) -> None:
    criteria = DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    doc = arazzo.load(_write(tmp_path, "{type: semver, version: strict}"))
    result = arazzo.run(doc, transports={"app": _api("2.4")}, criteria=criteria)
    assert not result.succeeded
    assert result.failure is not None
    assert "'2.4' is not MAJOR.MINOR.PATCH" in result.failure.message


def test_cri03_evaluator_without_compile_gets_the_condition_text(tmp_path: Path) -> None:
    criteria = DEFAULT_CRITERIA.with_type("prefix", StartsWith())
    doc = arazzo.load(_write(tmp_path, "prefix", condition="'2.'"))
    assert arazzo.run(doc, transports={"app": _api("2.4.0")}, criteria=criteria).succeeded
    assert not arazzo.run(doc, transports={"app": _api("3.0")}, criteria=criteria).succeeded
    versioned = arazzo.load(_write(tmp_path, "{type: prefix, version: '1'}", condition="'2.'"))
    findings = _errors(arazzo.validate(versioned, criteria=criteria))
    assert "takes no version" in findings[0].message


def test_cri03_custom_type_runs_async_and_through_prepare(tmp_path: Path) -> None:
    criteria = DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    doc = arazzo.load(_write(tmp_path))
    result = asyncio.run(arazzo.run_async(doc, transports={"app": _api("2.1")},
                                          criteria=criteria))
    assert result.succeeded
    _doc, engine = prepare(doc, "check", criteria=criteria)
    assert engine is not None
    with pytest.raises(arazzo.ValidationFailed, match="unknown criterion type 'semver'"):
        prepare(doc, "check")


def test_cri03_without_the_type_nothing_is_sent(tmp_path: Path) -> None:
    sent: list[str] = []
    with pytest.raises(arazzo.ValidationFailed) as info:
        arazzo.run(_write(tmp_path), transports={"app": _api("2.4.0", sent)})
    assert sent == []
    assert [d.rule for d in info.value.diagnostics] == ["criterion-type"]


def test_cri03_default_run_after_a_custom_one_on_the_same_document(tmp_path: Path) -> None:
    """Validation and plan results are cached on the Document per CriterionTypes value."""
    doc = arazzo.load(_write(tmp_path))
    custom = DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    assert arazzo.run(doc, transports={"app": _api("2.4.0")}, criteria=custom).succeeded
    with pytest.raises(arazzo.ValidationFailed, match="unknown criterion type 'semver'"):
        arazzo.run(doc, transports={"app": _api("2.4.0")})
    assert arazzo.run(doc, transports={"app": _api("2.4.0")}, criteria=custom).succeeded


def test_cri05_replacing_a_builtin_type_does_not_leak_into_default_runs(tmp_path: Path) -> None:
    class Never:
        def evaluate(self, compiled: Any, value: Any, ctx: EvaluationContext) -> bool:
            return False

    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    path = tmp_path / "plain.arazzo.yaml"
    path.write_text(textwrap.dedent(ARAZZO).split("          - context:")[0])
    doc = arazzo.load(path)
    never = DEFAULT_CRITERIA.with_type("simple", Never())
    assert not arazzo.run(doc, transports={"app": _api("1")}, criteria=never).succeeded
    assert arazzo.run(doc, transports={"app": _api("1")}).succeeded
    assert not arazzo.run(doc, transports={"app": _api("1")}, criteria=never).succeeded


# -- the value ---------------------------------------------------------------------------


def test_cri03_criterion_types_are_immutable() -> None:
    evaluator = SemverAtLeast()
    extended = DEFAULT_CRITERIA.with_type("semver", evaluator)
    assert extended is not DEFAULT_CRITERIA
    assert "semver" in extended
    assert extended["semver"] is evaluator
    assert "semver" not in DEFAULT_CRITERIA
    assert DEFAULT_CRITERIA.names() == ["jsonpath", "regex", "simple", "xpath"]
    assert extended.names() == ["jsonpath", "regex", "semver", "simple", "xpath"]
    with pytest.raises(TypeError):
        extended["other"] = evaluator  # type: ignore[index]
    with pytest.raises(TypeError):
        del extended["semver"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="immutable"):
        extended._types = {}
    with pytest.raises(AttributeError, match="immutable"):
        del extended._types
    for name in ("register", "copy", "update", "pop", "clear", "setdefault"):
        assert not hasattr(extended, name), name
    assert extended["semver"] is evaluator


def test_cri03_criterion_types_equality_hash_and_errors() -> None:
    evaluator = SemverAtLeast()
    one = DEFAULT_CRITERIA.with_type("semver", evaluator)
    two = DEFAULT_CRITERIA.with_type("semver", evaluator)
    assert one == two
    assert hash(one) == hash(two)
    assert one != DEFAULT_CRITERIA.with_type("semver", SemverAtLeast())
    assert len({one, two, DEFAULT_CRITERIA}) == 2
    assert dict(CriterionTypes({"semver": evaluator})) == {"semver": evaluator}
    assert repr(DEFAULT_CRITERIA) == "CriterionTypes(['jsonpath', 'regex', 'simple', 'xpath'])"
    with pytest.raises(CriterionError, match=r"unknown criterion type 'nope' \(known types: "
                                             r"jsonpath, regex, simple, xpath\)"):
        DEFAULT_CRITERIA.evaluator("nope")
    with pytest.raises(TypeError, match="no evaluate"):
        DEFAULT_CRITERIA.with_type("bad", object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="non-empty string"):
        CriterionTypes({"": evaluator})


def test_cri03_builtin_types_are_evaluators_of_the_same_interface() -> None:
    for name in DEFAULT_CRITERIA:
        assert isinstance(DEFAULT_CRITERIA[name], arazzo.CriterionEvaluator), name
    assert isinstance(StartsWith(), arazzo.CriterionEvaluator)
