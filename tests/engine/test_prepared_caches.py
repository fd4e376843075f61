"""What a run prepares once per (document, workflow) and keeps on the Document: the inputs
checks (fast check with its ``$ref`` resolved, defaults, the jsonschema validator), the
closure of reachable workflows. The caches are correct: other inputs are still checked with
the same messages, the caller's inputs are never changed, options that change the outcome
get their own plan, and a document changed on disk is a new Document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import httpx
import jsonschema
import pydantic
import pytest

import arazzo
from arazzo._exceptions import InputError
from arazzo.criteria import DEFAULT_CRITERIA
from arazzo.documents import _schemacheck
from arazzo.engine import _plan

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
"""

DOC = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
  - workflowId: one
    inputs: {$ref: '#/components/inputs/thing'}
    steps:
      - stepId: read
        operationId: getThing
        parameters: [{name: id, in: path, value: $inputs.id}]
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {name: $response.body#/name}
    outputs:
      name: $steps.read.outputs.name
      verbose: $inputs.verbose
      options: $inputs.options
components:
  inputs:
    thing:
      type: object
      required: [id]
      properties:
        id: {type: integer, minimum: 1}
        verbose: {type: boolean, default: false}
        options:
          type: object
          properties:
            depth: {type: integer, default: 2}
"""


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    (tmp_path / "api.yaml").write_text(API)
    path = tmp_path / "wf.arazzo.yaml"
    path.write_text(DOC)
    return path


def _transport(seen: list[str] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        return httpx.Response(200, json={"name": "thing"})

    return httpx.MockTransport(handler)


def _run(doc: Any, inputs: Any, **options: Any) -> arazzo.RunResult:
    options.setdefault("transports", {"api": _transport()})
    return arazzo.run(doc, "one", inputs, **options)


def test_inputs_checks_made_once_per_document_and_workflow(
        doc_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    lookups: list[str] = []
    validators: list[int] = []

    class CountingCheck(_schemacheck.InputsCheck):
        def __init__(self, raw: Any, index: int) -> None:
            made.append(index)
            super().__init__(raw, index)

    real_lookup = _schemacheck._Checker._lookup

    def lookup(self: _schemacheck._Checker, ref: str, base: str) -> Any:
        if not self.trusted:  # not the document's own schema check at load
            lookups.append(ref)
        return real_lookup(self, ref, base)

    real_validator = jsonschema.Draft202012Validator

    def counting_validator(*args: Any, **kwargs: Any) -> Any:
        validators.append(1)
        return real_validator(*args, **kwargs)

    monkeypatch.setattr(_plan, "InputsCheck", CountingCheck)
    monkeypatch.setattr(_schemacheck._Checker, "_lookup", lookup)
    monkeypatch.setattr(jsonschema, "Draft202012Validator", counting_validator)
    doc = arazzo.load(doc_path)
    for index in range(5):
        assert _run(doc, {"id": 1 + index}).succeeded
    assert made == [0]
    # the workflow's inputs and the components' $ref: resolved on the first run only
    assert sorted(lookups) == ["#/components/inputs/thing",
                               "urn:arazzo:document#/workflows/0/inputs"]
    assert validators == []  # valid inputs never need jsonschema
    messages = []
    for _ in range(3):
        with pytest.raises(InputError) as caught:
            _run(doc, {"id": 0})
        messages.append(caught.value.message)
    assert validators == [1]  # built on the first invalid inputs, then kept
    assert len(set(messages)) == 1
    assert "id: 0 is less than the minimum of 1" in messages[0]
    # another plan of the document (other criterion types) shares the inputs checks
    other = DEFAULT_CRITERIA.with_type("x-always", _Always())
    assert _run(doc, {"id": 3}, criteria=other).succeeded
    with pytest.raises(InputError):
        _run(doc, {"id": 0}, criteria=other)
    assert made == [0]
    assert validators == [1]


def test_other_inputs_still_checked_with_the_same_messages(doc_path: Path) -> None:
    doc = arazzo.load(doc_path)
    fresh_messages = []
    for bad in ({}, {"id": "7"}, {"id": 1, "verbose": "yes"}, {"id": 1, "options": 3}):
        with pytest.raises(InputError) as first:
            _run(doc, bad)
        assert _run(doc, {"id": 2}).succeeded  # a valid run in between
        with pytest.raises(InputError) as again:
            _run(doc, bad)
        with pytest.raises(InputError) as fresh:  # a Document with nothing cached yet
            _run(arazzo.load(doc_path), bad)
        assert first.value.message == again.value.message == fresh.value.message
        fresh_messages.append(fresh.value.message)
    assert "missing required inputs: id" in fresh_messages[0]
    assert "'7' is not of type 'integer'" in fresh_messages[1]


def test_defaults_filled_and_callers_inputs_never_changed(doc_path: Path) -> None:
    doc = arazzo.load(doc_path)
    inputs = {"id": 4, "options": {}}
    result = _run(doc, inputs)
    assert result.outputs == {"name": "thing", "verbose": False, "options": {"depth": 2}}
    assert inputs == {"id": 4, "options": {}}  # the nested default went into the run's copy
    result.outputs["options"]["depth"] = 99  # the result is not tied to the next run
    again = _run(doc, inputs)
    assert again.outputs["options"] == {"depth": 2}
    assert inputs == {"id": 4, "options": {}}


def test_defaults_match_the_schema_walk() -> None:
    """``_Defaults`` (made once) fills what a walk of the schema for each value would."""
    raw: dict[str, Any] = {"components": {"inputs": {
        "loop": {"allOf": [{"$ref": "#/components/inputs/loop"}],
                 "properties": {"a": {"default": [1]}}},
        "node": {"properties": {"child": {"$ref": "#/components/inputs/node"},
                                "n": {"type": "integer", "default": 0}}}}}}
    schema = {"allOf": [{"$ref": "#/components/inputs/loop"}],
              "properties": {"tree": {"$ref": "#/components/inputs/node"},
                             "plain": {"type": "string"}}}
    defaults = _plan._Defaults.of(schema, raw)
    assert defaults is not None
    value: dict[str, Any] = {"tree": {"child": {"child": {}}}}
    defaults.apply(value, 0)
    assert value == {"a": [1], "tree": {"n": 0, "child": {"n": 0, "child": {"n": 0}}}}
    assert value["a"] is not raw["components"]["inputs"]["loop"]["properties"]["a"]["default"]
    assert _plan._Defaults.of({"properties": {"x": {"type": "string"}}}, raw) is None


def test_defaults_of_a_self_referring_all_of_are_filled_once_per_part(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An ``allOf`` that refers back to its own schema through two members (a crafted
    document) once made every run walk 2**32 parts; each part is now filled once."""
    raw: dict[str, Any] = {"components": {"inputs": {
        "a": {"allOf": [{"$ref": "#/components/inputs/a"}, {"$ref": "#/components/inputs/a"},
                        {"$ref": "#/components/inputs/b"}],
              "properties": {"x": {"default": 1}}},
        "b": {"allOf": [{"$ref": "#/components/inputs/a"}, {"$ref": "#/components/inputs/b"}],
              "properties": {"y": {"default": 2}, "x": {"default": "b's"}}}}}}
    defaults = _plan._Defaults.of({"$ref": "#/components/inputs/a"}, raw)
    assert defaults is not None
    calls = 0
    fill = _plan._Defaults._fill

    def counted(self: Any, value: dict[str, Any], depth: int) -> None:
        nonlocal calls
        calls += 1
        assert calls < 100, "a part is filled again and again"
        fill(self, value, depth)

    monkeypatch.setattr(_plan._Defaults, "_fill", counted)
    value: dict[str, Any] = {}
    defaults.apply(value, 0)
    # b is a part of a (filled first, as nested walks did), then a's own properties
    assert value == {"y": 2, "x": "b's"}
    assert calls == 2


def test_one_inputs_check_agrees_with_a_fresh_one_over_many_instances() -> None:
    raw = json.loads(json.dumps({
        "workflows": [{"workflowId": "w", "inputs": {"$ref": "#/components/inputs/s"}}],
        "components": {"inputs": {"s": {
            "type": "object", "required": ["a"],
            "properties": {"a": {"$ref": "#/components/inputs/n"},
                           "b": {"type": "array", "items": {"$ref": "#/components/inputs/n"}}}},
            "n": {"type": "integer", "minimum": 0}}}}))
    check = _schemacheck.InputsCheck(raw, 0)
    instances = [{"a": 1}, {"a": -1}, {}, {"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, -2]},
                 {"a": "x"}, {"a": 2, "b": []}]
    for instance in instances * 2:
        assert check(instance) is _schemacheck.inputs_are_valid(raw, 0, instance)
    assert [check(i) for i in instances] == [True, False, False, True, False, False, True]


def test_options_that_change_the_outcome_get_their_own_entries(doc_path: Path) -> None:
    doc = arazzo.load(doc_path)
    seen: list[str] = []
    transports = {"api": _transport(seen)}
    assert _run(doc, {"id": 1}, transports=transports).succeeded
    assert _run(doc, {"id": 1}, transports=transports,
                servers={"api": "http://other.test"}).succeeded
    assert _run(doc, {"id": 1}, transports=transports).succeeded
    assert seen == ["http://api.test/things/1", "http://other.test/things/1",
                    "http://api.test/things/1"]
    # a criterion type the document does not use changes nothing; a plan per value
    plans = {id(_plan.plan_for(doc, DEFAULT_CRITERIA, ())),
             id(_plan.plan_for(doc, DEFAULT_CRITERIA)),
             id(_plan.plan_for(doc, DEFAULT_CRITERIA.with_type("x-y", _Always())))}
    assert len(plans) == 3
    assert _run(doc, {"id": 1}, transports=transports, providers=()).succeeded
    # auth: a source without security schemes refuses credentials, every time
    for _ in range(2):
        with pytest.raises(InputError, match="declares no security scheme"):
            _run(doc, {"id": 1}, auth={"api": {"key": "secret"}})
        assert _run(doc, {"id": 1}).succeeded


def test_plans_per_document_are_bounded(doc_path: Path) -> None:
    doc = arazzo.load(doc_path)
    for index in range(3 * _plan.MAX_PLANS):
        criteria = DEFAULT_CRITERIA.with_type(f"x-t{index}", _Always())
        assert _run(doc, {"id": 1}, criteria=criteria).succeeded
    for name in ("plans", "errors", "claimed sources"):
        assert len(doc.memo(name, dict)) <= _plan.MAX_PLANS


class _Always:
    """A criterion type that always passes (the documents here do not use it)."""

    def evaluate(self, _compiled: Any, _value: Any, _ctx: Any) -> bool:
        return True


class _NoClaims:
    """A provider that claims nothing (only its identity matters here)."""

    def claims(self, _source: Any) -> bool:
        return False

    def security_kind(self, _scheme: Any) -> None:
        return None


def test_evicted_plans_are_not_confused_with_new_providers(doc_path: Path) -> None:
    """A plan is kept by the providers' identities; one evicted must never answer for new
    providers that happen to get the same ids."""
    doc = arazzo.load(doc_path)
    for _ in range(2 * _plan.MAX_PLANS):
        providers = (cast(Any, _NoClaims()),)
        plan = _plan.plan_for(doc, DEFAULT_CRITERIA, providers)
        assert plan.providers == providers
        assert all(a is b for a, b in zip(plan.providers, providers, strict=True))


def test_document_changed_on_disk_is_a_new_document(doc_path: Path) -> None:
    assert _run(str(doc_path), {"id": 5}).succeeded
    doc_path.write_text(DOC.replace("minimum: 1", "minimum: 10"))
    with pytest.raises(InputError, match="less than the minimum of 10"):
        _run(str(doc_path), {"id": 5})


def test_loaded_models_are_read_only(doc_path: Path) -> None:
    doc = arazzo.load(doc_path)
    workflow = doc.spec.workflows[0]
    with pytest.raises(pydantic.ValidationError):
        workflow.inputs = {}
