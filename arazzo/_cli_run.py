"""``arazzo run``: run one workflow and print a timeline of its steps and its outputs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

EXAMPLES = """\
examples:
  arazzo run flow.arazzo.yaml --workflow train-then-deploy --inputs @inputs.json
  arazzo run flow.arazzo.yaml --input petId=42 --input 'tags=["a","b"]'
  arazzo run flow.arazzo.yaml --server petstore=http://127.0.0.1:8080 --format json
  arazzo run flow.arazzo.yaml --loop-delay 5 --max-steps 500 --timeout 3600

--input values are parsed as JSON when they are valid JSON, else taken as strings.
Semantics, limits and the loop delay are described in docs/engine.md.

exit status: 0 the workflow succeeded, 1 it failed (or the document has errors),
2 usage or input errors
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run a workflow", description="Run a workflow of an Arazzo description.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="Arazzo document (YAML/JSON)")
    parser.add_argument("--workflow", "-w", metavar="ID",
                        help="workflowId to run (optional when there is only one)")
    parser.add_argument("--inputs", metavar="@FILE|JSON",
                        help="inputs as a JSON object, or @file.json")
    parser.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                        help="one input (repeatable; overrides --inputs)")
    parser.add_argument("--server", action="append", default=[], metavar="NAME=URL",
                        help="base URL for a source description (repeatable)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="default 10000")
    parser.add_argument("--loop-delay", type=float, metavar="S",
                        help="seconds before re-entering a step (default 1, 0 disables)")
    parser.add_argument("--timeout", type=float, metavar="S", help="overall time limit")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text timeline (default) or the result as JSON on stdout")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="text format: print only the outputs and the final line")
    parser.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                        help="directory sources may be read from (repeatable)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host remote sources may be fetched from (repeatable)")
    from arazzo.aws._cli import add_run_arguments

    add_run_arguments(parser)
    parser.set_defaults(handler=run)


class _Usage(Exception):
    pass


def _parse_inputs(args: argparse.Namespace) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    if args.inputs:
        text = args.inputs
        if text.startswith("@"):
            path = Path(text[1:])
            if not path.is_file():
                raise _Usage(f"--inputs file not found: {path}")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _Usage(f"--inputs is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise _Usage("--inputs must be a JSON object")
        inputs.update(data)
    for pair in args.input:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _Usage(f"--input takes KEY=VALUE, got {pair!r}")
        try:
            inputs[key] = json.loads(value)
        except ValueError:
            inputs[key] = value
    return inputs


def _servers(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep or not name or not url:
            raise _Usage(f"--server takes NAME=URL, got {pair!r}")
        out[name] = url
    return out


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(
        value, bytes) else f"<{len(value)} bytes>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run(args: argparse.Namespace) -> int:
    from arazzo import load
    from arazzo._exceptions import ArazzoError, InputError, ValidationFailed
    from arazzo._run import run as run_workflow
    from arazzo.aws._cli import run_overrides

    try:
        inputs = _parse_inputs(args)
        servers = _servers(args.server)
        if not Path(args.file).is_file():
            raise _Usage(f"file not found: {args.file}")
    except _Usage as exc:
        print(f"arazzo run: error: {exc}", file=sys.stderr)
        return 2
    kwargs: dict[str, Any] = {"allow_hosts": args.allow_host}
    if args.allow_dir:
        kwargs["allow_dirs"] = args.allow_dir
    try:
        document = load(Path(args.file), **kwargs)
        with run_overrides(args, document) as extra:
            loop_delay = args.loop_delay if args.loop_delay is not None else extra.loop_delay
            result = run_workflow(document, args.workflow, inputs,
                                  servers={**extra.servers, **servers} or None,
                                  transports=extra.transports or None,
                                  max_steps=args.max_steps, loop_delay=loop_delay,
                                  timeout=args.timeout)
    except ValidationFailed as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print("arazzo run: the document has errors; nothing was run", file=sys.stderr)
        return 1
    except (InputError, ArazzoError) as exc:
        print(f"arazzo run: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
        return 0 if result.succeeded else 1
    out = sys.stdout
    if not args.quiet:
        for number, record in enumerate(result.steps, start=1 + result.dropped_records):
            attempt = f" #{record.attempt}" if record.attempt > 1 else ""
            request = f"{record.method} {record.url}" if record.method and record.url else (
                "(workflow)" if record.method is None else f"{record.method} (not sent)")
            status = str(record.status_code) if record.status_code is not None else "-"
            action = ""
            if record.action is not None:
                label = record.action.type
                if record.action.target:
                    label += f" {record.action.target}"
                if record.action.name:
                    label += f" ({record.action.name})"
                action = f" -> {label}"
            out.write(f"{number:>4}  {record.workflow_id}/{record.step_id}{attempt}  {request}  "
                      f"{status}  {record.duration:.3f}s{action}\n")
            for failure in record.failures:
                out.write(f"        ! {failure}\n")
    if result.outputs:
        out.write("outputs:\n")
        for key, value in result.outputs.items():
            out.write(f"  {key}: {_short(value)}\n")
    if result.succeeded:
        ended = f" (ended by {result.ended_by})" if result.ended_by else ""
        out.write(f"succeeded{ended} in {result.duration:.2f}s\n")
        return 0
    ended = f" (ended by {result.ended_by})" if result.ended_by else ""
    out.write(f"failed{ended}: {result.error}\n")
    return 1
