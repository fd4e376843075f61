"""Arazzo 1.1 requests: ``in: querystring`` (V11-PAR-01..04) and payload replacement targets
by ``targetSelectorType`` or media type (V11-RBD-02..04, V11-AMB-41, V11-AMB-42), against the
loopback server, and their validation diagnostics; the same constructs in a 1.0 document are
errors that say they are Arazzo 1.1 (V11-VER-01)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from _docs import HEADER, OPENAPI, doc
from server import Reply, ScriptedServer

import arazzo
from arazzo import Severity

HEADER_11 = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.1.0")

#: an OpenAPI 3.2 description with a querystring parameter (and one with query parameters)
OPENAPI_32 = """
openapi: 3.2.0
info: {title: Search, version: '1'}
servers:
- url: https://api.example.com/v1
paths:
  /search:
    get:
      operationId: search
      parameters:
      - name: filter
        in: querystring
        required: true
        content:
          application/x-www-form-urlencoded: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /items:
    get:
      operationId: listItems
      parameters:
      - {name: page, in: query, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
"""


def run(path: Path, server: ScriptedServer, inputs: dict[str, Any] | None = None
        ) -> arazzo.RunResult:
    return arazzo.run(path, "w", inputs or {}, servers={"api": server.url + "/v1"},
                      loop_delay=0)


def v11(tmp_path: Path, body: str, openapi: str = OPENAPI) -> Path:
    return doc(tmp_path, body, header=HEADER_11, openapi=openapi)


def diagnostics(path: Path, rule: str) -> list[arazzo.Diagnostic]:
    return [d for d in arazzo.validate(path) if d.rule == rule]


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


# ------------------------------------------------------------------------------------------
# in: querystring, the request the server receives


def test_V11_PAR01_PAR03_static_querystring_is_the_whole_query(tmp_path: Path,
                                                                server: ScriptedServer) -> None:
    server.route("GET", "/v1/search", Reply(200, json={}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: 'status=active&limit=10'}
        outputs:
          limit: $request.query.limit
    """, OPENAPI_32)
    assert not [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].raw_query == "status=active&limit=10"
    assert server.requests[0].query == {"status": ["active"], "limit": ["10"]}
    # the query string's fields are what $request.query reads
    assert result.steps[0].outputs == {"limit": "10"}


def test_V11_PAR01_querystring_encodes_only_what_a_query_cannot_hold(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/search", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - name: filter
          in: querystring
          value: '?q=a b&tag=#x&name=é&path=a%2Fb&pct=100%&json={"k":1}&t=a:b/c?d@e'
    """, OPENAPI_32)
    result = run(path, server)
    assert result.succeeded, result.error
    # one leading '?' dropped; '=', '&', existing %XX and query-safe characters kept
    assert server.requests[0].raw_query == (
        "q=a%20b&tag=%23x&name=%C3%A9&path=a%2Fb&pct=100%25&json=%7B%22k%22:1%7D"
        "&t=a:b/c?d@e")
    assert server.requests[0].query["path"] == ["a/b"]


def test_V11_PAR07_querystring_from_expression_and_template(tmp_path: Path,
                                                             server: ScriptedServer) -> None:
    server.route("GET", "/v1/search", Reply(200, json={"next": "page=2&size=5"}))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {f: {type: string}}}
      steps:
      - stepId: first
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: 'filter={$inputs.f}&sort=desc'}
        outputs:
          next: $response.body#/next
      - stepId: second
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: $steps.first.outputs.next}
    """, OPENAPI_32)
    result = run(path, server, {"f": "red&blue"})
    assert result.succeeded, result.error
    # an embedded value is inserted as it is: the author builds the query string
    assert [r.raw_query for r in server.requests] == ["filter=red&blue&sort=desc",
                                                      "page=2&size=5"]


def test_V11_PAR01_empty_querystring_sends_no_query(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("GET", "/v1/search", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: ''}
    """, OPENAPI_32)
    result = run(path, server)
    assert result.succeeded, result.error
    assert result.steps[0].url == server.url + "/v1/search"


def test_V11_PAR03_querystring_resolving_to_a_non_string_fails_the_step(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("GET", "/v1/search", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {qs: {type: object}}}
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: $inputs.qs}
    """, OPENAPI_32)
    result = run(path, server, {"qs": {"a": 1}})
    assert not result.succeeded
    assert "querystring parameter 'filter' must resolve to a string" in (result.error or "")
    assert "not an object (V11-PAR-03)" in (result.error or "")
    assert server.requests == []


# ------------------------------------------------------------------------------------------
# in: querystring, validation


def test_V11_PAR03_literal_non_string_querystring_is_a_validation_error(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: 42}
    """, OPENAPI_32)
    [d] = diagnostics(path, "querystring")
    assert d.severity is Severity.ERROR
    assert d.pointer == "/workflows/0/steps/0/parameters/0/value"
    assert d.line == line_of(path, "value: 42")
    assert "number value" in d.message
    assert "V11-PAR-03" in d.message
    with pytest.raises(arazzo.ValidationFailed):
        arazzo.run(path, "w", {}, servers={"api": "http://127.0.0.1:9"})


def test_V11_PAR03_reusable_querystring_value_is_checked_where_it_is_written(
        tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - reference: $components.parameters.qs
        - reference: $components.parameters.qs
          value: [a, b]
      - stepId: t
        operationId: search
        parameters:
        - reference: $components.parameters.qs
          value: 'a=1'
    components:
      parameters:
        qs: {name: filter, in: querystring, value: true}
    """, OPENAPI_32)
    found = diagnostics(path, "querystring")
    assert [(d.pointer, d.severity) for d in found] == [
        ("/workflows/0/steps/0/parameters/1/value", Severity.ERROR)]
    assert "array value" in found[0].message
    # in step s the second reference overrides the first (same name and in), so the
    # component's own 'true' is not sent there; step t gives a string: no finding either.
    # Used without a value of its own, the component's value is reported where it is written:
    path2 = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - reference: $components.parameters.qs
    components:
      parameters:
        qs: {name: filter, in: querystring, value: true}
    """, OPENAPI_32)
    [d] = diagnostics(path2, "querystring")
    assert d.pointer == "/components/parameters/qs/value"
    assert "boolean value" in d.message


def test_V11_PAR04_querystring_cannot_coexist_with_query_parameters(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      parameters:
      - {name: limit, in: query, value: 5}
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: filter, in: querystring, value: 'a=1'}
        - {name: other, in: querystring, value: 'b=2'}
        - {name: page, in: query, value: 2}
    """, OPENAPI_32)
    found = diagnostics(path, "querystring")
    assert [(d.severity, d.pointer) for d in found] == [
        (Severity.ERROR, "/workflows/0/parameters/0/name"),
        (Severity.ERROR, "/workflows/0/steps/0/parameters/1/name"),
        (Severity.ERROR, "/workflows/0/steps/0/parameters/2/name"),
    ]
    assert "query parameter 'limit' cannot be combined with the querystring parameter " \
           "'filter'" in found[0].message
    assert "there can be only one" in found[1].message
    assert all("V11-PAR-04" in d.message for d in found)
    assert found[2].line == line_of(path, "name: page")


def test_V11_PAR02_querystring_name_should_match_the_operations(tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
        parameters:
        - {name: q, in: querystring, value: 'a=1'}
      - stepId: t
        operationId: search
    """, OPENAPI_32)
    [warning] = diagnostics(path, "querystring")
    assert warning.severity is Severity.WARNING
    assert warning.pointer == "/workflows/0/steps/0/parameters/0/name"
    assert "'filter'" in warning.message
    assert "V11-PAR-02" in warning.message
    # a required querystring parameter the step does not supply (PAR-06)
    [missing] = diagnostics(path, "required-parameter")
    assert missing.pointer == "/workflows/0/steps/1/operationId"
    assert "required querystring parameter 'filter'" in missing.message


def test_V11_PAR04_querystring_supplies_the_operations_query_parameters(
        tmp_path: Path, server: ScriptedServer) -> None:
    """Our reading: an operation that declares query parameters (OpenAPI 3.0/3.1) may be
    called with a querystring instead; its required query parameters are not reported as
    missing (the query string is opaque), and the value is sent as it is."""
    server.route("GET", "/v1/items", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listItems
        parameters:
        - {name: raw, in: querystring, value: 'page=3'}
      - stepId: t
        operationId: listItems
    """, OPENAPI_32)
    found = diagnostics(path, "required-parameter")
    assert [d.pointer for d in found] == ["/workflows/0/steps/1/operationId"]
    assert not diagnostics(path, "querystring")
    result = arazzo.run(path, "w", {}, servers={"api": server.url + "/v1"}, loop_delay=0)
    assert result.succeeded, result.error
    assert [r.raw_query for r in server.requests] == ["page=3", ""]


def test_V11_VER01_querystring_in_a_1_0_document_is_an_error(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: listPets
        parameters:
        - {name: filter, in: querystring, value: 'a=1'}
    """)
    errors = [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]
    assert [d.pointer for d in errors] == ["/workflows/0/steps/0/parameters/0/in"]
    assert "'in: querystring' (V11-PAR-01) is Arazzo 1.1" in errors[0].message
    assert "V11-VER-01" in errors[0].message


# ------------------------------------------------------------------------------------------
# replacements, the body the server receives


def test_V11_RBD02_jsonpath_target_sets_every_match(tmp_path: Path,
                                                    server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {price: {type: number}}}
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload:
            items: [{id: a, price: 1}, {id: b, price: 2}, {id: c}]
            total: 0
          replacements:
          - {target: '$.items[*].price', targetSelectorType: jsonpath, value: $inputs.price}
          - {target: '$.total', targetSelectorType: {type: jsonpath, version: rfc9535},
             value: 99}
    """)
    assert not [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]
    result = run(path, server, {"price": 5})
    assert result.succeeded, result.error
    assert server.requests[0].json == {
        "items": [{"id": "a", "price": 5}, {"id": "b", "price": 5}, {"id": "c"}], "total": 99}


def test_V11_AMB42_jsonpath_target_matching_nothing_fails_the_step(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {items: []}
          replacements:
          - {target: '$.items[0].price', targetSelectorType: jsonpath, value: 1}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "'$.items[0].price' matches nothing in the payload" in (result.error or "")
    assert "V11-AMB-42" in (result.error or "")
    assert server.requests == []


def test_V11_RBD04_json_payload_defaults_to_json_pointer(tmp_path: Path,
                                                         server: ScriptedServer) -> None:
    server.route("POST", "/v1/pets", Reply(201))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          contentType: application/vnd.pet+json
          payload: {pet: {name: x}, tags: [a]}
          replacements:
          - {target: /pet/name, value: rex}
          - {target: /tags/-, value: b}
          - {target: /tags/0, targetSelectorType: jsonpointer, value: z}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].json == {"pet": {"name": "rex"}, "tags": ["z", "b"]}
    assert server.requests[0].headers["content-type"] == "application/vnd.pet+json"


XML_PAYLOAD = ('<?xml version="1.0"?><order xmlns:p="urn:pets"><item id="1">cat</item>'
               '<item id="2">dog<note>old</note></item><p:total>0</p:total></order>')


def test_V11_RBD04_xml_payload_defaults_to_xpath(tmp_path: Path,
                                                 server: ScriptedServer) -> None:
    server.route("POST", "/v1/xml", Reply(200))
    path = v11(tmp_path, f"""
    workflows:
    - workflowId: w
      inputs: {{type: object, properties: {{total: {{type: integer}}}}}}
      steps:
      - stepId: s
        operationId: postXml
        requestBody:
          payload: '{XML_PAYLOAD}'
          replacements:
          - {{target: '/order/item/@id', value: x}}
          - {{target: '/order/item[2]', value: bird}}
          - {{target: '//p:total', value: $inputs.total}}
          - {{target: '/order/item[1]/text()', targetSelectorType: {{type: xpath,
             version: xpath-10}}, value: lion}}
    """)
    assert not [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]
    result = run(path, server, {"total": 12})
    assert result.succeeded, result.error
    body = server.requests[0].body.decode()
    assert body.startswith('<?xml version="1.0"?>')
    assert server.requests[0].headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(body)
    items = root.findall("item")
    assert [i.get("id") for i in items] == ["x", "x"]
    assert [i.text for i in items] == ["lion", "bird"]
    assert list(items[1]) == []  # an element's content is replaced, children included
    assert root.findtext("{urn:pets}total") == "12"


def test_V11_RBD03_xpath_selector_type_on_a_text_xml_body(tmp_path: Path,
                                                          server: ScriptedServer) -> None:
    server.route("POST", "/v1/text", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: postText
        requestBody:
          contentType: text/xml
          payload: <a><b>1</b></a>
          replacements:
          - {target: //b, value: 2}
          - {target: //c, targetSelectorType: xpath, value: 3}
    """)
    result = run(path, server)
    assert not result.succeeded
    assert "'//c' matches nothing in the XML payload" in (result.error or "")
    assert server.requests == []


def test_V11_RBD04_string_payload_of_an_unknown_type_cannot_take_a_pointer(
        tmp_path: Path) -> None:
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: plain
        operationId: postText
        requestBody:
          payload: 'a=1'
          replacements:
          - {target: /a, value: 2}
      - stepId: xml-as-pointer
        operationId: postXml
        requestBody:
          payload: <a><b>1</b></a>
          replacements:
          - {target: /a/b, targetSelectorType: jsonpointer, value: 2}
      - stepId: xpath-into-object
        operationId: createPet
        requestBody:
          payload: {a: 1}
          replacements:
          - {target: /a, targetSelectorType: xpath, value: 2}
      - stepId: form
        operationId: login
        requestBody:
          payload: user=a&scope=b
          replacements:
          - {target: /scope, value: c}
          - {target: '$.user', targetSelectorType: jsonpath, value: d}
    """)
    found = diagnostics(path, "replacement-target")
    assert [(d.severity, d.pointer) for d in found] == [
        (Severity.ERROR, "/workflows/0/steps/0/requestBody/replacements/0/target"),
        (Severity.ERROR, "/workflows/0/steps/1/requestBody/replacements/0/target"),
        (Severity.ERROR, "/workflows/0/steps/2/requestBody/replacements/0/target"),
    ]
    assert "read as jsonpointer by the media type text/plain (V11-RBD-04)" in found[0].message
    assert "V11-AMB-41" in found[0].message
    assert "targetSelectorType 'jsonpointer'" in found[1].message
    assert "is an XPath expression, but the payload is an object" in found[2].message


def test_V11_RBD02_form_string_fields_take_pointer_and_jsonpath_targets(
        tmp_path: Path, server: ScriptedServer) -> None:
    server.route("POST", "/v1/login", Reply(200))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: login
        requestBody:
          payload: user=a&scope=b
          replacements:
          - {target: /scope, value: c d}
          - {target: '$.user', targetSelectorType: jsonpath, value: e}
    """)
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].body == b"user=e&scope=c%20d"


@pytest.mark.parametrize(("target", "selector", "says", "column"), [
    ("'$.items[?'", "jsonpath", "invalid JSONPath query (RFC 9535)", None),
    ("'//item['", "xpath", "invalid XPath expression", None),
    ("/a~2b", "jsonpointer", "'~' in a JSON pointer must be followed by '0' or '1'", 2),
    ("'$.a'", "{type: jsonpath, version: draft-goessner-dispatch-jsonpath-00}",
     "JSONPath version 'draft-goessner-dispatch-jsonpath-00' is not supported", None),
    ("'//a'", "{type: xpath, version: xpath-40}", "XPath version 'xpath-40' is unknown", None),
])
def test_V11_RBD03_target_syntax_errors_are_validation_errors(
        tmp_path: Path, target: str, selector: str, says: str, column: int | None) -> None:
    path = v11(tmp_path, f"""
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {{a: 1}}
          replacements:
          - target: {target}
            targetSelectorType: {selector}
            value: 2
    """)
    [d] = diagnostics(path, "replacement-target")
    assert d.severity is Severity.ERROR
    assert d.pointer == "/workflows/0/steps/0/requestBody/replacements/0/target"
    assert d.line == line_of(path, "- target:")
    assert says in d.message
    if column is not None:  # the column of the offending character
        assert d.column == textwrap.dedent(path.read_text()).splitlines()[
            d.line - 1].index("/a~2b") + 1 + column
    with pytest.raises(arazzo.ValidationFailed):
        arazzo.run(path, "w", {}, servers={"api": "http://127.0.0.1:9"})


def test_V11_VER01_target_selector_type_in_a_1_0_document_is_an_error(tmp_path: Path) -> None:
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {a: 1}
          replacements:
          - {target: '$.a', targetSelectorType: jsonpath, value: 2}
    """)
    errors = [d for d in arazzo.validate(path) if d.severity is Severity.ERROR]
    assert [d.pointer for d in errors] == [
        "/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType"]
    assert "the field 'targetSelectorType' is Arazzo 1.1" in errors[0].message


def test_PR01_1_0_document_keeps_json_pointer_targets_only(tmp_path: Path,
                                                           server: ScriptedServer) -> None:
    """1.0 is unchanged: an XML body's XPath target is refused (a warning; the run refuses
    the workflow before any request), a JSON Pointer target works as before."""
    server.route("POST", "/v1/pets", Reply(201))
    path = doc(tmp_path, """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {a: {b: 1}}
          replacements:
          - {target: /a/b, value: 2}
    - workflowId: x
      steps:
      - stepId: s
        operationId: postXml
        requestBody:
          payload: <a><b>1</b></a>
          replacements:
          - {target: a/b, value: 2}
    """)
    [warning] = diagnostics(path, "replacement-target")
    assert warning.severity is Severity.WARNING
    assert warning.pointer == "/workflows/1/steps/0/requestBody/replacements/0/target"
    result = run(path, server)
    assert result.succeeded, result.error
    assert server.requests[0].json == {"a": {"b": 2}}
    with pytest.raises(arazzo.ArazzoError, match=r"XPath targets are not supported in "
                       r"Arazzo 1\.0 documents") as refused:
        arazzo.run(path, "x", {}, servers={"api": server.url + "/v1"})
    assert refused.value.line == line_of(path, "target: a/b")
    assert len(server.requests) == 1


def test_V11_RBD05_selector_replacement_value(tmp_path: Path, server: ScriptedServer) -> None:
    """A Selector Object as a replacement value is evaluated like any value (V11-RBD-05)."""
    server.route("POST", "/v1/pets", Reply(201))
    path = v11(tmp_path, """
    workflows:
    - workflowId: w
      inputs: {type: object, properties: {x: {type: object}}}
      steps:
      - stepId: s
        operationId: createPet
        requestBody:
          payload: {a: 1, b: 2}
          replacements:
          - target: /a
            value: {context: $inputs.x, selector: /y, type: jsonpointer}
          - target: /b
            value: {context: $inputs.x, selector: '$.z[*]', type: jsonpath}
    """)
    assert arazzo.validate(path) == []
    result = arazzo.run(path, "w", {"x": {"y": "why", "z": [1, 2]}},
                        servers={"api": server.url + "/v1"})
    assert result.succeeded, result.error
    assert server.requests[0].json == {"a": "why", "b": [1, 2]}


def test_PAR06_a_1_0_document_is_not_asked_for_a_querystring(tmp_path: Path) -> None:
    """A 1.0 step cannot give an OpenAPI 3.2 querystring parameter, so none is reported as
    missing there; the same step in a 1.1 document draws the warning."""
    body = """
    workflows:
    - workflowId: w
      steps:
      - stepId: s
        operationId: search
    """
    old = doc(tmp_path, body, openapi=OPENAPI_32)
    assert diagnostics(old, "required-parameter") == []
    new = v11(tmp_path, body, OPENAPI_32)
    [d] = diagnostics(new, "required-parameter")
    assert "required querystring parameter 'filter'" in d.message
