"""Arazzo 1.1 rules checked by ``arazzo.validate`` and the expression parser: each test cites
the rule of docs/spec-1.1.md it checks (tests/test_v11_rules.py keeps the list complete)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _docs import HEADER, doc
from engine_support import DATA

import arazzo
from arazzo._exceptions import ExpressionSyntaxError
from arazzo.expressions import EvaluationContext, compile_value, parse

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")
V11 = DATA / "v11"


def findings(path: Path) -> list[tuple[str, str, str]]:
    return [(d.severity.value, d.rule, d.pointer) for d in arazzo.validate(path)]


def async_doc(tmp_path: Path, old: str, new: str, *, async_old: str = "",
              async_new: str = "") -> Path:
    """tests/engine/data/v11 (an OpenAPI and an AsyncAPI source) with one edit each."""
    for name in ("pets.openapi.yaml", "orders.asyncapi.yaml"):
        shutil.copy(V11 / name, tmp_path / name)
    text = (V11 / "order.arazzo.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "order.arazzo.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    events = tmp_path / "orders.asyncapi.yaml"
    if async_old:
        text = events.read_text(encoding="utf-8")
        assert async_old in text
        events.write_text(text.replace(async_old, async_new, 1), encoding="utf-8")
    return path


# -- AsyncAPI steps (validated, not run) ----------------------------------------------------


def test_V11_STP_04_channel_path_to_an_operation_with_an_id_is_warned_about(
        tmp_path: Path) -> None:
    path = async_doc(tmp_path, "operationId: $sourceDescriptions.orders.placeOrder",
                     "channelPath: '{$sourceDescriptions.orders.url}#/channels/place-order'")
    diags = arazzo.validate(path)
    assert [(d.severity.value, d.rule, d.pointer) for d in diags] == [
        ("warning", "async-target", "/workflows/0/steps/1/channelPath")]
    assert "prefer operationId '$sourceDescriptions.orders.placeOrder'" in diags[0].message


def test_V11_AMB_09_arazzo_action_is_not_checked_against_the_asyncapi_action(
        tmp_path: Path) -> None:
    # the AsyncAPI operation says 'receive' (the application's side); the workflow sends on it
    path = async_doc(tmp_path, "", "", async_old="  placeOrder:\n    action: send",
                     async_new="  placeOrder:\n    action: receive")
    assert arazzo.validate(path) == []
    assert arazzo.validate(async_doc(tmp_path, "action: send", "action: sned")) != []


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("42", [("warning", "async-correlation", "/workflows/0/steps/2/correlationId")],
                 id="V11-AMB-10 number"),
    pytest.param("true", [("warning", "async-correlation",
                           "/workflows/0/steps/2/correlationId")], id="V11-AMB-10 boolean"),
    pytest.param("{a: 1}", [("error", "async-correlation",
                             "/workflows/0/steps/2/correlationId")], id="V11-AMB-10 object"),
    pytest.param("[a]", [("error", "async-correlation", "/workflows/0/steps/2/correlationId")],
                 id="V11-AMB-10 array"),
    pytest.param("id123", [], id="V11-AMB-10 literal string"),
])
def test_V11_AMB_10_correlation_id_is_a_string(tmp_path: Path, value: str,
                                               expected: list[tuple[str, str, str]]) -> None:
    path = async_doc(tmp_path, "correlationId: $inputs.requestId", f"correlationId: {value}")
    assert findings(path) == expected


# -- values and Selector Objects ------------------------------------------------------------


def test_V11_AMB_23_object_parameter_values_and_numeric_replacement_values(
        tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: queryStyles
        parameters: [{name: deep, in: query, value: {a: 1, b: [2]}}]
      - stepId: t
        operationId: createPet
        requestBody:
          payload: {n: 1}
          replacements: [{target: /n, value: 10}]
    """, header=HEADER_11)
    assert findings(path) == []


def test_V11_AMB_24_selector_takes_extensions_and_nothing_else(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        outputs:
          a: {context: $response.body, selector: /a, type: jsonpointer, x-note: hi}
          b: {context: $response.body, selector: /a, type: jsonpointer, note: hi}
    """, header=HEADER_11)
    diags = arazzo.validate(path)
    assert [(d.rule, d.pointer) for d in diags] == [
        ("schema", "/workflows/0/steps/0/outputs/b/note")]
    assert "unknown field 'note'" in diags[0].message


def test_V11_AMB_34_literal_braces_and_a_broken_embedding(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: '{"filter":"active"} {$inputs.x}'}
        - {name: tags, in: query, value: 'a{$inputs.}b'}
    """, header=HEADER_11)
    assert findings(path) == [
        ("warning", "literal-expression", "/workflows/0/steps/0/parameters/1/value")]
    value = compile_value('{"filter":"active"} {$inputs.x}', version="1.1")
    assert value.evaluate(EvaluationContext(inputs={"x": 5})) == '{"filter":"active"} 5'


def test_V11_AMB_36_an_empty_name_in_a_condition_is_a_syntax_error(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        successCriteria: [{condition: "$response.header. == 'a'"}]
    """, header=HEADER_11)
    assert findings(path) == [
        ("error", "expression-syntax", "/workflows/0/steps/0/successCriteria/0/condition")]


def test_V11_AMB_16_depends_on_forms_are_no_expressions_elsewhere(tmp_path: Path) -> None:
    path = async_doc(tmp_path, "value: $inputs.requestId}",
                     "value: $workflows.lookup.steps.getPet}")
    diags = arazzo.validate(path)
    assert [(d.rule, d.pointer) for d in diags] == [
        ("literal-expression", "/workflows/0/steps/1/parameters/0/value")]
    assert "found 'steps'" in diags[0].message


def test_V11_AMB_38_V11_RTE_11_a_dotted_step_id_cannot_be_referenced(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s.one
        operationId: getStatus
        outputs: {x: $response.body}
      - stepId: two
        operationId: listPets
        parameters:
        - {name: limit, in: query, value: $steps.s.one.outputs.x}
    """, header=HEADER_11)
    got = findings(path)
    assert ("warning", "id-pattern", "/workflows/0/steps/0/stepId") in got
    assert ("error", "step-output-ref", "/workflows/0/steps/1/parameters/0/value") in got


def test_V11_CMP_01_action_references_with_dotted_keys(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: getStatus
        onSuccess: [{reference: $components.successActions.done.ok}]
        onFailure: [{reference: $components.failureActions.again},
                    {reference: $components.failureActions.nope}]
    components:
      successActions:
        done.ok: {name: fin, type: end}
      failureActions:
        again: {name: again, type: retry, retryLimit: 1}
    """, header=HEADER_11)
    diags = arazzo.validate(path)
    assert [(d.rule, d.pointer) for d in diags] == [
        ("reusable-missing", "/workflows/0/steps/0/onFailure/1/reference")]
    assert "has no key 'nope'" in diags[0].message


# -- the expression grammar -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), [
    ("$url", "url"), ("$method", "method"), ("$statusCode", "statusCode"),
    ("$request.body", "request.body"), ("$response.header.X-A", "response.header"),
    ("$message.payload", "message.payload"), ("$inputs.a", "inputs"),
    ("$outputs.o#/p", "outputs"), ("$steps.s.outputs.o", "steps"),
    ("$workflows.w.inputs.i", "workflows"), ("$sourceDescriptions.api.url",
                                             "sourceDescriptions"),
    ("$components.parameters.p", "components"), ("$self", "self"),
])
def test_V11_RTE_01_the_1_1_roots(text: str, kind: str) -> None:
    assert parse(text, version="1.1").kind == kind


@pytest.mark.parametrize("text", [
    "$steps.a.b.outputs.x",       # a step id is identifier-strict
    "$workflows.a.b.outputs.x",   # so is a workflow id
])
def test_V11_RTE_11_strict_ids_take_no_dots(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse(text, version="1.1")


def test_V11_RTE_11_V11_RTE_06_names_take_dots_and_references_take_any_char() -> None:
    assert parse("$inputs.a.b", version="1.1").name == "a.b"
    assert parse("$components.parameters.a.b", version="1.1").name == "a.b"
    source = parse("$sourceDescriptions.api.get-pet.v2", version="1.1")
    assert (source.source_name, source.name) == ("api", "get-pet.v2")


@pytest.mark.parametrize("text", ["$inputs.x#/a}", "$inputs.x#/a{b", "$inputs.a{b"])
def test_V11_RTE_12_no_expression_contains_a_brace(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse(text, version="1.1")


def test_V11_RTE_12_V11_RTE_13_several_embeddings_end_at_the_first_brace() -> None:
    value = compile_value("https://{$inputs.host}/api/{$inputs.x#/a}}/{$inputs.n}",
                          version="1.1")
    ctx = EvaluationContext(inputs={"host": "h", "x": {"a": "A"}, "n": 3})
    assert value.evaluate(ctx) == "https://h/api/A}/3"


# -- AsyncAPI sources count as non-arazzo sources (V11-SRC-02) -------------------------------


def test_V11_SRC_02_bare_operation_ids_beside_an_asyncapi_source(tmp_path: Path) -> None:
    path = async_doc(tmp_path, "operationId: $sourceDescriptions.pets.getPet",
                     "operationId: getPet")
    diags = arazzo.validate(path)
    assert [(d.severity.value, d.pointer) for d in diags] == [
        ("warning", "/workflows/0/steps/0/operationId")]
    assert "write '$sourceDescriptions.pets.getPet'" in diags[0].message
    path = async_doc(tmp_path, "operationId: $sourceDescriptions.orders.placeOrder",
                     "operationId: placeOrder")
    diags = arazzo.validate(path)
    assert [(d.severity.value, d.rule, d.pointer) for d in diags] == [
        ("warning", "async-target", "/workflows/0/steps/1/operationId")]
    assert "write '$sourceDescriptions.orders.placeOrder' (V11-SRC-02)" in diags[0].message


def test_V11_SRC_02_a_bare_id_in_an_openapi_and_an_asyncapi_source_is_ambiguous(
        tmp_path: Path) -> None:
    path = async_doc(tmp_path, "operationId: $sourceDescriptions.pets.getPet",
                     "operationId: getPet", async_old="  placeOrder:\n",
                     async_new="  getPet:\n    action: send\n"
                               "    channel: {$ref: '#/channels/place-order'}\n"
                               "  placeOrder:\n")
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [
        ("unresolved-operation", "/workflows/0/steps/0/operationId")]
    assert "is ambiguous: it exists in sources 'orders', 'pets'" in errors[0].message
