"""``arazzo list``, ``arazzo describe`` and ``arazzo graph``: look at workflows without running.

- ``list``: every workflow with its summary, inputs (required ones starred) and outputs.
- ``describe``: one workflow: its inputs schema, the steps with the operation each resolves to
  (``METHOD path`` in which source), criteria, actions and outputs.

A source description that cannot be loaded is a warning line on stderr, not a failure: the
three show the document's structure, steps that use the source with their target as written.
- ``graph``: a Mermaid flowchart of one workflow: default ``next`` edges, ``goto`` / ``retry``
  / ``end`` actions (self-loops included) and ``onFailure`` edges (dashed).

The three share :func:`workflow_summary`, which reads the compiled plan (:func:`arazzo.plan`),
so what they show is what ``run`` would execute (reusable objects resolved, workflow-level
actions merged into each step).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from arazzo.cli import add_access_options, choose_workflow, load_document

if TYPE_CHECKING:
    from arazzo import Document, PlannedAction, PlannedCriterion, PlannedStep

__all__ = ["register", "to_mermaid", "workflow_summary"]

LIST_EXAMPLES = """\
examples:
  arazzo list flow.arazzo.yaml
  arazzo list flow.arazzo.yaml --format json | jq '.[].workflowId'

exit status: 0 listed, 2 usage error, missing file or unreadable document
"""

DESCRIBE_EXAMPLES = """\
examples:
  arazzo describe flow.arazzo.yaml
  arazzo describe flow.arazzo.yaml --workflow train-then-deploy
  arazzo describe flow.arazzo.yaml -w train-then-deploy --format json

Each step shows the operation it resolves to (METHOD path, source and operationId), its
success criteria, its actions ('when' lists their criteria) and its outputs.

exit status: 0 described, 1 a step's operation or an action target does not resolve,
2 usage error (unknown workflow, missing file)
"""

GRAPH_EXAMPLES = """\
examples:
  arazzo graph flow.arazzo.yaml > flow.mmd
  arazzo graph flow.arazzo.yaml --workflow train-then-deploy --markdown >> docs/flows.md
  arazzo graph flow.arazzo.yaml --direction LR --criteria

Solid edges: success (the default 'next', goto, end, retry); dashed edges: onFailure actions.
A step's default failure (the workflow fails) is drawn only with --failures.

exit status: 0 printed, 1 the workflow does not compile, 2 usage error
"""


def register(subparsers: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = subparsers.add_parser(
        "list", help="list the workflows with their inputs and outputs",
        description="List the workflows of an Arazzo description with their inputs and "
                    "outputs.", epilog=LIST_EXAMPLES, formatter_class=fmt)
    parser.add_argument("file", metavar="FILE", help="Arazzo document (YAML/JSON)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    add_access_options(parser)
    parser.set_defaults(handler=run_list)

    parser = subparsers.add_parser(
        "describe", help="show a workflow: inputs, steps, operations, actions",
        description="Describe one workflow: its inputs schema, each step with the operation "
                    "it resolves to, criteria, actions and outputs.",
        epilog=DESCRIBE_EXAMPLES, formatter_class=fmt)
    parser.add_argument("file", metavar="FILE", help="Arazzo document (YAML/JSON)")
    parser.add_argument("--workflow", "-w", metavar="ID",
                        help="workflowId (optional when there is only one)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    add_access_options(parser)
    parser.set_defaults(handler=run_describe)

    parser = subparsers.add_parser(
        "graph", help="print a Mermaid flowchart of a workflow",
        description="Print a Mermaid flowchart of one workflow: steps, goto/retry/end edges "
                    "and loops.", epilog=GRAPH_EXAMPLES, formatter_class=fmt)
    parser.add_argument("file", metavar="FILE", help="Arazzo document (YAML/JSON)")
    parser.add_argument("--workflow", "-w", metavar="ID",
                        help="workflowId (optional when there is only one)")
    parser.add_argument("--direction", choices=("TD", "LR", "BT", "RL"), default="TD",
                        help="flowchart direction (default: TD, top-down)")
    parser.add_argument("--markdown", action="store_true",
                        help="wrap the chart in a ```mermaid fence, ready for a Markdown page")
    parser.add_argument("--criteria", action="store_true",
                        help="label action edges with their criteria, not only their names")
    parser.add_argument("--failures", action="store_true",
                        help="also draw each step's default failure edge")
    add_access_options(parser)
    parser.set_defaults(handler=run_graph)


# ------------------------------------------------------------------------------------------
# data


def _schema_inputs(document: Document, schema: Any) -> list[dict[str, Any]]:
    schema = document.deref(schema)
    if not isinstance(schema, dict):
        return []
    required = set(schema.get("required") or [])
    out = []
    for name, raw in (schema.get("properties") or {}).items():
        prop = document.deref(raw)
        prop = prop if isinstance(prop, dict) else {}
        item: dict[str, Any] = {"name": name, "required": name in required}
        kind = prop.get("type")
        if kind is not None:
            item["type"] = kind if isinstance(kind, str) else "|".join(map(str, kind))
        for key in ("format", "default", "description", "enum"):
            if key in prop:
                item[key] = prop[key]
        item["secret"] = prop.get("format") == "password" or prop.get("writeOnly") is True
        out.append(item)
    return out


def list_data(document: Document) -> list[dict[str, Any]]:
    """What ``arazzo list --format json`` prints."""
    out = []
    for workflow in document.spec.workflows:
        item = {
            "workflowId": workflow.workflow_id,
            "summary": workflow.summary,
            "inputs": _schema_inputs(document, workflow.inputs),
            "outputs": list(workflow.outputs or {}),
            "steps": len(workflow.steps),
            "dependsOn": list(workflow.depends_on or []),
        }
        asynchronous = [s.step_id for s in workflow.steps if s.action is not None
                        or s.channel_path is not None]
        if asynchronous:  # Arazzo 1.1 AsyncAPI steps (described, not run yet)
            item["asyncSteps"] = asynchronous
        out.append(item)
    return out


def _criterion(c: PlannedCriterion) -> str:
    text = c.text
    return text if c.kind == "simple" else f"{text} ({c.kind})"


def _action(action: PlannedAction) -> dict[str, Any]:
    item: dict[str, Any] = {"name": action.name, "type": action.type}
    if action.step_id:
        item["stepId"] = action.step_id
    if action.workflow_id:
        item["workflowId"] = action.workflow_id
    if action.type == "retry":
        item["retryAfter"] = action.retry_after
        item["retryLimit"] = action.retry_limit
    if action.criteria:
        item["criteria"] = [_criterion(c) for c in action.criteria]
    return item


def _step(step: PlannedStep) -> dict[str, Any]:
    item: dict[str, Any] = {"stepId": step.step_id}
    if step.operation is not None:
        op = step.operation
        item["operation"] = {"method": op.method, "path": op.path, "source": op.source,
                             "operationId": op.operation_id, "server": op.server}
    elif step.asyncapi is not None:
        target = step.asyncapi
        item["asyncapi"] = {"action": target.action, "source": target.source,
                            "channel": target.channel, "address": target.address,
                            "operationId": target.operation_id}
    elif step.unloaded is not None:
        unloaded = step.unloaded
        item["unresolved"] = {"target": unloaded.target, "source": unloaded.source,
                              "reason": unloaded.reason}
    if step.workflow_id is not None:
        item["workflowId"] = step.workflow_id
    if step.depends_on:
        item["dependsOn"] = list(step.depends_on)
    if step.timeout_ms is not None:
        item["timeoutMs"] = step.timeout_ms
    item["parameters"] = list(step.parameters)
    if step.request_body is not None:
        item["requestBody"] = step.request_body
    item["successCriteria"] = [_criterion(c) for c in step.success_criteria]
    item["onSuccess"] = [_action(a) for a in step.on_success]
    item["onFailure"] = [_action(a) for a in step.on_failure]
    item["outputs"] = list(step.outputs)
    return item


def workflow_summary(document: Document, workflow_id: str) -> dict[str, Any]:
    """The compiled view of one workflow (what ``describe --format json`` prints).

    Raises :class:`~arazzo.ArazzoError` when a step's operation or an action target does
    not resolve. A step whose source description could not be loaded is described as
    written (``unresolved``: its target, the source and why), not an error.
    """
    from arazzo import plan

    steps = plan(document, workflow_id).steps
    workflow = document.spec.workflow(workflow_id)
    assert workflow is not None  # plan() found it
    sources = []
    for source in document.spec.source_descriptions:
        sources.append({"name": source.name, "type": source.type or "openapi",
                        "url": source.url})
    return {
        "workflowId": workflow_id,
        "summary": workflow.summary,
        "description": workflow.description,
        "sources": sources,
        "dependsOn": list(workflow.depends_on or []),
        "inputs": _schema_inputs(document, workflow.inputs),
        "inputsSchema": workflow.inputs,
        "steps": [_step(s) for s in steps],
        "outputs": dict(workflow.outputs or {}),
    }


# ------------------------------------------------------------------------------------------
# handlers


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _input_line(item: dict[str, Any]) -> str:
    kind = item.get("type", "any")
    if "format" in item:
        kind += f", {item['format']}"
    text = f"{item['name']}{'*' if item['required'] else ''} ({kind})"
    if "default" in item:
        text += f" = {_value(item['default'])}"
    return text


def _warn_unloaded(command: str, document: Document) -> None:
    """One warning line per source description that could not be loaded: the structure is
    still shown, the steps that use the source as written."""
    from arazzo import sources

    for source in sources(document):
        if not source.loaded:
            print(f"arazzo {command}: warning: source description {source.name!r} could "
                  f"not be loaded ({source.error}); steps that use it are shown "
                  "as written", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    document = load_document(args)
    _warn_unloaded("list", document)
    data = list_data(document)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return 0
    out = sys.stdout
    title = document.spec.info.title
    count = len(data)
    out.write(f"{args.file}: {title} ({count} workflow{'s' if count != 1 else ''})\n")
    for item in data:
        out.write(f"\n{item['workflowId']}")
        if item["summary"]:
            out.write(f"  {item['summary']}")
        out.write("\n")
        inputs = ", ".join(_input_line(i) for i in item["inputs"]) or "-"
        for n, line in enumerate(textwrap.wrap(inputs, 92) or ["-"]):
            out.write(f"  {'inputs: ' if n == 0 else '        '} {line}\n")
        outputs = ", ".join(item["outputs"]) or "-"
        for n, line in enumerate(textwrap.wrap(outputs, 92) or ["-"]):
            out.write(f"  {'outputs:' if n == 0 else '        '} {line}\n")
        steps = f"  steps:    {item['steps']}"
        if item["dependsOn"]:
            steps += f" (depends on {', '.join(item['dependsOn'])})"
        if item.get("asyncSteps"):
            steps += f"; AsyncAPI: {', '.join(item['asyncSteps'])} (not runnable yet)"
        out.write(steps + "\n")
    if any(i["required"] for item in data for i in item["inputs"]):
        out.write("\n(* required)\n")
    return 0


def _compile(args: argparse.Namespace) -> tuple[Document, str, dict[str, Any]] | None:
    from arazzo import ArazzoError

    document = load_document(args)
    _warn_unloaded(args.command_name, document)
    workflow_id = choose_workflow(document, args.workflow)
    try:
        return document, workflow_id, workflow_summary(document, workflow_id)
    except ArazzoError as exc:
        print(f"arazzo {args.command_name}: error: {exc} (run 'arazzo validate "
              f"{args.file}' for every problem)", file=sys.stderr)
        return None


def _action_line(action: dict[str, Any]) -> str:
    text = f"{action['name']}: {action['type']}"
    target = action.get("stepId") or action.get("workflowId")
    if target:
        text += f" {target}"
    if action["type"] == "retry":
        after = action.get("retryAfter")
        text += f" (limit {action['retryLimit']}" + (f", after {after:g}s)" if after is not None
                                                       else ")")
    if action.get("criteria"):
        text += "  when " + " and ".join(action["criteria"])
    return text


def _async_target(target: dict[str, Any]) -> str:
    """``send place-order  (orders: placeOrder, AsyncAPI)``."""
    where = target["address"] or target["channel"]
    what = target["operationId"] or f"channel {target['channel']}"
    return f"{target['action']} {where}  ({target['source']}: {what}, AsyncAPI)"


def run_describe(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return 1
    _, _, data = compiled
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return 0
    out = sys.stdout
    out.write(f"workflow {data['workflowId']}")
    out.write(f": {data['summary']}\n" if data["summary"] else "\n")
    if data["description"]:
        out.write(textwrap.fill(data["description"], 96, initial_indent="  ",
                                subsequent_indent="  ") + "\n")
    if data["dependsOn"]:
        out.write(f"depends on: {', '.join(data['dependsOn'])}\n")
    out.write("\nsources:\n")
    for source in data["sources"]:
        out.write(f"  {source['name']}  {source['type']}  {source['url']}\n")
    out.write("\ninputs:" + (" (none)\n" if not data["inputs"] else "\n"))
    width = max((len(i["name"]) for i in data["inputs"]), default=0) + 1
    for item in data["inputs"]:
        flags = "required" if item["required"] else "optional"
        if item["secret"]:
            flags += ", secret"
        kind = item.get("type", "any") + (f" ({item['format']})" if "format" in item else "")
        line = f"  {item['name']:<{width}} {kind:<10} {flags}"
        if "default" in item:
            line += f", default {_value(item['default'])}"
        if item.get("description"):
            line += f"  {item['description']}"
        out.write(line + "\n")
    out.write("\nsteps:\n")
    for number, step in enumerate(data["steps"], start=1):
        op = step.get("operation")
        if op is not None:
            target = f"{op['method']} {op['path']}  ({op['source']}"
            target += f": {op['operationId']})" if op["operationId"] else ")"
        elif "asyncapi" in step:
            target = _async_target(step["asyncapi"])
        elif "unresolved" in step:
            unresolved = step["unresolved"]
            target = f"{unresolved['target']}  ({unresolved['source']}: not loaded)"
        else:
            target = f"workflow {step['workflowId']}"
        out.write(f"  {number}. {step['stepId']}  {target}\n")
        if step.get("dependsOn"):
            out.write(f"       depends on: {', '.join(step['dependsOn'])}\n")
        if "timeoutMs" in step:
            out.write(f"       timeout:    {step['timeoutMs']} ms\n")
        if step["parameters"]:
            out.write(f"       parameters: {', '.join(step['parameters'])}\n")
        if "requestBody" in step:
            out.write(f"       body:       {step['requestBody']}\n")
        if step["successCriteria"]:
            out.write(f"       success:    {' and '.join(step['successCriteria'])}\n")
        for label, key in (("onSuccess:  ", "onSuccess"), ("onFailure:  ", "onFailure")):
            for n, action in enumerate(step[key]):
                out.write(f"       {label if n == 0 else ' ' * len(label)}"
                          f"{_action_line(action)}\n")
        if step["outputs"]:
            out.write(f"       outputs:    {', '.join(step['outputs'])}\n")
    out.write("\noutputs:" + (" (none)\n" if not data["outputs"] else "\n"))
    for name, expression in data["outputs"].items():
        out.write(f"  {name} = {expression}\n")
    return 0


# ------------------------------------------------------------------------------------------
# Mermaid


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;").replace("|", "#124;"))


def to_mermaid(data: dict[str, Any], *, direction: str = "TD", criteria: bool = False,
               failures: bool = False) -> str:
    """A Mermaid ``flowchart`` of a :func:`workflow_summary`."""
    steps = data["steps"]
    ids = {step["stepId"]: f"s{n}" for n, step in enumerate(steps, start=1)}
    lines = [f"flowchart {direction}", "  start([start])"]
    terminals: set[str] = set()
    for step in steps:
        op = step.get("operation")
        node = ids[step["stepId"]]
        if op is not None:
            what = op["operationId"] or f"{op['method']} {op['path']}"
            lines.append(f'  {node}["{_label(step["stepId"])}<br/><small>'
                         f'{_label(what)}</small>"]')
        elif "asyncapi" in step:
            target = step["asyncapi"]
            what = f"{target['action']} {target['address'] or target['channel']}"
            lines.append(f'  {node}>"{_label(step["stepId"])}<br/><small>'
                         f'{_label(what)}</small>"]')
        elif "unresolved" in step:
            what = step["unresolved"]["target"]
            lines.append(f'  {node}["{_label(step["stepId"])}<br/><small>'
                         f'{_label(what)}</small>"]')
        else:
            lines.append(f'  {node}[["{_label(step["stepId"])}<br/><small>workflow '
                         f'{_label(step["workflowId"])}</small>"]]')
    for step in steps:  # Arazzo 1.1 dependsOn on steps of this workflow (V11-STP-08)
        for dep in step.get("dependsOn", []):
            if dep in ids:
                lines.append(f'  {ids[dep]} -.-o|"dependsOn"| {ids[step["stepId"]]}')
    if steps:
        lines.append(f"  start --> {ids[steps[0]['stepId']]}")
    else:
        lines.append("  start --> succeeded([succeeded])")
        terminals.add("succeeded")

    def edge_label(action: dict[str, Any]) -> str:
        text = action["name"]
        if action["type"] == "retry":
            text += " (retry)"
        if criteria and action.get("criteria"):
            text += ": " + " and ".join(action["criteria"])
        return _label(text)

    for index, step in enumerate(steps):
        node = ids[step["stepId"]]
        for key, arrow in (("onSuccess", "-->"), ("onFailure", "-.->")):
            for action in step[key]:
                label = edge_label(action)
                if action["type"] == "end":
                    target = "succeeded" if key == "onSuccess" else "failed"
                    terminals.add(target)
                elif action.get("stepId"):
                    target = ids.get(action["stepId"], node)
                elif action.get("workflowId"):
                    target = "wf_" + "".join(ch if ch.isalnum() else "_"
                                             for ch in action["workflowId"])
                    lines.append(f'  {target}[["workflow {_label(action["workflowId"])}"]]')
                else:  # retry of this step
                    target = node
                lines.append(f'  {node} {arrow}|"{label}"| {target}')
        unconditional = any(not a.get("criteria") and a["type"] != "retry"
                            for a in step["onSuccess"])
        if not unconditional:
            label = '|"otherwise"|' if step["onSuccess"] else ""
            if index + 1 < len(steps):
                lines.append(f"  {node} -->{label} {ids[steps[index + 1]['stepId']]}")
            else:
                lines.append(f"  {node} -->{label} succeeded")
                terminals.add("succeeded")
        if failures and not any(not a.get("criteria") for a in step["onFailure"]):
            lines.append(f'  {node} -.->|"fail"| failed')
            terminals.add("failed")
    if "succeeded" in terminals:
        lines.append("  succeeded([succeeded])")
    if "failed" in terminals:
        lines.append("  failed([failed])")
    return "\n".join(lines) + "\n"


def run_graph(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if compiled is None:
        return 1
    chart = to_mermaid(compiled[2], direction=args.direction, criteria=args.criteria,
                       failures=args.failures)
    if args.markdown:
        chart = f"```mermaid\n{chart}```\n"
    sys.stdout.write(chart)
    return 0
