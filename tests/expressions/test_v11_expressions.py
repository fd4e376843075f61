"""Arazzo 1.1 runtime expressions and Selector Objects (docs/spec-1.1.md): ``$message``
(V11-RTE-09, V11-AMB-14, V11-AMB-39), ``$self`` (V11-RTE-10, V11-AMB-02), no
``$components.inputs`` (V11-RTE-08), the 1.0 gate (V11-VER-01), and what selectors yield
(V11-SEL-01..10, V11-AMB-20..22)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo._exceptions import ExpressionError, ExpressionSyntaxError
from arazzo.documents.models import Selector
from arazzo.expressions import (
    MISSING,
    AsyncMessage,
    EvaluationContext,
    HttpMessage,
    compile_selector,
    compile_value,
    parse,
    parse_template,
)
from arazzo.expressions._runtime import Mode, scan_expression
from arazzo.expressions._values import payload_selector

V11 = "1.1"
MESSAGE = EvaluationContext(
    message=AsyncMessage(headers={"X-Request-Id": "r-7"},
                         payload={"order": {"id": 42, "lines": [{"sku": "a"}]}}),
    self_uri="https://example.com/flows/orders.arazzo.yaml")


# -- $message (V11-RTE-09, V11-AMB-14) ------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("$message.header.X-Request-Id", "message.header", "r-7"),
    ("$message.header.x-request-id", "message.header", "r-7"),  # tokens ignore case (V11-RTE-15)
    ("$message.payload", "message.payload", MESSAGE.message.payload),  # type: ignore[union-attr]
    ("$message.payload#/order/id", "message.payload", 42),
    ("$message.payload#/order/lines/0/sku", "message.payload", "a"),
    ("$message.payload#/order/missing", "message.payload", MISSING),
    ("$message.header.absent", "message.header", MISSING),
])
def test_v11_rte_09_message_header_and_payload(text: str, kind: str, value: Any) -> None:
    expression = parse(text, version=V11)
    assert expression.kind == kind
    assert expression.evaluate(MESSAGE) == value if value is not MISSING else (
        expression.evaluate(MESSAGE) is MISSING)


def test_v11_rte_09_header_name_and_pointer_are_structured() -> None:
    header = parse("$message.header.X-Request-Id", version=V11)
    assert header.name == "X-Request-Id"
    payload = parse("$message.payload#/order/id", version=V11)
    assert payload.pointer is not None
    assert payload.pointer.tokens == ("order", "id")


@pytest.mark.parametrize(("text", "index", "fragment"), [
    ("$message.body", 9, "('header', 'payload')"),
    ("$message.query.x", 9, "('header', 'payload')"),
    ("$message.headers.x", 15, "found 'headers'"),  # after the prefix
    ("$message", 8, "expected '.' after '$message'"),
    ("$message.header.", 16, "a header name"),
])
def test_v11_amb_14_message_takes_only_header_and_payload(text: str, index: int,
                                                          fragment: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text, version=V11)
    assert info.value.index == index
    assert fragment in info.value.message


def test_v11_amb_14_message_without_a_message_is_missing_with_a_reason() -> None:
    expression = parse("$message.payload#/order", version=V11)
    ctx = EvaluationContext()
    assert expression.evaluate(ctx) is MISSING
    assert "no current message" in expression.explain(ctx)
    assert "AsyncAPI" in expression.explain(ctx)
    header = parse("$message.header.X", version=V11)
    assert "has no header 'X'" in header.explain(MESSAGE)


def test_v11_amb_14_message_value_without_a_message_is_an_evaluation_error() -> None:
    for value in ("$message.payload", "id-{$message.header.X-Request-Id}"):
        compiled = compile_value(value, version=V11)
        with pytest.raises(ExpressionError) as info:
            compiled.evaluate(EvaluationContext())
        assert not isinstance(info.value, ExpressionSyntaxError)
        assert "no current message" in info.value.message
    assert compile_value("id-{$message.header.X-Request-Id}", version=V11).evaluate(
        MESSAGE) == "id-r-7"


def test_v11_amb_39_lenient_payload_navigation_reads_as_a_pointer() -> None:
    expression = parse("$message.payload.order.id", lenient=True, version=V11)
    assert expression.evaluate(MESSAGE) == 42
    (warning,) = expression.warnings
    assert "$message.payload#/order/id" in warning.message
    assert warning.index == len("$message.payload")
    compiled = compile_value("$message.payload.order.id", version=V11)
    assert compiled.evaluate(MESSAGE) == 42
    assert any("$message.payload#/order/id" in w.message for w in compiled.warnings)


def test_v11_amb_39_strict_payload_navigation_is_an_error() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("$message.payload.orderId", version=V11)
    assert info.value.index == len("$message.payload")
    assert "$message.payload#/field" in info.value.message


def test_v11_rte_09_message_in_a_condition_operand_ends_at_the_operator() -> None:
    text = "$message.header.X-Id=='a'"
    expression, end = scan_expression(text, 0, Mode.CONDITION, version=V11)
    assert expression.name == "X-Id"
    assert text[end:] == "=='a'"
    payload, end = scan_expression("$message.payload#/a == 1", 0, Mode.CONDITION,
                                   version=V11)
    assert payload.pointer is not None
    assert payload.pointer.tokens == ("a",)


# -- $self (V11-RTE-10, V11-AMB-02) ------------------------------------------------------


def test_v11_rte_10_self_is_the_document_uri() -> None:
    expression = parse("$self", version=V11)
    assert expression.kind == "self"
    assert expression.evaluate(MESSAGE) == "https://example.com/flows/orders.arazzo.yaml"
    assert expression.evaluate(EvaluationContext()) is MISSING
    assert "URI is not known" in expression.explain(EvaluationContext())
    template = parse_template("see {$self}#/workflows/0", version=V11)
    assert template.evaluate(MESSAGE) == (
        "see https://example.com/flows/orders.arazzo.yaml#/workflows/0")


def test_v11_rte_10_self_takes_nothing_after_it() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("$self.uri", version=V11)
    assert info.value.index == 5


# -- V11-RTE-08: $components.inputs ---------------------------------------------------------


def test_v11_rte_08_components_inputs_is_no_expression_in_1_1() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("$components.inputs.address", version=V11)
    assert info.value.index == len("$components.")
    assert "V11-RTE-08" in info.value.message
    assert "$ref" in info.value.message
    assert parse("$components.parameters.page", version=V11).component == "parameters"
    assert parse("$components.failureActions.x.y", version=V11).key == "x.y"


def test_rte_11_components_inputs_stays_an_expression_in_1_0() -> None:
    expression = parse("$components.inputs.address")
    assert (expression.component, expression.key) == ("inputs", "address")


# -- the 1.0 gate (V11-VER-01) ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["$message.payload", "$message.header.X", "$self"])
def test_v11_ver_01_message_and_self_are_errors_in_1_0(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    assert info.value.index == 1
    assert "is Arazzo 1.1" in info.value.message
    assert "arazzo: 1.1.0" in info.value.message
    with pytest.raises(ExpressionSyntaxError):
        parse_template(f"x {{{text}}}")
    compiled = compile_value(text)  # a literal, with a warning saying why
    assert compiled.is_constant
    assert compiled.evaluate(EvaluationContext()) == text
    assert any("is Arazzo 1.1" in w.message for w in compiled.warnings)


def test_unknown_version_is_refused() -> None:
    for call in (lambda: parse("$url", version="2.0"),
                 lambda: compile_value(1, version="1"),
                 lambda: parse_template("{$url}", version="")):
        with pytest.raises(ValueError, match="unknown Arazzo version"):
            call()


def test_v11_unknown_root_lists_the_1_1_roots() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("$mesage.payload", version=V11)
    assert "$message." in info.value.message
    assert "$self" in info.value.message
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("$mesage.payload")
    assert "$message" not in info.value.message


# -- Selector Objects: what they yield (V11-AMB-20) -------------------------------------------

BODY = {"items": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "total": 2}
RESPONSE = EvaluationContext(response=HttpMessage(body=BODY))
XML = ('<Envelope><Item id="i1"><Name>first <b>one</b></Name><Price>2.50</Price></Item>'
       '<Item id="i2"><Name>second</Name><Price>4</Price></Item></Envelope>')
XML_RESPONSE = EvaluationContext(response=HttpMessage(body=XML))


@pytest.mark.parametrize(("selector", "kind", "version", "value"), [
    ("/items/1/name", "jsonpointer", None, "b"),
    ("", "jsonpointer", "rfc6901", BODY),
    ("$.items[0].id", "jsonpath", None, 1),  # singular: the one node's value
    ("$['total']", "jsonpath", "rfc9535", 2),
    ("$.items[*].id", "jsonpath", None, [1, 2]),  # not singular: the nodelist's values
    ("$.items[?@.id > 5].id", "jsonpath", None, []),  # possibly empty
    ("$..name", "jsonpath", None, ["a", "b"]),
    ("$.items[1].name", "jsonpath", "draft-goessner-dispatch-jsonpath-00", "b"),
    ("$.items[*].name", "jsonpath", "draft-goessner-dispatch-jsonpath-00", ["a", "b"]),
])
def test_v11_amb_20_json_selectors(selector: str, kind: str, version: str | None,
                                   value: Any) -> None:
    compiled = compile_selector("$response.body", selector, kind, version)
    assert compiled.evaluate(RESPONSE) == value


@pytest.mark.parametrize(("selector", "version", "value"), [
    ("/Envelope/Item[2]/Name", None, "second"),  # one node: its string value
    ("/Envelope/Item[1]/Name", "xpath-10", "first one"),
    ("/Envelope/Item/@id", None, ["i1", "i2"]),  # a longer sequence: an array
    ("count(/Envelope/Item)", None, 2),  # atomic values as JSON scalars
    ("sum(/Envelope/Item/Price)", "xpath-20", 6.5),
    ("/Envelope/Item[1]/Price * 2", "xpath-30", 5.0),
    ("string(/Envelope/Item[2]/@id)", "xpath-31", "i2"),
    ("count(/Envelope/Item) = 2", None, True),
])
def test_v11_amb_20_xpath_selectors(selector: str, version: str | None, value: Any) -> None:
    compiled = compile_selector("$response.body", selector, "xpath", version)
    result = compiled.evaluate(XML_RESPONSE)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(("context", "selector", "kind", "ctx", "fragment"), [
    ("$response.body", "/items/7", "jsonpointer", RESPONSE,
     "index 7 is out of range at /items (length 2)"),
    ("$response.body", "/nope", "jsonpointer", RESPONSE, "no member 'nope' at the root"),
    ("$response.body", "$.items[9].id", "jsonpath", RESPONSE, "the query selects nothing"),
    ("$response.body", "/Envelope/Nothing", "xpath", XML_RESPONSE,
     "the expression selects nothing"),
    # V11-AMB-21: jsonpath/jsonpointer need parsed JSON; xpath needs XML
    ("$response.body", "$.a", "jsonpath", XML_RESPONSE,
     "needs parsed JSON data, but the context is a string"),
    ("$response.body", "/a", "jsonpointer", XML_RESPONSE, "the context is a string"),
    ("$response.body", "/a", "xpath", RESPONSE,
     "needs an XML document (a string), but the context is an object"),
    ("$response.body#/total", "/a", "xpath", RESPONSE, "the context is a number"),
    ("$response.body", "/a", "xpath", EvaluationContext(response=HttpMessage(body="<a>")),
     "not well-formed XML"),
    ("$response.body", "/a", "xpath",
     EvaluationContext(response=HttpMessage(body='<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')),
     "DTD"),
    # V11-SEL-02: the context must have a value
    ("$response.body#/missing", "/a", "jsonpointer", RESPONSE,
     "the context has no value: JSON pointer '/missing': no member 'missing'"),
    ("$steps.login.outputs.token", "$.a", "jsonpath", RESPONSE,
     "the context has no value: step 'login' has not run"),
    ("$message.payload", "/a", "jsonpointer", RESPONSE, "no current message"),
])
def test_v11_amb_20_selector_errors_name_the_selector(context: str, selector: str, kind: str,
                                                      ctx: EvaluationContext,
                                                      fragment: str) -> None:
    compiled = compile_selector(context, selector, kind)
    with pytest.raises(ExpressionError) as info:
        compiled.evaluate(ctx)
    assert not isinstance(info.value, ExpressionSyntaxError)
    assert info.value.message.startswith(f"{kind} selector {selector!r} on {context}: ")
    assert fragment in info.value.message


@pytest.mark.parametrize(("selector", "kind", "version", "index"), [
    ("$.items[", "jsonpath", None, 8),
    ("items", "jsonpointer", None, 0),
    ("/a~2", "jsonpointer", None, 2),
    ("/Envelope/[", "xpath", None, 10),
    ("/Envelope/Item[", "xpath", "xpath-10", 15),
])
def test_v11_sel_04_selector_syntax_errors_at_compile_time(selector: str, kind: str,
                                                           version: str | None,
                                                           index: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_selector("$response.body", selector, kind, version)
    assert info.value.text == selector
    assert info.value.index == index


def test_v11_sel_08_unknown_type_or_version_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="unknown xpath version 'xpath-40'"):
        compile_selector("$response.body", "/a", "xpath", "xpath-40")
    with pytest.raises(ExpressionError, match="unknown selector type 'jmespath'"):
        compile_selector("$response.body", "a", "jmespath")


def test_v11_sel_10_default_versions() -> None:
    assert compile_selector("$response.body", "$.a", "jsonpath").version == "rfc9535"
    assert compile_selector("$response.body", "/a", "xpath").version == "xpath-31"
    assert compile_selector("$response.body", "/a", "jsonpointer").version == "rfc6901"


def test_v11_amb_35_selector_context_is_one_whole_expression() -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_selector("{$response.body}", "/a", "jsonpointer")
    with pytest.raises(ExpressionSyntaxError):
        compile_selector("$response.bdy", "/a", "jsonpointer")
    with pytest.raises(ExpressionSyntaxError):
        compile_selector("$response.body.items", "/0/id", "jsonpointer", lenient=False)
    lenient = compile_selector("$response.body.items", "/0/id", "jsonpointer")
    assert lenient.evaluate(RESPONSE) == 1
    assert any("$response.body#/items" in w.message for w in lenient.warnings)


def test_selector_accepts_1_1_contexts() -> None:
    compiled = compile_selector("$message.payload", "$.order.lines[0].sku", "jsonpath")
    assert compiled.evaluate(MESSAGE) == "a"


# -- compile_value: Selector values and payload selectors (V11-PAR-06, V11-RBD-01, V11-AMB-22) -


def _selector(**overrides: Any) -> dict[str, Any]:
    return {"context": "$response.body", "selector": "$.items[1].id", "type": "jsonpath",
            **overrides}


def test_v11_par_06_a_selector_model_value_is_evaluated() -> None:
    model = Selector(context="$response.body", selector="/total", type="jsonpointer")
    compiled = compile_value(model, version=V11)
    assert not compiled.is_constant
    assert compiled.evaluate(RESPONSE) == 2
    assert [e.text for e in compiled.expressions()] == ["$response.body"]
    with pytest.raises(ExpressionError, match=r"Arazzo 1\.1"):
        compile_value(model)


def test_v11_rbd_01_selectors_at_any_depth_of_a_payload() -> None:
    payload = {"order": {"first": _selector(), "all": [_selector(selector="$.items[*].name")]},
               "n": "{$response.body#/total} items", "keep": 1}
    compiled = compile_value(payload, version=V11)
    assert compiled.evaluate(RESPONSE) == {"order": {"first": 2, "all": [["a", "b"]]},
                                           "n": "2 items", "keep": 1}
    assert sorted(e.text for e in compiled.expressions()) == [
        "$response.body", "$response.body", "$response.body#/total"]


def test_v11_amb_22_a_selector_in_a_1_0_payload_is_a_literal() -> None:
    compiled = compile_value({"a": _selector(context="$inputs.x")})
    assert compiled.evaluate(EvaluationContext(inputs={"x": 5})) == {
        "a": {"context": 5, "selector": "$.items[1].id", "type": "jsonpath"}}


@pytest.mark.parametrize("value", [
    _selector(extra=1),  # another key
    {"context": "$response.body", "selector": "$.a"},  # no type
    _selector(type="jmespath"),  # not a selector type
    _selector(type={"type": "jsonpath"}),  # an Expression Type Object needs its version
    _selector(type={"type": "jsonpath", "version": "rfc9535", "x": 1}),
    _selector(context="response.body"),  # the context is no runtime expression
    _selector(context="{$response.body}"),
    _selector(selector=5),
    [1, 2],
    "text",
])
def test_v11_amb_22_anything_else_is_a_literal(value: Any) -> None:
    assert payload_selector(value) is None


def test_v11_amb_22_recognised_shapes() -> None:
    with_extension = payload_selector(_selector(**{"x-note": "kept out"}))
    assert with_extension is not None
    assert with_extension.evaluate(RESPONSE) == 2
    typed = payload_selector(_selector(type={"type": "xpath", "version": "xpath-10"},
                                       selector="count(/Envelope/Item)"))
    assert typed is not None
    assert typed.version == "xpath-10"
    assert typed.evaluate(XML_RESPONSE) == 2


def test_v11_amb_22_a_recognised_selector_with_bad_syntax_raises() -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_value({"a": _selector(selector="$.items[")}, version=V11)
    with pytest.raises(ExpressionError, match="unknown jsonpath version"):
        compile_value(_selector(type={"type": "jsonpath", "version": "v2"}), version=V11)


def test_selector_value_errors_propagate_from_compile_value() -> None:
    compiled = compile_value({"id": _selector(selector="$.items[5].id")}, version=V11)
    with pytest.raises(ExpressionError, match=r"jsonpath selector '\$\.items\[5\]\.id'"):
        compiled.evaluate(RESPONSE)


def test_selectors_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compile_value(_selector(), version=V11)
    import arazzo.expressions._selectors as selectors

    def no_parsing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("evaluation parsed again")

    monkeypatch.setattr(selectors, "scan_expression", no_parsing)
    monkeypatch.setattr(selectors, "_environment", no_parsing)
    assert compiled.evaluate(RESPONSE) == 2


def test_V11_RTE_04_outputs_is_required_after_a_step_id_in_1_1() -> None:
    """The 1.0.0 example table's ``$steps.<id>.<name>`` is read with a warning in a lenient
    1.0 parse; 1.1 states that ``.outputs.`` is required, so it is a syntax error there."""
    from arazzo.expressions import parse

    lenient_10 = parse("$steps.a.x", lenient=True)
    assert lenient_10.name == "x"
    assert lenient_10.warnings
    with pytest.raises(ExpressionSyntaxError, match=r"must be followed by 'outputs\.' in "
                       r"Arazzo 1\.1") as caught:
        parse("$steps.a.x", lenient=True, version="1.1")
    assert caught.value.index == len("$steps.a.")
    assert parse("$steps.a.outputs.x", version="1.1").name == "x"


def test_V11_SEL_04_a_selector_pattern_that_runs_away_is_bounded() -> None:
    """A Selector's RFC 9535 ``match()`` runs with the same timeout as JSONPath criteria: an
    untrusted document's catastrophic pattern fails the selection instead of hanging."""
    from arazzo.expressions import compile_selector
    from arazzo.expressions._context import EvaluationContext

    selector = compile_selector("$inputs.x", "$[?match(@, '(a|aa)+$')]", "jsonpath")
    ctx = EvaluationContext(inputs={"x": ["a" * 40 + "b"]})
    with pytest.raises(ExpressionError, match="did not finish in time"):
        selector.evaluate(ctx)
