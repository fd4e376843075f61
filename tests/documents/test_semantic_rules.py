"""One small document per semantic rule (inventory section N): rule id, severity, pointer, line.

Most rules are rows of :data:`RULES` (a document, the rule it breaks, and each finding the
rule reports); the test id names the inventory rule. Checks that need more than a finding
list (message formats, several files, caching) stay as their own tests below the table.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import arazzo
from arazzo import Severity

from ._util import DATA, HEADER, check, line_of, only, write

ERROR = Severity.ERROR
WARNING = Severity.WARNING


def _one(diags: list[arazzo.Diagnostic], rule: str) -> arazzo.Diagnostic:
    found = only(diags, rule)
    assert len(found) == 1, [str(d) for d in diags]
    return found[0]


def _step(keys: str = "", *, operation: str = "listPets", after: str = "") -> str:
    """A document body of one workflow ``wf`` with one step ``s`` calling ``operation``:
    ``keys`` (dedented) are the step's other fields, ``after`` (dedented) the top-level
    fields after ``workflows`` (``components``)."""
    return ("workflows:\n  - workflowId: wf\n    steps:\n      - stepId: s\n"
            f"        operationId: {operation}\n"
            + textwrap.indent(textwrap.dedent(keys), " " * 8) + textwrap.dedent(after))


@dataclass(frozen=True)
class Finding:
    """One expected diagnostic: severity, pointer (``None``: not checked), the line holding
    ``at`` (its ``nth`` occurrence; ``None``: not checked), column when given, and
    substrings of its message."""

    severity: Severity
    pointer: str | None
    at: str | None = None
    nth: int = 1
    column: int | None = None
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One row: ``body`` (after ``header``, beside the stub sources and ``files``) breaks
    ``rule``, which reports exactly ``findings``, in order. ``exact``: they are all the
    diagnostics (of any rule); ``errors_only``: only errors are compared; ``says``: in every
    finding's message; ``without``: rules not reported; ``no_errors``: no error at all."""

    id: str
    body: str
    rule: str
    findings: tuple[Finding, ...]
    says: tuple[str, ...] = ()
    header: str = HEADER
    files: tuple[tuple[str, str], ...] = ()
    exact: bool = False
    errors_only: bool = False
    without: tuple[str, ...] = ()
    no_errors: bool = False


_ARAZZO_SOURCE = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - name: subflows
    url: ./sub.arazzo.yaml
    type: arazzo
"""

_REMOTE_SOURCE = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - name: remote
    url: https://example.com/openapi.yaml
"""

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

_PARAMS = (("params.openapi.yaml", _PARAMS_OPENAPI),)

_REU01 = _step("""\
    parameters:
      - reference: $components.successActions.done
      - reference: $components.parameters.nothere
    onSuccess:
      - reference: $components.successActions.done
        value: ignored
    """, after="""\
    components:
      successActions:
        done: {name: done, type: end}
    """)

_STP03 = """\
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
"""

_STP04 = """\
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
"""

_SEM07_PAYLOAD = _step("""\
    requestBody:
      payload:
        name: $inputs.name
        jsonpath: $.not.an.expression
        price: 10
        note: "{$inputs.broken"
    onSuccess:
      - reference: $components.successActions.
    """, operation="createPet")

RULES: tuple[Rule, ...] = (
    Rule("SEM-01-duplicate-workflow-step-and-source-ids", """\
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
""", "duplicate-id", (
        Finding(ERROR, "/sourceDescriptions/1/name", "- name: petstore", 2),
        Finding(ERROR, "/workflows/0/steps/1/stepId", "stepId: a", 2),
        Finding(ERROR, "/workflows/1/workflowId", "workflowId: wf", 2),
    ), says=("SEM-01",)),
    Rule("SEM-01-identical-sources-reported-once", """\
  - name: petstore
    url: ./petstore.openapi.yaml
    type: openapi
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        operationId: $sourceDescriptions.petstore.listPets
""", "duplicate-id", (Finding(ERROR, "/sourceDescriptions/1/name"),), exact=True),
    Rule("SEM-02-id-pattern-is-a-warning", """\
workflows:
  - workflowId: my workflow
    steps:
      - stepId: step one
        operationId: listPets
""", "id-pattern", (
        Finding(WARNING, "/workflows/0/workflowId", "my workflow"),
        Finding(WARNING, "/workflows/0/steps/0/stepId", "step one"),
    )),
    Rule("SEM-02-output-key-pattern-is-an-error", _step("""\
    outputs:
      bad key: $response.body
    """), "key-pattern", (
        Finding(ERROR, "/workflows/0/steps/0/outputs/bad key", "bad key", column=11),
    ), says=("SEM-02",)),
    Rule("SEM-02-components-key-pattern-replaces-schema-error", _step(after="""\
    components:
      parameters:
        "bad/key":
          name: x
          in: query
          value: 1
    """), "key-pattern", (Finding(ERROR, "/components/parameters/bad~1key", "bad/key"),),
        without=("schema",)),
    Rule("SEM-03-duplicate-parameters-after-resolving-reusables", _step("""\
    parameters:
      - name: limit
        in: query
        value: 1
      - name: limit
        in: header
        value: 2
      - reference: $components.parameters.limit
    """, after="""\
    components:
      parameters:
        limit:
          name: limit
          in: query
          value: 3
    """), "duplicate-parameter", (
        Finding(ERROR, "/workflows/0/steps/0/parameters/2/reference",
                "reference: $components.parameters.limit"),
    ), says=("SEM-03", "REU-04")),
    Rule("SEM-04-goto-and-retry-step-ids-exist", """\
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
""", "unknown-step", (
        Finding(ERROR, "/workflows/0/failureActions/0/stepId", "stepId: nowhere"),
        Finding(ERROR, "/workflows/0/steps/0/onSuccess/0/stepId", "stepId: frist",
                says=("did you mean 'first'",)),
    )),
    Rule("SEM-04-component-action-step-checked-where-used", _step("""\
    onFailure:
      - reference: $components.failureActions.toStart
    """, after="""\
    components:
      failureActions:
        toStart:
          name: toStart
          type: goto
          stepId: start
    """), "unknown-step", (
        Finding(ERROR, "/workflows/0/steps/0/onFailure/0/reference",
                "reference: $components.failureActions"),
    )),
    Rule("SEM-04-workflow-targets-exist", """\
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
""", "unknown-workflow", (
        Finding(ERROR, "/workflows/0/dependsOn/0", "dependsOn"),
        Finding(ERROR, "/workflows/0/steps/0/workflowId"),
        Finding(ERROR, "/workflows/0/steps/0/onSuccess/0/workflowId"),
    )),
    Rule("SEM-04-workflow-in-arazzo-source", """\
workflows:
  - workflowId: wf
    steps:
      - stepId: ok
        workflowId: $sourceDescriptions.subflows.list-all
      - stepId: unqualified
        workflowId: list-all
""", "unknown-workflow", (
        Finding(ERROR, "/workflows/0/steps/1/workflowId",
                says=("$sourceDescriptions.subflows.list-all",)),
    ), header=_ARAZZO_SOURCE, files=(("sub.arazzo.yaml", (DATA / "sub.arazzo.yaml").read_text()),)),
    Rule("SEM-04-source-description-names-in-expressions", _step("""\
    parameters:
      - name: base
        in: header
        value: $sourceDescriptions.petstor.url
    """), "unknown-source", (
        Finding(ERROR, "/workflows/0/steps/0/parameters/0/value",
                says=("did you mean 'petstore'",)),
    )),
    Rule("SEM-05-step-output-references", """\
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
""", "step-output-ref", (
        Finding(WARNING, "/workflows/0/steps/0/parameters/0/value",
                "$steps.second.outputs.count", says=("forward reference",)),
        Finding(ERROR, "/workflows/0/steps/1/parameters/0/value",
                "$steps.first.outputs.petz", says=("declares no output 'petz'",)),
        Finding(ERROR, "/workflows/0/steps/1/outputs/count", "$steps.ghost"),
    )),
    Rule("SEM-06-in-required-for-operation-steps", """\
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
""", "parameter-in", (Finding(ERROR, "/workflows/0/steps/0/parameters/0", "name: limit"),),
        says=("PAR-03",)),
    Rule("SEM-06-in-not-used-for-workflow-steps", """\
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
""", "parameter-in", (Finding(WARNING, "/workflows/1/steps/0/parameters/0", "name: limit"),)),
    Rule("SEM-07-reference-expression-syntax-is-an-error", _SEM07_PAYLOAD, "expression-syntax",
         (Finding(ERROR, "/workflows/0/steps/0/onSuccess/0/reference"),)),
    Rule("SEM-07-RTE-15-malformed-payload-expression-is-a-literal", _SEM07_PAYLOAD,
         "literal-expression",
         (Finding(WARNING, "/workflows/0/steps/0/requestBody/payload/note"),)),
    Rule("SEM-08-depends-on-cycle", """\
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
""", "depends-on-cycle", (
        Finding(ERROR, "/workflows/0/dependsOn/0", "dependsOn: [b]", says=("a -> b -> c -> a",)),
        Finding(ERROR, "/workflows/3/dependsOn/0", "dependsOn: [self]"),
    )),
    Rule("STP-02-step-without-a-target-gets-one-clear-error", """\
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        parameters:
          - name: limit
            in: query
            value: 1
""", "step-target", (
        # not the schema's "'operationId' is a required property", and no parameter-in
        # warning (what the step calls is unknown, so its parameters cannot be judged)
        Finding(ERROR, "/workflows/0/steps/0", "stepId: s", says=(
            "exactly one of 'operationId', 'operationPath' or 'workflowId'", "STP-02")),
    ), exact=True),
    Rule("STP-02-step-with-two-targets-points-at-the-second", _step("""\
    workflowId: wf
    """), "step-target", (
        Finding(ERROR, "/workflows/0/steps/0/workflowId", "workflowId: wf", 2, column=9,
                says=("names 'operationId' and 'workflowId' - keep only one (STP-02)",)),
    ), exact=True),
    Rule("STP-03-operation-id-resolution", _STP03, "unresolved-operation", (
        Finding(ERROR, "/workflows/0/steps/0/operationId", "operationId: listPets",
                says=("ambiguous", "'petstore'")),
        Finding(ERROR, "/workflows/0/steps/1/operationId", "petstore.PAR",
                says=("did you mean 'Par'",)),
    )),
    Rule("STP-03-lenient-source-name-in-operation-id", _STP03, "lenient-reference",
         (Finding(WARNING, "/workflows/0/steps/2/operationId"),)),
    Rule("STP-04-operation-path-resolution", _STP04, "unresolved-operation", (
        Finding(ERROR, "/workflows/0/steps/1/operationPath",
                says=("has no 'delete' operation",)),
        Finding(ERROR, "/workflows/0/steps/3/operationPath"),
    )),
    Rule("STP-04-lenient-source-name-in-operation-path", _STP04, "lenient-reference",
         (Finding(WARNING, "/workflows/0/steps/2/operationPath"),)),
    Rule("SEC-03-remote-source-not-allowed-is-not-reported-per-step", _step(operation="whatever"),
         "source-load", (Finding(WARNING, None),), header=_REMOTE_SOURCE, exact=True),
    Rule("WF-03-inputs-schema-must-describe-an-object", """\
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
""", "inputs-type", (
        Finding(ERROR, "/workflows/0/inputs/type", "type: string",
                says=("type 'string'", "WF-03")),
        Finding(ERROR, "/workflows/1/inputs/type", "type: [array", says=("type 'array, null'",)),
        Finding(ERROR, "/workflows/2/inputs/$ref", "inputs/count",
                says=("'#/components/inputs/count' resolves to it",)),
    ), exact=True),
    Rule("Q-schema-error-kept-when-no-semantic-rule-covers-it", _step("""\
    successCriteria:
      - condition: $statusCode == 200
      - condition: $statusCode == 200
    """), "schema", (Finding(ERROR, "/workflows/0/steps/0/successCriteria"),), exact=True),
    Rule("RB-03-replacements-the-run-would-refuse", """\
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
""", "replacement-target", (
        Finding(ERROR, "/workflows/0/steps/1/requestBody/replacements/0/target", "target: /a", 1,
                says=("the payload is a string (application/json)",)),
        Finding(WARNING, "/workflows/0/steps/2/requestBody/replacements/0/target",
                "target: /user/name", says=("this engine supports only JSON Pointer targets",)),
        Finding(WARNING, "/workflows/0/steps/2/requestBody/replacements/1/target",
                "target: user/name", says=("this engine supports only JSON Pointer targets",)),
        Finding(ERROR, "/workflows/0/steps/3/requestBody/replacements/0/target", "target: /a", 2,
                says=("the payload is a string,",)),
    ), says=("RB-03",)),
    Rule("REU-01-reference-kind", _REU01, "reusable-kind",
         (Finding(ERROR, "/workflows/0/steps/0/parameters/0/reference"),)),
    Rule("REU-01-reference-missing", _REU01, "reusable-missing", (
        Finding(ERROR, "/workflows/0/steps/0/parameters/1/reference", "parameters.nothere"),)),
    Rule("REU-01-reference-value-on-an-action", _REU01, "reusable-value",
         (Finding(WARNING, "/workflows/0/steps/0/onSuccess/0/value"),)),
    Rule("REU-03-extra-properties-are-a-warning", _step("""\
    parameters:
      - reference: $components.parameters.limit
        description: not allowed here
    """, after="""\
    components:
      parameters:
        limit: {name: limit, in: query, value: 3}
    """), "reusable-extra", (
        Finding(WARNING, "/workflows/0/steps/0/parameters/0/description", "description"),
    ), no_errors=True),
    Rule("ACT-08-duplicate-action-names", _step("""\
    onFailure:
      - {name: stop, type: end}
      - {name: stop, type: retry, retryLimit: 2}
    """), "duplicate-action", (
        Finding(ERROR, "/workflows/0/steps/0/onFailure/1/name", "type: retry"),)),
    Rule("ACT-02-retry-with-both-targets", _step("""\
    onFailure:
      - name: both
        type: retry
        stepId: s
        workflowId: wf
    """), "action-target", (
        Finding(ERROR, "/workflows/0/steps/0/onFailure/0/stepId", "stepId: s", 2),)),
    Rule("CRI-04-type-without-context", _step("""\
    successCriteria:
      - condition: ^2
        type: regex
      - condition: $statusCode == 200
        type: simple
    """), "criterion-context", (
        Finding(ERROR, "/workflows/0/steps/0/successCriteria/0/type", "type: regex"),
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/1/type", "type: simple"),
    )),
    Rule("CRI-07-jsonpath-negation-unguarded-in-a-root-filter-is-a-warning", _step("""\
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
    """), "jsonpath-negation", (
        # ``$[?@.m != x]`` is true for every member value of an object context that has no
        # ``m`` (RFC 9535 compares Nothing), so it passes on ``{"error": "denied"}``; an
        # existence test of the same member guards it. Only root filters are concerned.
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/0/condition",
                "$[?@.access_token != null]", column=27, says=(
                    "CRI-07", "$[?@.access_token && @.access_token != null]",
                    "    $[?@.access_token != null]\n       ^")),
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/1/condition",
                "@.ok == true", column=46, says=(
                    "negated comparison of @.state",
                    "$[?@.ok == true || @.state && !(@.state == 'done')]")),
    ), no_errors=True),
    Rule("S-20-expression-type-versions-from-1-1", _step("""\
    successCriteria:
      - context: $response.body
        condition: $[?@.id]
        type:
          type: jsonpath
          version: rfc9535
    """), "expression-type-version", (
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/0/type/version",
                "version: rfc9535"),)),
    Rule("S-23-non-conformant-forms-are-warnings", _step("""\
    successCriteria:
      - condition: $response.body#/status == "available"
      - condition: "{$statusCode == 200}"
      - context: $response.body
        condition: $.status == "ok"
        type: jsonpath
    outputs:
      id: $response.body.id
    """), "non-conformant", (
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/0/condition"),
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/1/condition"),
        Finding(WARNING, "/workflows/0/steps/0/successCriteria/2/condition"),
        Finding(WARNING, "/workflows/0/steps/0/outputs/id"),
    ), says=("S-23",), no_errors=True),
    Rule("PAR-06-path-parameters-never-supplied-are-errors", _step(operation="getItem"),
         "required-parameter", (
        # the path-item-level {shopId} and the operation's {itemId}
        Finding(ERROR, "/workflows/0/steps/0/operationId", "operationId: getItem",
                says=("'itemId'",)),
        Finding(ERROR, "/workflows/0/steps/0/operationId", "operationId: getItem",
                says=("'shopId'",)),
    ), says=("PAR-06", "in: path"), header=_PARAMS_HEADER, files=_PARAMS, errors_only=True),
    Rule("PAR-06-path-parameter-names-are-case-sensitive", _step("""\
    parameters:
      - {name: shopId, in: path, value: a}
      - {name: item_id, in: path, value: b}
    """, operation="getItem"), "required-parameter", (
        Finding(ERROR, "/workflows/0/steps/0/parameters/1/name", "item_id", column=20,
                says=("'item_id'", "did you mean 'itemId'?", "PAR-06")),
    ), header=_PARAMS_HEADER, files=_PARAMS, errors_only=True),
    Rule("PAR-06-supplied-by-workflow-and-reusable-parameters", """\
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
""", "required-parameter", (), header=_PARAMS_HEADER, files=_PARAMS),
    Rule("PAR-06-required-query-header-cookie-are-warnings", _step("""\
    parameters:
      - {name: shopId, in: path, value: a}
      - {name: itemId, in: path, value: b}
      - {name: Lang, in: query, value: en}
    """, operation="getItem"), "required-parameter", (
        # Accept / Content-Type / Authorization header parameters are ignored (OpenAPI 3),
        # and an apiKey scheme of the operation sends X-API-Key / api_key: no warning for those
        Finding(WARNING, "/workflows/0/steps/0/operationId", says=("'session'", "in: cookie")),
        Finding(WARNING, "/workflows/0/steps/0/operationId", says=("'X-Trace'",)),
        Finding(WARNING, "/workflows/0/steps/0/parameters/2/name",
                says=("'lang'", "did you mean 'lang'?")),
    ), header=_PARAMS_HEADER, files=_PARAMS),
    Rule("PAR-06-not-checked-without-the-source", _step(operation="getItem"), "source-load",
         # no params.openapi.yaml: one source-load error, nothing else
         (Finding(ERROR, None),), header=_PARAMS_HEADER, exact=True, errors_only=True),
    Rule("RTE-15-unbraced-expression-in-a-longer-string", """\
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
""", "unbraced-expression", (  # column: the '$'
        Finding(WARNING, "/workflows/0/steps/1/parameters/0/value", "Bearer", column=27,
                says=("write '{$steps.a.outputs.t}'", "RTE-15",
                      "\n    Bearer $steps.a.outputs.t\n           ^")),
        # the full stop is not part of it
        Finding(WARNING, "/workflows/0/steps/1/requestBody/payload/greeting/0", "Hello",
                column=31, says=("write '{$inputs.name}'",)),
        Finding(WARNING, "/workflows/0/steps/1/requestBody/payload/greeting/1/deep", "Hello",
                column=57),
        Finding(WARNING, "/workflows/0/steps/1/requestBody/replacements/0/value",
                "id=$inputs.x", column=26),
        Finding(WARNING, "/components/parameters/shared/value", "shared:", column=58),
    )),
    Rule("RTE-15-no-unbraced-warning-for-other-dollars", """\
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
""", "unbraced-expression", ()),
)


@pytest.mark.parametrize("case", RULES, ids=[case.id for case in RULES])
def test_rule(tmp_path: Path, case: Rule) -> None:
    for name, text in case.files:
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = write(tmp_path, case.body, header=case.header)
    diags = arazzo.validate(path)
    shown = [str(d) for d in diags]
    compared = [d for d in diags if d.is_error] if case.errors_only else diags
    found = compared if case.exact else only(compared, case.rule)
    assert [d.rule for d in found] == [case.rule] * len(case.findings), shown
    got = [(d.severity, d.pointer if f.pointer is not None else None,
            d.line if f.at is not None else None, d.column if f.column is not None else None)
           for d, f in zip(found, case.findings, strict=True)]
    assert got == [(f.severity, f.pointer, None if f.at is None else line_of(path, f.at, f.nth),
                    f.column) for f in case.findings], shown
    for d, f in zip(found, case.findings, strict=True):
        for text in case.says + f.says:
            assert text in d.message, (text, d.message)
    for rule in case.without:
        assert not only(diags, rule), shown
    if case.no_errors:
        assert not [d for d in diags if d.is_error], shown


def test_the_table_names_an_inventory_rule_per_row() -> None:
    ids = [case.id for case in RULES]
    assert len(set(ids)) == len(ids)
    assert all(case.id.split("-")[0].isupper() for case in RULES), ids


# -- beyond a list of findings --------------------------------------------------------------


def test_valid_documents_have_no_findings() -> None:
    assert arazzo.validate(DATA / "main.arazzo.yaml") == []
    assert arazzo.validate(DATA / "sub.arazzo.yaml") == []


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


def test_diagnostics_sorted_and_cached(tmp_path: Path) -> None:
    doc = arazzo.load(write(tmp_path, """\
    workflows:
      - workflowId: b c
        steps:
          - {stepId: x y, operationId: listPets}
    """))
    first = arazzo.validate(doc)
    cached: object = doc.memo(("semantic", arazzo.DEFAULT_CRITERIA),
                              lambda: pytest.fail("not cached"))
    assert cached is not None
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
