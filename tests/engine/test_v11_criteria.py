"""Criteria in Arazzo 1.1 documents (docs/spec-1.1.md, V11-CRI-*, V11-SEL-07..11,
V11-AMB-25..33), run end to end against the loopback server.

Each document is written twice where the versions differ: ``arazzo: 1.1.0`` follows the 1.1
Condition Evaluation rules, ``arazzo: 1.0.1`` keeps the 1.0 behaviour. Where 1.0 and 1.1 agree
the test runs both documents and expects the same result.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from _docs import doc
from server import Reply, ScriptedServer

import arazzo

HEADER_11 = """\
arazzo: 1.1.0
info: {title: test, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.openapi.yaml, type: openapi}
"""
HEADER_10 = HEADER_11.replace("arazzo: 1.1.0", "arazzo: 1.0.1")
HEADERS = {"1.1": HEADER_11, "1.0": HEADER_10}
BOTH = pytest.mark.parametrize("version", ["1.0", "1.1"])

XML = "<root><a>1</a><b>0</b><items><item><price>5</price></item></items></root>"


def _criteria(criteria: str, *, operation: str = "getStatus") -> str:
    """One workflow ``w`` with one step ``a`` calling ``operation`` with these criteria."""
    indented = "\n".join("    " + line for line in criteria.strip("\n").splitlines())
    return f"""
workflows:
- workflowId: w
  inputs: {{type: object}}
  steps:
  - stepId: a
    operationId: {operation}
    successCriteria:
{indented}
"""


def _run(tmp_path: Path, server: ScriptedServer, version: str, body: str,
         inputs: dict[str, Any] | None = None, **kw: Any) -> arazzo.RunResult:
    folder = tmp_path / version.replace(".", "_")
    folder.mkdir(exist_ok=True)
    path = doc(folder, body, header=HEADERS[version])
    return arazzo.run(path, "w", inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0, **kw)


def _validate(tmp_path: Path, version: str, body: str) -> list[arazzo.Diagnostic]:
    folder = tmp_path / version.replace(".", "_")
    folder.mkdir(exist_ok=True)
    return list(arazzo.validate(doc(folder, body, header=HEADERS[version])))


def _status(server: ScriptedServer, reply: Reply) -> None:
    server.route("GET", "/v1/status", reply)


def _failure(result: arazzo.RunResult) -> arazzo.Failure:
    assert not result.succeeded
    assert result.failure is not None
    return result.failure


# -- simple conditions (V11-CRI-04, V11-CRI-05, V11-AMB-28..30) -----------------------------


def test_V11_AMB_30_missing_value_is_null_in_1_1(tmp_path: Path, server: ScriptedServer) -> None:
    # the root example's noPetsAvailable: "$response.body#/0 == null" on an empty list
    _status(server, Reply(200, json=[]))
    body = _criteria("- condition: $response.body#/0 == null")
    assert _run(tmp_path, server, "1.1", body).succeeded
    failure = _failure(_run(tmp_path, server, "1.0", body))  # 1.0: missing makes it false
    assert failure.kind == "criteria"
    assert "index 0 is out of range" in failure.message


def test_V11_AMB_30_missing_value_differs_from_every_non_null(
        tmp_path: Path, server: ScriptedServer) -> None:
    _status(server, Reply(200, json={"state": "ok"}))
    body = _criteria("- condition: $response.body#/error != 'denied'")
    assert _run(tmp_path, server, "1.1", body).succeeded  # null != 'denied'
    assert _failure(_run(tmp_path, server, "1.0", body)).kind == "criteria"
    # a missing value is null, not a value: it is not != null, and is never ordered
    for condition in ("$response.body#/error != null", "$response.body#/error < 1",
                      "$response.body#/error >= 0"):
        result = _run(tmp_path, server, "1.1", _criteria(f"- condition: {condition}"))
        assert _failure(result).kind == "criteria", condition


@BOTH
def test_V11_AMB_28_null_comparisons(tmp_path: Path, server: ScriptedServer,
                                     version: str) -> None:
    # the spec's own "body contains data" example, and null against null; same in 1.0
    _status(server, Reply(200, json={"data": {"id": 1}, "gone": None, "n": 3}))
    passing = _criteria("""
- condition: $statusCode == 200 && $response.body.data != null
- condition: $response.body#/gone == null
- condition: $response.body#/n != null
- condition: null == null
""")
    assert _run(tmp_path, server, version, passing).succeeded
    for condition in ("$response.body#/data == null", "$response.body#/gone != null",
                      "$response.body#/gone < 1", "$response.body#/gone >= 0",
                      "$response.body#/n > null"):
        result = _run(tmp_path, server, version, _criteria(f"- condition: {condition}"))
        assert _failure(result).kind == "criteria", condition


@BOTH
def test_V11_AMB_29_a_bare_operand_passes_only_when_true(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _status(server, Reply(200, json={"ok": True, "count": 5, "name": "x", "list": [1],
                                     "nothing": None}))
    assert _run(tmp_path, server, version,
                _criteria("- condition: $response.body#/ok")).succeeded
    for operand in ("count", "name", "list", "nothing"):
        result = _run(tmp_path, server, version,
                      _criteria(f"- condition: $response.body#/{operand}"))
        assert _failure(result).kind == "criteria", operand


@BOTH
def test_V11_CRI_05_case_insensitive_strings_and_numeric_strings(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _status(server, Reply(200, json={"state": "READY", "count": "12"}))
    body = _criteria("""
- condition: $response.body#/state == 'ready'
- condition: $response.body#/count > 9
- condition: $response.body#/count == 12
""")
    assert _run(tmp_path, server, version, body).succeeded


# -- regex (V11-CRI-06) ----------------------------------------------------------------------


@BOTH
def test_V11_CRI_06_regex_on_null_or_missing_context_fails(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _status(server, Reply(200, json={"state": None}))
    for context in ("$response.body#/state", "$response.body#/absent"):
        body = _criteria(f"- {{context: '{context}', condition: '.*', type: regex}}")
        failure = _failure(_run(tmp_path, server, version, body))
        assert failure.kind in ("expression", "criteria"), context
        assert failure.criterion == ".*"
    ok = _criteria("- {context: $statusCode, condition: '^2\\d{2}$', type: regex}")
    assert _run(tmp_path, server, version, ok).succeeded


# -- jsonpath (V11-CRI-07) -------------------------------------------------------------------


@BOTH
def test_V11_CRI_07_jsonpath_passes_iff_the_nodelist_is_not_empty(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"pets": [{"id": 1}]}),
                 Reply(200, json={"pets": []}))
    body = _criteria("""
- {context: $response.body, condition: '$.pets[*]', type: jsonpath}
- {context: $response.body, condition: '$[?count(@.pets) > 0]', type: jsonpath}
""")
    assert _run(tmp_path, server, version, body).succeeded
    failure = _failure(_run(tmp_path, server, version, body))
    assert failure.kind == "criteria"
    assert failure.criterion_index == 0
    assert "did not match" in failure.message


@BOTH
def test_V11_CRI_07_jsonpath_on_null_context_fails(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _status(server, Reply(200, json={"data": None}))
    body = _criteria("- {context: $response.body#/data, condition: '$', type: jsonpath}")
    failure = _failure(_run(tmp_path, server, version, body))
    assert failure.kind == "expression"
    assert "null" in failure.message


def test_V11_CRI_07_comparison_form_is_invalid_in_1_1(
        tmp_path: Path, server: ScriptedServer) -> None:
    # the official pass test asyncapi-success-criteria uses $.status == 'accepted': not a
    # JSONPath query, a validation error before any request in 1.1 (V11-AMB-32)
    _status(server, Reply(200, json={"status": "accepted"}))
    body = _criteria("- {context: $response.body, condition: \"$.status == 'accepted'\","
                     " type: jsonpath}")
    with pytest.raises(arazzo.ValidationFailed) as raised:
        _run(tmp_path, server, "1.1", body)
    errors = [d for d in raised.value.diagnostics if d.is_error]
    assert [d.rule for d in errors] == ["expression-syntax"]
    assert "$[?@.status == 'accepted']" in errors[0].message
    assert "V11-CRI-07" in errors[0].message
    assert server.requests == []
    # 1.0 keeps evaluating it as a filter on the context value, with a warning
    assert _run(tmp_path, server, "1.0", body).succeeded
    warnings = [d for d in _validate(tmp_path, "1.0", body) if not d.is_error]
    assert any("not an RFC 9535 JSONPath query" in d.message for d in warnings)


@BOTH
def test_V11_SEL_08_goessner_version(tmp_path: Path, server: ScriptedServer,
                                     version: str) -> None:
    _status(server, Reply(200, json={"pets": [{"id": 1, "kind": "cat"}]}))
    body = _criteria("""
- context: $response.body
  condition: $.pets[?(@.kind == 'cat')]
  type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}
""")
    assert _run(tmp_path, server, version, body).succeeded


# -- Expression Type Object versions (V11-SEL-07/08/10, V11-CRI-12, V11-AMB-25..27) ---------


NAMED_DEFAULTS = _criteria("""
- context: $response.body
  condition: $.pets[*]
  type: {type: jsonpath, version: rfc9535}
- context: $response.body#/xml
  condition: /root/a
  type: {type: xpath, version: xpath-31}
""")


def test_V11_SEL_08_rfc9535_and_xpath_31_are_version_names_in_1_1(
        tmp_path: Path, server: ScriptedServer) -> None:
    _status(server, Reply(200, json={"pets": [1], "xml": XML}))
    assert _validate(tmp_path, "1.1", NAMED_DEFAULTS) == []
    assert _run(tmp_path, server, "1.1", NAMED_DEFAULTS).succeeded
    # 1.0: the defaults cannot be named there; still run, with warnings (S-20)
    found = _validate(tmp_path, "1.0", NAMED_DEFAULTS)
    assert not any(d.is_error for d in found)
    assert {d.rule for d in found} >= {"expression-type-version"}
    assert sum(d.rule == "expression-type-version" for d in found) == 2
    assert _run(tmp_path, server, "1.0", NAMED_DEFAULTS).succeeded


def test_V11_SEL_08_unknown_version_names_the_1_1_versions(tmp_path: Path) -> None:
    body = _criteria("""
- context: $response.body
  condition: /root
  type: {type: xpath, version: xpath-40}
""")
    errors = [d for d in _validate(tmp_path, "1.1", body) if d.is_error]
    assert errors
    assert any("'xpath-31' (the default)" in d.message for d in errors)


@pytest.mark.parametrize("type_", ["{type: jsonpointer, version: rfc6901}", "jsonpointer"])
def test_V11_AMB_27_jsonpointer_is_no_criterion_type(tmp_path: Path, server: ScriptedServer,
                                                     type_: str) -> None:
    body = _criteria(f"- {{context: $response.body, condition: /id, type: {type_}}}")
    errors = [d for d in _validate(tmp_path, "1.1", body) if d.is_error]
    assert [d.rule for d in errors] == ["criterion-type"]
    assert "V11-AMB-27" in errors[0].message
    assert "selector type only" in errors[0].message
    with pytest.raises(arazzo.ValidationFailed):
        _run(tmp_path, server, "1.1", body)
    assert server.requests == []
    # 1.0: an unknown criterion type, as before
    errors_10 = [d for d in _validate(tmp_path, "1.0", body) if d.is_error]
    assert errors_10
    assert all("V11-AMB-27" not in d.message for d in errors_10)


def test_V11_AMB_26_version_is_required_in_the_object(tmp_path: Path) -> None:
    body = _criteria("- {context: $response.body, condition: '$.a', type: {type: jsonpath}}")
    errors = [d for d in _validate(tmp_path, "1.1", body) if d.is_error]
    assert [(d.rule, d.pointer) for d in errors] == [
        ("schema", "/workflows/0/steps/0/successCriteria/0/type")]
    assert "an Expression Type Object needs a 'version'" in errors[0].message
    assert "write the type alone, 'type: jsonpath'" in errors[0].message


# -- xpath (V11-CRI-08, V11-SEL-09, V11-SEL-11, V11-AMB-33) ---------------------------------


def _xpath(condition: str, version: str | None = None) -> str:
    type_ = "xpath" if version is None else f"{{type: xpath, version: {version}}}"
    return _criteria(f"- {{context: $response.body, condition: \"{condition}\", type: {type_}}}",
                     operation="postXml")


def _xml(server: ScriptedServer, text: str = XML) -> None:
    server.route("POST", "/v1/xml", Reply(200, body=text, content_type="application/xml"))


@BOTH
def test_V11_CRI_08_xpath_truthiness(tmp_path: Path, server: ScriptedServer,
                                     version: str) -> None:
    _xml(server)
    for condition in ("count(/root/items/*) > 0", "/root/items", "string(/root/a)",
                      "number(/root/a)", "true()"):
        assert _run(tmp_path, server, version, _xpath(condition)).succeeded, condition
    for condition in ("/root/missing", "string(/root/missing)", "number(/root/b)",
                      "false()", "number('x')"):  # number('x') is NaN: false
        result = _run(tmp_path, server, version, _xpath(condition))
        assert _failure(result).kind == "criteria", condition


@BOTH
def test_V11_AMB_33_an_ebv_type_error_fails_the_criterion(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _xml(server)
    # XPath 2.0 and later: the EBV of a sequence of two atomic values is a type error
    # (FORG0006), and xs:date has no EBV: the condition fails with an evaluation error
    for condition, xpath in (("(1, /root/a)", None), ("(1, /root/a)", "xpath-20"),
                             ("xs:date('2020-01-01')", "xpath-30")):
        failure = _failure(_run(tmp_path, server, version, _xpath(condition, xpath)))
        assert failure.kind == "expression", condition
        assert "FORG0006" in failure.message
    # a sequence starting with a node has an EBV (true)
    assert _run(tmp_path, server, version, _xpath("(/root/a, 1)")).succeeded


@BOTH
def test_V11_SEL_11_each_xpath_version_has_its_own_ebv_and_errors(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    _xml(server)
    # XPath 1.0: 1 div 0 is Infinity, a non-zero number: true
    assert _run(tmp_path, server, version, _xpath("/root/a div /root/b", "xpath-10")).succeeded
    # XPath 3.1: integer division by zero is a dynamic error (FOAR0001): fail, never crash
    failure = _failure(_run(tmp_path, server, version, _xpath("/root/a idiv /root/b")))
    assert failure.kind == "expression"
    assert "FOAR0001" in failure.message
    # and idiv does not exist in XPath 1.0: a validation error before any request
    with pytest.raises(arazzo.ValidationFailed):
        _run(tmp_path, server, version, _xpath("/root/a idiv /root/b", "xpath-10"))


@BOTH
def test_V11_CRI_08_context_must_be_xml(tmp_path: Path, server: ScriptedServer,
                                        version: str) -> None:
    _xml(server, "<root><unclosed></root>")
    failure = _failure(_run(tmp_path, server, version, _xpath("/root")))
    assert failure.kind == "expression"
    assert "not well-formed XML" in failure.message


# -- embedded expressions (V11-CRI-01, V11-AMB-31, V11-RTE-14) ------------------------------


@BOTH
def test_V11_AMB_31_embedded_values_are_substituted_verbatim(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    server.route("GET", "/v1/status", Reply(200, json={"status": "shipped", "n": 2,
                                                       "flag": True, "label": '["a","b"]'}))
    _xml(server)
    inputs = {"pattern": "ship+ed|done", "status": "shipped", "n": 2, "flag": True,
              "tags": ["a", "b"], "min": 4}
    body = _criteria("""
- context: $response.body#/status
  condition: '^({$inputs.pattern})$'
  type: regex
- context: $response.body
  condition: "$[?@.status == '{$inputs.status}' && @.n == {$inputs.n} && @.flag == {$inputs.flag}]"
  type: jsonpath
- context: $response.body
  condition: "$[?@.label == '{$inputs.tags}']"
  type: jsonpath
""")
    assert _run(tmp_path, server, version, body, inputs).succeeded
    xpath = _criteria("""
- context: $response.body
  condition: '/root/items/item[price > {$inputs.min}]'
  type: xpath
""", operation="postXml")
    assert _run(tmp_path, server, version, xpath, {"min": 4}).succeeded
    assert not _run(tmp_path, server, version, xpath, {"min": 5}).succeeded


def test_V11_AMB_30_missing_embedded_value_is_an_evaluation_error_in_1_1(
        tmp_path: Path, server: ScriptedServer) -> None:
    _status(server, Reply(200, json={"status": "shipped"}))
    body = _criteria("""
- context: $response.body#/status
  condition: '^{$inputs.prefix}'
  type: regex
""")
    failure = _failure(_run(tmp_path, server, "1.1", body))
    assert failure.kind == "expression"
    assert "$inputs.prefix has no value" in failure.message
    assert "V11-CRI-09" in failure.message
    # 1.0: the missing value is the empty string, '^' matches
    assert _run(tmp_path, server, "1.0", body).succeeded
    assert _run(tmp_path, server, "1.1", body, {"prefix": "ship"}).succeeded


def test_V11_CRI_09_a_condition_invalid_after_substitution_fails(
        tmp_path: Path, server: ScriptedServer) -> None:
    _status(server, Reply(200, json={"status": "shipped"}))
    body = _criteria("""
- context: $response.body#/status
  condition: '^({$inputs.pattern})$'
  type: regex
""")
    failure = _failure(_run(tmp_path, server, "1.1", body, {"pattern": "(unclosed"}))
    assert failure.kind == "expression"
    assert "invalid regular expression" in failure.message
    # a substituted JSONPath comparison form is invalid in 1.1 too
    jsonpath = _criteria("""
- context: $response.body
  condition: "{$inputs.query}"
  type: jsonpath
""")
    query = {"query": "$.status == 'shipped'"}
    failure = _failure(_run(tmp_path, server, "1.1", jsonpath, query))
    assert failure.kind == "expression"
    assert "V11-CRI-07" in failure.message
    assert _run(tmp_path, server, "1.0", jsonpath, query).succeeded


# -- evaluation errors are reported (V11-CRI-09, V11-AMB-32) --------------------------------


def test_V11_CRI_09_errors_are_reported_in_events_and_the_log(
        tmp_path: Path, server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    # an onFailure action whose criterion cannot be evaluated is not taken; the error is an
    # event (error=True) and a logged warning, not silence
    server.route("GET", "/v1/status", Reply(500, json={"detail": None}))
    body = """
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: getStatus
    successCriteria:
    - condition: $statusCode == 200
    onFailure:
    - name: retryOnDetail
      type: retry
      retryLimit: 3
      criteria:
      - {context: $response.body#/detail, condition: 'busy', type: regex}
"""
    events: list[Any] = []
    with caplog.at_level(logging.WARNING, logger="arazzo"):
        result = _run(tmp_path, server, "1.1", body, hooks=[events.append])
    assert not result.succeeded
    assert len(server.requests) == 1  # the retry was not taken
    evaluated = [e for e in events if isinstance(e, arazzo.CriterionEvaluated)]
    assert [(e.owner, e.passed, e.error) for e in evaluated] == [
        ("successCriteria", False, False), ("retryOnDetail", False, True)]
    assert "null" in (evaluated[1].reason or "")
    assert any("could not be evaluated" in r.getMessage() and "retryOnDetail" in r.getMessage()
               for r in caplog.records)


@BOTH
def test_V11_AMB_32_static_syntax_errors_are_validation_errors(
        tmp_path: Path, server: ScriptedServer, version: str) -> None:
    for criterion in ("{context: $response.body, condition: '$.[', type: jsonpath}",
                      "{context: $response.body, condition: '(a', type: regex}",
                      "{context: $response.body, condition: '/root[', type: xpath}",
                      "{condition: '$statusCode =='}"):
        with pytest.raises(arazzo.ValidationFailed) as raised:
            _run(tmp_path, server, version, _criteria(f"- {criterion}"))
        assert any(d.rule == "expression-syntax" for d in raised.value.diagnostics), criterion
    assert server.requests == []


# -- multiple criteria, empty lists (V11-CRI-10, V11-CRI-11) --------------------------------


@BOTH
def test_V11_CRI_10_action_criteria_are_anded(tmp_path: Path, server: ScriptedServer,
                                              version: str) -> None:
    server.route("GET", "/v1/status", Reply(503, json={"retry": True, "busy": False}),
                 Reply(200, json={}))
    body = """
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: getStatus
    successCriteria:
    - condition: $statusCode == 200
    onFailure:
    - name: both
      type: retry
      retryLimit: 1
      criteria:
      - condition: $response.body#/retry == true
      - condition: $response.body#/busy == true
    - name: first
      type: retry
      retryLimit: 1
      criteria:
      - condition: $response.body#/retry == true
      - condition: $statusCode == 503
"""
    events: list[Any] = []
    result = _run(tmp_path, server, version, body, hooks=[events.append])
    assert result.succeeded
    taken = [e.name for e in events if isinstance(e, arazzo.ActionTaken)]
    assert taken[0] == "first"


@BOTH
def test_V11_CRI_11_empty_success_criteria_is_an_error(tmp_path: Path, server: ScriptedServer,
                                                       version: str) -> None:
    body = """
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: getStatus
    successCriteria: []
"""
    errors = [d for d in _validate(tmp_path, version, body) if d.is_error]
    assert errors
    assert all(d.pointer.startswith("/workflows/0/steps/0") for d in errors)
    assert any("successCriteria" in d.pointer or "successCriteria" in d.message
               for d in errors)
    with pytest.raises(arazzo.ValidationFailed):
        _run(tmp_path, server, version, body)
    assert server.requests == []


@BOTH
def test_V11_CRI_09_jsonpath_on_a_text_body(tmp_path: Path, server: ScriptedServer,
                                            version: str) -> None:
    """JSONPath applied to non-JSON data: 1.1 makes the condition fail (V11-CRI-09,
    V11-AMB-21); 1.0 queries the text as a JSON string value, whose root '$' matches."""
    _status(server, Reply(200, body="all good", content_type="text/plain"))
    body = _criteria("- {context: $response.body, condition: '$', type: jsonpath}")
    result = _run(tmp_path, server, version, body)
    if version == "1.0":
        assert result.succeeded, result.error
        return
    failure = _failure(result)
    assert failure.kind == "expression"
    assert "text, not parsed JSON data" in failure.message
