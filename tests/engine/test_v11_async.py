"""Arazzo 1.1 AsyncAPI steps: parsed, validated, listed, described and graphed like any step;
running one stops before any request with an error that names the step (V11-STP-01..07,
V11-ASY-01, V11-AMB-04..08, V11-AMB-15).

The documents are in tests/engine/data/v11: an OpenAPI description, an AsyncAPI 3 description
with a send and a receive operation, and a 1.1 workflow that calls both.
"""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from engine_support import DATA
from server import Reply, ScriptedServer

import arazzo
from arazzo.cli import main

V11 = DATA / "v11"
ORDER = V11 / "order.arazzo.yaml"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    for name in ("pets.openapi.yaml", "orders.asyncapi.yaml"):
        shutil.copy(V11 / name, tmp_path / name)
    text = ORDER.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "order.arazzo.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_V11_SRC_01_asyncapi_sources_load_and_validate() -> None:
    assert arazzo.validate(ORDER) == []
    doc = arazzo.load(ORDER)
    source = doc.sources["orders"]
    assert isinstance(source, arazzo.AsyncAPISource)
    assert source.version == "3.0.0"
    assert sorted(source.operations) == ["confirmOrder", "placeOrder"]
    assert source.channel_of("placeOrder") == "place-order"
    info = {s.name: s for s in arazzo.sources(ORDER)}["orders"]
    assert (info.type, info.loaded) == ("asyncapi", True)
    assert [(o.method, o.path, o.operation_id) for o in info.operations] == [
        ("SEND", "orders.place", "placeOrder"), ("RECEIVE", "orders.confirmed", "confirmOrder")]


def test_V11_STP_01_plan_describes_asyncapi_steps() -> None:
    steps = {s.step_id: s for s in arazzo.plan(ORDER, "order").steps}
    assert steps["getPet"].asyncapi is None
    assert steps["getPet"].operation is not None
    send = steps["placeOrder"]
    assert send.asyncapi == arazzo.PlannedAsyncOperation(
        "send", "orders", "place-order", "orders.place", "placeOrder")
    assert send.parameters == ("header:orderRequestId",)
    assert send.operation is None
    receive = steps["awaitConfirmation"]
    assert receive.asyncapi is not None
    assert (receive.asyncapi.action, receive.asyncapi.address) == ("receive", "orders.confirmed")
    assert (receive.depends_on, receive.timeout_ms) == (("placeOrder",), 5000)


def test_V11_ASY_01_running_an_asyncapi_step_stops_before_any_request(
        server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={"name": "Rex"}))
    with pytest.raises(arazzo.UnsupportedFeature) as caught:
        arazzo.run(ORDER, "order", {"petId": "1", "requestId": "r-1"},
                   servers={"pets": server.url + "/v1"})
    assert caught.value.step_id == "placeOrder"
    assert caught.value.workflow_id == "order"
    assert "AsyncAPI" in caught.value.message
    assert "'orders.place'" in caught.value.message
    assert server.requests == []  # not even the HTTP step before it ran


def test_V11_ASY_01_reached_through_a_sub_workflow_is_refused_up_front(
        server: ScriptedServer) -> None:
    server.route("GET", "/v1/pets/{petId}", Reply(200, json={"name": "Rex"}))
    with pytest.raises(arazzo.UnsupportedFeature, match="'placeOrder' of workflow 'order'"):
        arazzo.run(ORDER, "lookupThenOrder", {"petId": "1"},
                   servers={"pets": server.url + "/v1"})
    assert server.requests == []
    # a workflow with no AsyncAPI step runs as before
    result = arazzo.run(ORDER, "lookup", {"petId": "1"}, servers={"pets": server.url + "/v1"})
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == ["/v1/pets/1"]


def test_V11_ASY_01_cli_run_says_which_step_without_a_traceback(server: ScriptedServer) -> None:
    code, _out, err = cli("run", str(ORDER), "-w", "order", "--inputs", '{"petId": "1"}',
                         "--server", f"pets={server.url}/v1")
    assert code == 1  # the document cannot run (not a usage error)
    assert "step 'placeOrder' of workflow 'order' is an AsyncAPI step" in err
    assert "Traceback" not in err
    assert server.requests == []


def test_V11_STP_01_list_describe_and_graph_show_asyncapi_steps() -> None:
    code, out, _ = cli("list", str(ORDER))
    assert code == 0
    assert "AsyncAPI: placeOrder, awaitConfirmation (not runnable yet)" in out
    code, out, _ = cli("describe", str(ORDER), "-w", "order")
    assert code == 0
    assert "2. placeOrder  send orders.place  (orders: placeOrder, AsyncAPI)" in out
    assert "3. awaitConfirmation  receive orders.confirmed  (orders: confirmOrder, AsyncAPI)" \
        in out
    assert "depends on: placeOrder" in out
    assert "timeout:    5000 ms" in out
    code, out, _ = cli("describe", str(ORDER), "-w", "order", "--format", "json")
    data = json.loads(out)
    assert data["steps"][1]["asyncapi"] == {
        "action": "send", "source": "orders", "channel": "place-order",
        "address": "orders.place", "operationId": "placeOrder"}
    assert data["sources"][1] == {"name": "orders", "type": "asyncapi",
                                  "url": "./orders.asyncapi.yaml"}
    code, out, _ = cli("graph", str(ORDER), "-w", "order")
    assert code == 0
    assert 's2>"placeOrder<br/><small>send orders.place</small>"]' in out
    assert 's2 -.-o|"dependsOn"| s3' in out


@pytest.mark.parametrize(("old", "new", "rule", "text"), [
    pytest.param("    action: send\n", "", "async-action", "has no 'action'",
                 id="V11-AMB-06 no action"),
    pytest.param("operationId: $sourceDescriptions.orders.confirmOrder",
                 "channelPath: confirm-order", "unresolved-operation",
                 "#/channels/<channel key>", id="V11-AMB-08 bare channelPath"),
    pytest.param("operationId: $sourceDescriptions.orders.confirmOrder",
                 "channelPath: '{$sourceDescriptions.pets.url}#/channels/confirm-order'",
                 "unresolved-operation", "is not an AsyncAPI description",
                 id="V11-AMB-07 channelPath into OpenAPI"),
    pytest.param("operationId: $sourceDescriptions.orders.confirmOrder",
                 "channelPath: '{$sourceDescriptions.orders.url}#/channels/confirm'",
                 "unresolved-operation", "did you mean 'confirm-order'",
                 id="V11-STP-02 unknown channel"),
    pytest.param("$sourceDescriptions.orders.placeOrder", "$sourceDescriptions.orders.placeOrdr",
                 "unresolved-operation", "did you mean 'placeOrder'",
                 id="V11-AMB-05 unknown operation"),
    pytest.param("    timeout: 5000\n", "    timeout: 0\n", "step-timeout", "greater than 0",
                 id="V11-AMB-12 timeout 0"),
    pytest.param("    dependsOn: [placeOrder]\n", "    dependsOn: [placeOrdr]\n", "depends-on",
                 "did you mean 'placeOrder'", id="V11-STP-09 unknown step"),
    pytest.param("    dependsOn: [placeOrder]\n",
                 "    dependsOn: ['$workflows.lookup.steps.nope']\n", "depends-on",
                 "workflow 'lookup' has no step 'nope'", id="V11-STP-09 other workflow"),
    pytest.param("    dependsOn: [placeOrder]\n", "    dependsOn: [awaitConfirmation]\n",
                 "depends-on", "cannot depend on itself", id="V11-STP-08 itself"),
    pytest.param("    parameters: [{name: orderRequestId, in: header,",
                 "    parameters: [{name: orderRequestId, in: query,", "parameter-in",
                 "message headers", id="V11-AMB-15 query on async"),
    pytest.param("    correlationId: $inputs.requestId\n",
                 "    correlationId: $inputs.requestId\n    requestBody: {payload: {a: 1}}\n",
                 "async-body", "a receive step sends nothing", id="V11-AMB-15 receive body"),
    pytest.param("    correlationId: $inputs.requestId\n",
                 "    correlationId: $inputs.requestId\n"
                 "    successCriteria: [{condition: $statusCode == 200}]\n",
                 "async-expression", "$statusCode has no value there", id="V11-AMB-14 HTTP"),
    pytest.param("    outputs: {name: $response.body#/name}\n",
                 "    outputs: {name: $response.body#/name, id: $message.payload#/id}\n",
                 "async-expression", "so it has no message", id="V11-AMB-14 message"),
    pytest.param("    successCriteria: [{condition: $statusCode == 200}]\n    outputs: {name",
                 "    action: receive\n    successCriteria: [{condition: $statusCode == 200}]"
                 "\n    outputs: {name", "async-field", "applies to AsyncAPI steps only",
                 id="V11-STP-05 action on OpenAPI"),
])
def test_asyncapi_step_errors(tmp_path: Path, old: str, new: str, rule: str, text: str) -> None:
    path = copy_with(tmp_path, old, new)
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert [d.rule for d in errors] == [rule], errors
    assert text in errors[0].message
    assert errors[0].line is not None


def test_V11_VER_01_asyncapi_source_in_a_1_0_document(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "arazzo: 1.1.0", "arazzo: 1.0.1")
    errors = [d for d in arazzo.validate(path) if d.is_error]
    assert ("schema", "/sourceDescriptions/1/type") in [(d.rule, d.pointer) for d in errors]
    assert all("Arazzo 1.1" in d.message for d in errors if d.rule == "schema")
    # without the declared type the source is sniffed; a 1.0 document cannot use it either
    shutil.copy(V11 / "orders.asyncapi.yaml", tmp_path / "events.yaml")
    path = tmp_path / "plain.arazzo.yaml"
    path.write_text("""arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
- {name: pets, url: ./pets.openapi.yaml, type: openapi}
- {name: orders, url: ./events.yaml}
workflows:
- workflowId: w
  steps:
  - {stepId: s, operationId: $sourceDescriptions.pets.getPet,
     parameters: [{name: petId, in: path, value: '1'}]}
""", encoding="utf-8")
    loads = [d for d in arazzo.validate(path) if d.rule == "source-load"]
    assert len(loads) == 1
    assert "an AsyncAPI source description (V11-SRC-01) is Arazzo 1.1" in loads[0].message


def test_V11_AMB_04_asyncapi_2_is_not_read(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "", "")
    (tmp_path / "orders.asyncapi.yaml").write_text(
        "asyncapi: 2.6.0\ninfo: {title: Old, version: '1'}\nchannels: {}\n", encoding="utf-8")
    loads = [d for d in arazzo.validate(path) if d.rule == "source-load"]
    assert len(loads) == 1
    assert "AsyncAPI 2.6.0 is not supported; this library reads AsyncAPI 3.x" in \
        loads[0].message


def test_V11_AMB_12_a_receive_step_without_timeout_is_warned_about(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "    timeout: 5000\n", "")
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity.value) for d in diags] == [("async-timeout", "warning")]
    assert "has no 'timeout'" in diags[0].message


def test_V11_AMB_43_a_body_on_a_workflow_step_is_ignored_with_a_warning(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "    workflowId: lookup\n",
                     "    workflowId: lookup\n    requestBody: {payload: {a: 1}}\n")
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity.value) for d in diags] == [("workflow-body", "warning")]
