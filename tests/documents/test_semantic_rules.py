"""One small document per semantic rule (inventory section N): rule id, severity, pointer, line."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo
from arazzo import Severity

from ._util import DATA, check, line_of, only, write

ERROR = Severity.ERROR
WARNING = Severity.WARNING


def _one(diags: list[arazzo.Diagnostic], rule: str) -> arazzo.Diagnostic:
    found = only(diags, rule)
    assert len(found) == 1, [str(d) for d in diags]
    return found[0]


def test_valid_documents_have_no_findings() -> None:
    assert arazzo.validate(DATA / "main.arazzo.yaml") == []
    assert arazzo.validate(DATA / "sub.arazzo.yaml") == []


def test_sem01_duplicate_workflow_step_and_source_ids(tmp_path: Path) -> None:
    path = write(tmp_path, """\
      - name: petstore
        url: ./store.openapi.yaml
    workflows:
      - workflowId: wf
        steps:
          - stepId: a
            operationId: $sourceDescriptions.petstore.listPets
          - stepId: a
            operationId: $sourceDescriptions.petstore.createPet
      - workflowId: wf
        steps:
          - stepId: a
            operationId: $sourceDescriptions.petstore.listPets
    """)
    diags = only(arazzo.validate(path), "duplicate-id")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (ERROR, "/sourceDescriptions/1/name", line_of(path, "- name: petstore", 2)),
        (ERROR, "/workflows/0/steps/1/stepId", line_of(path, "stepId: a", 2)),
        (ERROR, "/workflows/1/workflowId", line_of(path, "workflowId: wf", 2)),
    ]
    assert all("SEM-01" in d.message for d in diags)


def test_sem02_id_pattern_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: my workflow
        steps:
          - stepId: step one
            operationId: listPets
    """)
    diags = only(arazzo.validate(path), "id-pattern")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (WARNING, "/workflows/0/workflowId", line_of(path, "my workflow")),
        (WARNING, "/workflows/0/steps/0/stepId", line_of(path, "step one")),
    ]


def test_sem02_output_key_pattern_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            outputs:
              bad key: $response.body
    """)
    d = _one(arazzo.validate(path), "key-pattern")
    assert (d.severity, d.pointer, d.line, d.column) == (
        ERROR, "/workflows/0/steps/0/outputs/bad key", line_of(path, "bad key"), 11)
    assert "SEM-02" in d.message


def test_sem02_components_key_pattern_replaces_schema_error(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
    components:
      parameters:
        "bad/key":
          name: x
          in: query
          value: 1
    """)
    diags = arazzo.validate(path)
    d = _one(diags, "key-pattern")
    assert (d.severity, d.pointer, d.line) == (
        ERROR, "/components/parameters/bad~1key", line_of(path, "bad/key"))
    assert not [x for x in diags if x.rule == "schema"], diags


def test_sem03_duplicate_parameters_after_resolving_reusables(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - name: limit
                in: query
                value: 1
              - name: limit
                in: header
                value: 2
              - reference: $components.parameters.limit
    components:
      parameters:
        limit:
          name: limit
          in: query
          value: 3
    """)
    d = _one(arazzo.validate(path), "duplicate-parameter")
    assert (d.severity, d.pointer, d.line) == (
        ERROR, "/workflows/0/steps/0/parameters/2/reference",
        line_of(path, "reference: $components.parameters.limit"))
    assert "SEM-03" in d.message
    assert "REU-04" in d.message


def test_sem06_in_required_for_operation_steps(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        parameters:
          - name: shared
            value: fine-at-workflow-level
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - name: limit
                value: 1
    """)
    diags = arazzo.validate(path)
    d = _one(diags, "parameter-in")
    assert (d.severity, d.pointer, d.line) == (
        ERROR, "/workflows/0/steps/0/parameters/0", line_of(path, "name: limit"))
    assert "PAR-03" in d.message


def test_sem06_in_not_used_for_workflow_steps(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: callee
        steps:
          - stepId: s
            operationId: listPets
      - workflowId: caller
        steps:
          - stepId: call
            workflowId: callee
            parameters:
              - name: limit
                in: query
                value: 1
    """)
    d = _one(arazzo.validate(path), "parameter-in")
    assert (d.severity, d.pointer, d.line) == (
        WARNING, "/workflows/1/steps/0/parameters/0", line_of(path, "name: limit"))


def test_stp02_step_without_a_target_gets_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            parameters:
              - name: limit
                in: query
                value: 1
    """)
    diags = arazzo.validate(path)
    # not the schema's "'operationId' is a required property", and no parameter-in warning
    # (what the step calls is unknown, so its parameters cannot be judged)
    assert [(d.rule, d.severity, d.pointer, d.line) for d in diags] == [
        ("step-target", ERROR, "/workflows/0/steps/0", line_of(path, "stepId: s"))]
    assert "exactly one of 'operationId', 'operationPath' or 'workflowId'" in diags[0].message
    assert "STP-02" in diags[0].message


def test_stp02_step_with_two_targets_points_at_the_second(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            workflowId: wf
    """)
    diags = arazzo.validate(path)
    assert [(d.rule, d.pointer, d.line, d.column) for d in diags] == [
        ("step-target", "/workflows/0/steps/0/workflowId", line_of(path, "workflowId: wf", 2), 9)]
    assert "names 'operationId' and 'workflowId' - keep only one (STP-02)" in diags[0].message


def test_stp02_schema_message_is_clear_when_the_model_cannot_be_built(tmp_path: Path) -> None:
    diags = check(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - description: no stepId and no target
    """)
    assert all(d.rule == "schema" for d in diags)
    assert [d.message for d in diags if "STP-02" in d.message] == [
        "a step MUST name exactly one of 'operationId', 'operationPath' or 'workflowId'; it "
        "names none of them - add the one it calls (STP-02)"]


_DOUBLES = {
    "identical parameters": ("duplicate-parameter", """\
    workflows:
      - workflowId: wf
        parameters:
          - {name: limit, in: query, value: 1}
          - {name: limit, in: query, value: 1}
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - reference: $components.parameters.p
              - reference: $components.parameters.p
    components:
      parameters:
        p: {name: limit, in: query, value: 1}
    """),
    "identical actions": ("duplicate-action", """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            onSuccess:
              - {name: e, type: end}
              - {name: e, type: end}
            onFailure:
              - reference: $components.failureActions.f
              - reference: $components.failureActions.f
    components:
      failureActions:
        f: {name: f, type: end}
    """),
    "identical steps and workflows": ("duplicate-id", """\
    workflows:
      - workflowId: wf
        steps:
          - {stepId: s, operationId: listPets}
          - {stepId: s, operationId: listPets}
      - workflowId: wf
        steps:
          - {stepId: s, operationId: listPets}
          - {stepId: s, operationId: listPets}
    """),
    "parameter without in": ("parameter-in", """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - {name: limit, value: 1}
    """),
}


@pytest.mark.parametrize("case", sorted(_DOUBLES))
def test_a_mistake_is_reported_once_by_the_semantic_rule(tmp_path: Path, case: str) -> None:
    rule, body = _DOUBLES[case]
    diags = check(tmp_path, body)
    assert diags, case
    assert {d.rule for d in diags} == {rule}, [str(d) for d in diags]


def test_identical_sources_reported_once(tmp_path: Path) -> None:
    diags = check(tmp_path, """\
      - name: petstore
        url: ./petstore.openapi.yaml
        type: openapi
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: $sourceDescriptions.petstore.listPets
    """)
    assert [(d.rule, d.pointer) for d in diags] == [("duplicate-id", "/sourceDescriptions/1/name")]


def test_schema_error_kept_when_no_semantic_rule_covers_it(tmp_path: Path) -> None:
    diags = check(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            successCriteria:
              - condition: $statusCode == 200
              - condition: $statusCode == 200
    """)
    assert [(d.rule, d.pointer) for d in diags] == [
        ("schema", "/workflows/0/steps/0/successCriteria")]


def test_wf03_inputs_schema_must_describe_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: scalar
        inputs:
          type: string
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: list
        inputs:
          type: [array, "null"]
          items: {type: string}
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: via-ref
        inputs:
          $ref: "#/components/inputs/count"
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: untyped-properties
        inputs:
          properties:
            a: {type: string}
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: nullable-object
        inputs:
          type: [object, "null"]
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: ref-to-object
        inputs:
          $ref: "#/components/inputs/fine"
        steps:
          - {stepId: s, operationId: listPets}
    components:
      inputs:
        count: {type: integer}
        fine: {type: object, properties: {a: {type: string}}}
    """)
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity, d.pointer, d.line) for d in diags] == [
        ("inputs-type", ERROR, "/workflows/0/inputs/type", line_of(path, "type: string")),
        ("inputs-type", ERROR, "/workflows/1/inputs/type", line_of(path, "type: [array")),
        ("inputs-type", ERROR, "/workflows/2/inputs/$ref", line_of(path, "inputs/count")),
    ]
    assert "type 'string'" in diags[0].message
    assert "WF-03" in diags[0].message
    assert "type 'array, null'" in diags[1].message
    assert "'#/components/inputs/count' resolves to it" in diags[2].message


def test_rb03_replacements_the_run_would_refuse(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        inputs: {type: object, properties: {body: {type: object}}}
        steps:
          - stepId: form-string
            operationId: createPet
            requestBody:
              contentType: application/x-www-form-urlencoded
              payload: grant_type=x&scope=y
              replacements:
                - {target: /scope, value: z}
          - stepId: json-string
            operationId: createPet
            requestBody:
              contentType: application/json
              payload: '{"a": 1}'
              replacements:
                - {target: /a, value: 2}
          - stepId: xml-string
            operationId: createPet
            requestBody:
              contentType: application/xml
              payload: <user><name>x</name></user>
              replacements:
                - {target: /user/name, value: y}
                - {target: user/name, value: y}
          - stepId: untyped-string
            operationId: createPet
            requestBody:
              payload: 'a {$inputs.body}'
              replacements:
                - {target: /a, value: 2}
          - stepId: whole
            operationId: createPet
            requestBody:
              contentType: application/json
              payload: $inputs.body
              replacements:
                - {target: /a, value: 2}
                - {target: "", value: {a: 3}}
          - stepId: object
            operationId: createPet
            requestBody:
              payload: {a: 1}
              replacements:
                - {target: /a, value: 2}
    """)
    diags = only(arazzo.validate(path), "replacement-target")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (ERROR, "/workflows/0/steps/1/requestBody/replacements/0/target",
         line_of(path, "target: /a", 1)),
        (WARNING, "/workflows/0/steps/2/requestBody/replacements/0/target",
         line_of(path, "target: /user/name")),
        (WARNING, "/workflows/0/steps/2/requestBody/replacements/1/target",
         line_of(path, "target: user/name")),
        (ERROR, "/workflows/0/steps/3/requestBody/replacements/0/target",
         line_of(path, "target: /a", 2)),
    ]
    assert "the payload is a string (application/json)" in diags[0].message
    assert "this engine supports only JSON Pointer targets" in diags[1].message
    assert "this engine supports only JSON Pointer targets" in diags[2].message
    assert "the payload is a string," in diags[3].message
    assert all("RB-03" in d.message for d in diags)


def test_sem04_goto_and_retry_step_ids_exist(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        failureActions:
          - name: again
            type: retry
            stepId: nowhere
        steps:
          - stepId: first
            operationId: listPets
            onSuccess:
              - name: jump
                type: goto
                stepId: frist
    """)
    diags = only(arazzo.validate(path), "unknown-step")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (ERROR, "/workflows/0/failureActions/0/stepId", line_of(path, "stepId: nowhere")),
        (ERROR, "/workflows/0/steps/0/onSuccess/0/stepId", line_of(path, "stepId: frist")),
    ]
    assert "did you mean 'first'" in diags[1].message


def test_sem04_component_action_step_checked_where_used(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            onFailure:
              - reference: $components.failureActions.toStart
    components:
      failureActions:
        toStart:
          name: toStart
          type: goto
          stepId: start
    """)
    d = _one(arazzo.validate(path), "unknown-step")
    assert (d.pointer, d.line) == ("/workflows/0/steps/0/onFailure/0/reference",
                                   line_of(path, "reference: $components.failureActions"))


def test_sem04_workflow_targets_exist(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        dependsOn: [missing]
        steps:
          - stepId: s
            workflowId: $sourceDescriptions.nosuch.flow
            onSuccess:
              - name: next
                type: goto
                workflowId: wf2
    """)
    diags = only(arazzo.validate(path), "unknown-workflow")
    assert [(d.severity, d.pointer) for d in diags] == [
        (ERROR, "/workflows/0/dependsOn/0"),
        (ERROR, "/workflows/0/steps/0/workflowId"),
        (ERROR, "/workflows/0/steps/0/onSuccess/0/workflowId"),
    ]
    assert diags[0].line == line_of(path, "dependsOn")


def test_sem04_workflow_in_arazzo_source(tmp_path: Path) -> None:
    header = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - name: subflows
    url: ./sub.arazzo.yaml
    type: arazzo
"""
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: ok
            workflowId: $sourceDescriptions.subflows.list-all
          - stepId: unqualified
            workflowId: list-all
    """, header=header)
    (tmp_path / "sub.arazzo.yaml").write_text((DATA / "sub.arazzo.yaml").read_text())
    d = _one(arazzo.validate(path), "unknown-workflow")
    assert d.pointer == "/workflows/0/steps/1/workflowId"
    assert "$sourceDescriptions.subflows.list-all" in d.message


def test_referenced_arazzo_documents_are_validated_with_their_own_file(tmp_path: Path) -> None:
    header = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - name: subflows
    url: ./bad-sub.arazzo.yaml
"""
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            workflowId: $sourceDescriptions.subflows.flow
    """, header=header)
    sub = write(tmp_path, """\
    workflows:
      - workflowId: flow
        steps:
          - stepId: s
            operationId: listPets
          - stepId: s
            operationId: listPets
    """, name="bad-sub.arazzo.yaml")
    d = _one(arazzo.validate(path), "duplicate-id")
    assert d.file == str(sub)
    assert d.line == line_of(sub, "stepId: s", 2)


def test_sem08_depends_on_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: a
        dependsOn: [b]
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: b
        dependsOn: [c]
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: c
        dependsOn: [a]
        steps:
          - {stepId: s, operationId: listPets}
      - workflowId: self
        dependsOn: [self]
        steps:
          - {stepId: s, operationId: listPets}
    """)
    diags = only(arazzo.validate(path), "depends-on-cycle")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (ERROR, "/workflows/0/dependsOn/0", line_of(path, "dependsOn: [b]")),
        (ERROR, "/workflows/3/dependsOn/0", line_of(path, "dependsOn: [self]")),
    ]
    assert "a -> b -> c -> a" in diags[0].message


def test_reu01_reference_kind_and_existence(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - reference: $components.successActions.done
              - reference: $components.parameters.nothere
            onSuccess:
              - reference: $components.successActions.done
                value: ignored
    components:
      successActions:
        done: {name: done, type: end}
    """)
    diags = arazzo.validate(path)
    kind = _one(diags, "reusable-kind")
    assert (kind.severity, kind.pointer) == (ERROR, "/workflows/0/steps/0/parameters/0/reference")
    missing = _one(diags, "reusable-missing")
    assert (missing.pointer, missing.line) == (
        "/workflows/0/steps/0/parameters/1/reference", line_of(path, "parameters.nothere"))
    value = _one(diags, "reusable-value")
    assert (value.severity, value.pointer) == (WARNING, "/workflows/0/steps/0/onSuccess/0/value")


def test_reu03_extra_properties_are_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - reference: $components.parameters.limit
                description: not allowed here
    components:
      parameters:
        limit: {name: limit, in: query, value: 3}
    """)
    diags = arazzo.validate(path)
    d = _one(diags, "reusable-extra")
    assert (d.severity, d.pointer, d.line) == (
        WARNING, "/workflows/0/steps/0/parameters/0/description", line_of(path, "description"))
    assert not [x for x in diags if x.is_error]


def test_sem05_step_output_references(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: first
            operationId: listPets
            parameters:
              - name: limit
                in: query
                value: $steps.second.outputs.count
            outputs:
              pets: $response.body
          - stepId: second
            operationId: listPets
            parameters:
              - name: limit
                in: query
                value: $steps.first.outputs.petz
            outputs:
              count: $steps.ghost.outputs.x
    """)
    diags = only(arazzo.validate(path), "step-output-ref")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (WARNING, "/workflows/0/steps/0/parameters/0/value",
         line_of(path, "$steps.second.outputs.count")),
        (ERROR, "/workflows/0/steps/1/parameters/0/value",
         line_of(path, "$steps.first.outputs.petz")),
        (ERROR, "/workflows/0/steps/1/outputs/count", line_of(path, "$steps.ghost")),
    ]
    assert "forward reference" in diags[0].message
    assert "declares no output 'petz'" in diags[1].message


def test_sem04_source_description_names_in_expressions(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - name: base
                in: header
                value: $sourceDescriptions.petstor.url
    """)
    d = _one(arazzo.validate(path), "unknown-source")
    assert (d.severity, d.pointer) == (ERROR, "/workflows/0/steps/0/parameters/0/value")
    assert "did you mean 'petstore'" in d.message


def test_act08_duplicate_action_names(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            onFailure:
              - {name: stop, type: end}
              - {name: stop, type: retry, retryLimit: 2}
    """)
    d = _one(arazzo.validate(path), "duplicate-action")
    assert (d.severity, d.pointer, d.line) == (
        ERROR, "/workflows/0/steps/0/onFailure/1/name", line_of(path, "type: retry"))


def test_act02_retry_with_both_targets(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            onFailure:
              - name: both
                type: retry
                stepId: s
                workflowId: wf
    """)
    d = _one(arazzo.validate(path), "action-target")
    assert (d.severity, d.pointer, d.line) == (
        ERROR, "/workflows/0/steps/0/onFailure/0/stepId", line_of(path, "stepId: s", 2))


def test_cri04_type_without_context(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            successCriteria:
              - condition: ^2
                type: regex
              - condition: $statusCode == 200
                type: simple
    """)
    diags = only(arazzo.validate(path), "criterion-context")
    assert [(d.severity, d.pointer, d.line) for d in diags] == [
        (ERROR, "/workflows/0/steps/0/successCriteria/0/type", line_of(path, "type: regex")),
        (WARNING, "/workflows/0/steps/0/successCriteria/1/type", line_of(path, "type: simple")),
    ]


def test_s20_expression_type_versions_from_1_1(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            successCriteria:
              - context: $response.body
                condition: $[?@.id]
                type:
                  type: jsonpath
                  version: rfc9535
    """)
    d = _one(arazzo.validate(path), "expression-type-version")
    assert (d.severity, d.pointer, d.line) == (
        WARNING, "/workflows/0/steps/0/successCriteria/0/type/version",
        line_of(path, "version: rfc9535"))


def test_stp03_operation_id_resolution(tmp_path: Path) -> None:
    path = write(tmp_path, """\
      - name: store
        url: ./store.openapi.yaml
    workflows:
      - workflowId: wf
        steps:
          - stepId: ambiguous
            operationId: listPets
          - stepId: case
            operationId: $sourceDescriptions.petstore.PAR
          - stepId: lenient
            operationId: store.placeOrder
    """)
    diags = arazzo.validate(path)
    errors = only(diags, "unresolved-operation")
    assert [(d.pointer, d.line) for d in errors] == [
        ("/workflows/0/steps/0/operationId", line_of(path, "operationId: listPets")),
        ("/workflows/0/steps/1/operationId", line_of(path, "petstore.PAR")),
    ]
    assert "ambiguous" in errors[0].message
    assert "'petstore'" in errors[0].message
    assert "did you mean 'Par'" in errors[1].message
    lenient = _one(diags, "lenient-reference")
    assert (lenient.severity, lenient.pointer) == (WARNING, "/workflows/0/steps/2/operationId")


def test_stp04_operation_path_resolution(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: encoded
            operationPath: '{$sourceDescriptions.petstore.url}#/paths/~1pets~1%7BpetId%7D/get'
          - stepId: no-method
            operationPath: '{$sourceDescriptions.petstore.url}#/paths/~1pets/delete'
          - stepId: bare
            operationPath: 'petstore#/paths/~1pets/get'
          - stepId: nonsense
            operationPath: /pets
    """)
    diags = arazzo.validate(path)
    errors = only(diags, "unresolved-operation")
    assert [d.pointer for d in errors] == [
        "/workflows/0/steps/1/operationPath", "/workflows/0/steps/3/operationPath"]
    assert "has no 'delete' operation" in errors[0].message
    assert _one(diags, "lenient-reference").pointer == "/workflows/0/steps/2/operationPath"


def test_remote_source_not_allowed_is_not_reported_per_step(tmp_path: Path) -> None:
    header = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - name: remote
    url: https://example.com/openapi.yaml
"""
    diags = arazzo.validate(write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: whatever
    """, header=header))
    assert [(d.rule, d.severity) for d in diags] == [("source-load", WARNING)]


def test_sem07_syntax_error_points_inside_the_expression(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            parameters:
              - name: limit
                in: query
                value: "{$inputs.limit} and {$inputs.}"
            successCriteria:
              - condition: $statusCode == = 200
            outputs:
              plain: $response.bodyy
    """)
    found = arazzo.validate(path)
    diags = only(found, "expression-syntax")
    lines = path.read_text().splitlines()
    value_line = line_of(path, "{$inputs.}")
    assert [(d.pointer, d.line) for d in diags] == [
        ("/workflows/0/steps/0/successCriteria/0/condition", line_of(path, "== = 200")),
        ("/workflows/0/steps/0/outputs/plain", line_of(path, "bodyy")),
    ]
    # A parameter value is not required to be an expression (RTE-15): a malformed one is sent
    # literally, with a warning whose column is the offending character inside the scalar.
    literal = only(found, "literal-expression")
    assert [(d.pointer, d.line, d.severity) for d in literal] == [
        ("/workflows/0/steps/0/parameters/0/value", value_line, WARNING)]
    value = literal[0]
    assert value.column is not None
    assert lines[value_line - 1][value.column - 1:].startswith("}")
    condition = diags[0]
    assert condition.column is not None
    assert condition.line is not None
    assert lines[condition.line - 1][condition.column - 1:] == "= 200"
    assert "SEM-07" in condition.message
    assert condition.message.endswith("$statusCode == = 200\n                   ^")


def test_sem07_payload_and_reference_expressions(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: createPet
            requestBody:
              payload:
                name: $inputs.name
                jsonpath: $.not.an.expression
                price: 10
                note: "{$inputs.broken"
            onSuccess:
              - reference: $components.successActions.
    """)
    found = arazzo.validate(path)
    # a Reusable Object reference MUST be an expression: error
    assert [d.pointer for d in only(found, "expression-syntax")] == [
        "/workflows/0/steps/0/onSuccess/0/reference",
    ]
    # payload strings are literals unless they are valid expressions (RTE-15): a warning only
    assert [(d.pointer, d.severity) for d in only(found, "literal-expression")] == [
        ("/workflows/0/steps/0/requestBody/payload/note", WARNING),
    ]


def test_s23_non_conformant_forms_are_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            successCriteria:
              - condition: $response.body#/status == "available"
              - condition: "{$statusCode == 200}"
              - context: $response.body
                condition: $.status == "ok"
                type: jsonpath
            outputs:
              id: $response.body.id
    """)
    diags = arazzo.validate(path)
    assert not [d for d in diags if d.is_error], [str(d) for d in diags]
    warnings = only(diags, "non-conformant")
    assert {d.pointer for d in warnings} == {
        "/workflows/0/steps/0/successCriteria/0/condition",
        "/workflows/0/steps/0/successCriteria/1/condition",
        "/workflows/0/steps/0/successCriteria/2/condition",
        "/workflows/0/steps/0/outputs/id",
    }
    assert all(d.severity is WARNING and "S-23" in d.message for d in warnings)


def test_jsonpath_negation_unguarded_in_a_root_filter_is_a_warning(tmp_path: Path) -> None:
    """CRI-07: ``$[?@.m != x]`` is true for every member value of an object context that
    has no ``m`` (RFC 9535 compares Nothing), so it passes on ``{"error": "denied"}``; an
    existence test of the same member guards it. Only root filters are concerned."""
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: listPets
            successCriteria:
              - context: $response.body
                type: jsonpath
                condition: $[?@.access_token != null]
              - context: $response.body
                type: jsonpath
                condition: "$[?@.ok == true || !(@.state == 'done')]"
              - context: $response.body
                type: jsonpath
                condition: $[?@.access_token && @.access_token != null]
              - context: $response.body
                type: jsonpath
                condition: $[?@.a != null && @.a]
              - context: $response.body
                type: jsonpath
                condition: $.items[?@.state != 'done']
              - context: $response.body
                type: jsonpath
                condition: $[?!(@.state != 'done')]
    """)
    diags = arazzo.validate(path)
    assert not [d for d in diags if d.is_error], [str(d) for d in diags]
    found = only(diags, "jsonpath-negation")
    assert [(d.severity, d.pointer, d.line, d.column) for d in found] == [
        (WARNING, "/workflows/0/steps/0/successCriteria/0/condition",
         line_of(path, "$[?@.access_token != null]"), 27),
        (WARNING, "/workflows/0/steps/0/successCriteria/1/condition",
         line_of(path, "@.ok == true"), 46),
    ], [str(d) for d in diags]
    first, second = found
    assert "CRI-07" in first.message
    assert "$[?@.access_token && @.access_token != null]" in first.message
    assert "    $[?@.access_token != null]\n       ^" in first.message
    assert "negated comparison of @.state" in second.message
    assert "$[?@.ok == true || @.state && !(@.state == 'done')]" in second.message


def test_diagnostics_sorted_and_cached(tmp_path: Path) -> None:
    doc = arazzo.load(write(tmp_path, """\
    workflows:
      - workflowId: b c
        steps:
          - {stepId: x y, operationId: listPets}
    """))
    first = arazzo.validate(doc)
    assert doc._validated is not None
    assert arazzo.validate(doc) == first
    assert first == sorted(first, key=lambda d: (d.line or 0, d.column or 0))


def test_check_accepts_text(tmp_path: Path) -> None:
    diags = check(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - {stepId: s, operationId: listPets}
    """)
    assert diags == []


# -- PAR-06: required OpenAPI parameters ------------------------------------------------------

_PARAMS_OPENAPI = """\
openapi: 3.1.0
info: {title: params, version: 1.0.0}
servers: [{url: https://api.example.com}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    query_key: {type: apiKey, in: query, name: api_key}
paths:
  /shops/{shopId}/items/{itemId}:
    parameters:
      - {name: shopId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getItem
      security: [{key: []}, {query_key: []}]
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}}
        - {name: lang, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: session, in: cookie, required: true, schema: {type: string}}
        - {name: Accept, in: header, required: true, schema: {type: string}}
        - {name: Content-Type, in: header, required: true, schema: {type: string}}
        - {name: Authorization, in: header, required: true, schema: {type: string}}
        - {name: X-API-Key, in: header, required: true, schema: {type: string}}
        - {name: api_key, in: query, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"""

_PARAMS_HEADER = """\
arazzo: 1.0.1
info: {title: test, version: 1.0.0}
sourceDescriptions:
  - {name: api, url: ./params.openapi.yaml, type: openapi}
"""


def _params_doc(tmp_path: Path, body: str) -> Path:
    (tmp_path / "params.openapi.yaml").write_text(_PARAMS_OPENAPI, encoding="utf-8")
    return write(tmp_path, body, header=_PARAMS_HEADER)


def test_par06_path_parameters_never_supplied_are_errors(tmp_path: Path) -> None:
    path = _params_doc(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: getItem
    """)
    diags = only(arazzo.validate(path), "required-parameter")
    errors = [d for d in diags if d.is_error]
    # the path-item-level {shopId} and the operation's {itemId}
    assert [(d.pointer, d.line) for d in errors] == [
        ("/workflows/0/steps/0/operationId", line_of(path, "operationId: getItem"))] * 2
    assert {d.message.split("'")[1] for d in errors} == {"shopId", "itemId"}
    assert all("PAR-06" in d.message and "in: path" in d.message for d in errors)


def test_par06_path_parameter_names_are_case_sensitive(tmp_path: Path) -> None:
    path = _params_doc(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: getItem
            parameters:
              - {name: shopId, in: path, value: a}
              - {name: item_id, in: path, value: b}
    """)
    d = _one([x for x in arazzo.validate(path) if x.is_error], "required-parameter")
    assert (d.pointer, d.line, d.column) == (
        "/workflows/0/steps/0/parameters/1/name", line_of(path, "item_id"), 20)
    assert "'item_id'" in d.message
    assert "did you mean 'itemId'?" in d.message
    assert "PAR-06" in d.message


def test_par06_supplied_by_workflow_and_reusable_parameters(tmp_path: Path) -> None:
    path = _params_doc(tmp_path, """\
    workflows:
      - workflowId: wf
        parameters:
          - {name: shopId, in: path, value: a}
          - {name: x-trace, in: header, value: t}
        steps:
          - stepId: s
            operationId: getItem
            parameters:
              - reference: $components.parameters.item
                value: b
              - reference: $components.parameters.lang
              - {name: session, in: cookie, value: c}
    components:
      parameters:
        item: {name: itemId, in: path, value: x}
        lang: {name: lang, in: query, value: en}
    """)
    assert only(arazzo.validate(path), "required-parameter") == []


def test_par06_required_query_header_cookie_are_warnings(tmp_path: Path) -> None:
    """Accept / Content-Type / Authorization header parameters are ignored (OpenAPI 3), and
    an apiKey scheme of the operation sends X-API-Key / api_key: no warning for those."""
    path = _params_doc(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: getItem
            parameters:
              - {name: shopId, in: path, value: a}
              - {name: itemId, in: path, value: b}
              - {name: Lang, in: query, value: en}
    """)
    diags = only(arazzo.validate(path), "required-parameter")
    assert [(d.severity, d.pointer) for d in diags] == [
        (WARNING, "/workflows/0/steps/0/operationId"),
        (WARNING, "/workflows/0/steps/0/operationId"),
        (WARNING, "/workflows/0/steps/0/parameters/2/name"),
    ]
    by_name = {d.message.split("'")[1]: d.message for d in diags}
    assert set(by_name) == {"lang", "X-Trace", "session"}
    assert "did you mean 'lang'?" in by_name["lang"]
    assert "in: cookie" in by_name["session"]


def test_par06_not_checked_without_the_source(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: getItem
    """, header=_PARAMS_HEADER)  # no params.openapi.yaml: one source-load error, nothing else
    assert [d.rule for d in arazzo.validate(path) if d.is_error] == ["source-load"]


# -- RTE-15: an expression without braces inside a longer string ------------------------------


def test_rte15_unbraced_expression_in_a_longer_string(tmp_path: Path) -> None:
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: a
            operationId: listPets
            outputs: {t: $response.body#/t}
          - stepId: b
            operationId: createPet
            parameters:
              - name: Authorization
                in: header
                value: Bearer $steps.a.outputs.t
              - reference: $components.parameters.shared
            requestBody:
              payload:
                greeting: ["Hello $inputs.name.", {deep: "x $response.body#/id y"}]
              replacements:
                - target: /q
                  value: "id=$inputs.x"
    components:
      parameters:
        shared: {name: X-Id, in: header, value: "{$inputs.a}-$inputs.b"}
    """)
    diags = only(arazzo.validate(path), "unbraced-expression")
    got = [(d.severity, d.pointer, d.line, d.column) for d in diags]  # column: the '$'
    assert got == [
        (WARNING, "/workflows/0/steps/1/parameters/0/value", line_of(path, "Bearer"), 27),
        (WARNING, "/workflows/0/steps/1/requestBody/payload/greeting/0",
         line_of(path, "Hello"), 31),
        (WARNING, "/workflows/0/steps/1/requestBody/payload/greeting/1/deep",
         line_of(path, "Hello"), 57),
        (WARNING, "/workflows/0/steps/1/requestBody/replacements/0/value",
         line_of(path, "id=$inputs.x"), 26),
        (WARNING, "/components/parameters/shared/value", line_of(path, "shared:"), 58),
    ]
    first = diags[0].message
    assert "write '{$steps.a.outputs.t}'" in first
    assert "RTE-15" in first
    assert first.endswith("\n    Bearer $steps.a.outputs.t\n           ^")
    assert "write '{$inputs.name}'" in diags[1].message  # the full stop is not part of it


def test_rte15_no_unbraced_warning_for_other_dollars(tmp_path: Path) -> None:
    """Whole expressions, braced parts, JSONPath / regex / money / password text are fine."""
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: b
            operationId: createPet
            requestBody:
              payload:
                whole: $inputs.x
                braced: "id={$inputs.x}&n={$inputs.y}"
                jsonpath: "$.items[?(@.price < $100)]"
                regex: '^\\$inputs\\.x$'
                money: costs $5 or $$
                password: pa$$word
                root_word: "see $urls and $inputsx"
                malformed: "{$inputs.a $inputs.b}"
            outputs:
              note: "{$inputs.x} and $inputs.y"
    """)
    assert only(arazzo.validate(path), "unbraced-expression") == []
