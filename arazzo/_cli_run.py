"""``arazzo run``: run one workflow; live progress, a timeline, outputs, reports, dry runs.

Output contract: ``--format text`` prints the timeline and outputs on stdout (live progress
goes to stderr, only when both are terminals); ``--format json`` prints exactly one JSON
document on stdout (:meth:`RunResult.to_dict`). ``--dry-run`` builds the requests without
sending anything (see :func:`dry_run`). Reports (``--report junit=...``) are written after
the run, also when it failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arazzo.cli import UsageError, add_access_options, choose_workflow, load_document

if TYPE_CHECKING:
    from arazzo._engine import Engine
    from arazzo._loading import Document
    from arazzo._plan import StepPlan
    from arazzo._requests import Masker
    from arazzo._results import RunResult
    from arazzo.expressions import EvaluationContext

__all__ = ["dry_run", "register"]

EXAMPLES = """\
examples:
  arazzo run flow.arazzo.yaml --workflow train-then-deploy --inputs @inputs.json
  arazzo run flow.arazzo.yaml --input petId=42 --input 'tags=["a","b"]'
  arazzo run flow.arazzo.yaml --server petstore=http://127.0.0.1:8080 --format json
  arazzo run flow.arazzo.yaml --inputs @inputs.json --dry-run
  arazzo run flow.arazzo.yaml --report junit=out/junit.xml --report har=out/run.har
  arazzo run flow.arazzo.yaml --header 'Authorization=Bearer ${API_TOKEN}'
  arazzo run flow.arazzo.yaml --auth 'petstore.api_key=${PETSTORE_KEY}'
  arazzo run flow.arazzo.yaml --auth 'petstore.basic=${PET_USER}:${PET_PASSWORD}'
  arazzo run flow.arazzo.yaml --sigv4 sagemaker=sagemaker:us-east-1
  arazzo run flow.arazzo.yaml --loop-delay 5 --max-steps 500 --timeout 3600

--input values are parsed as JSON when they are valid JSON, else taken as strings; they
override --inputs. Secrets belong in the environment: --header values may use ${VAR}, and
secret headers (Authorization, Cookie, *token*, *api-key*...) must; so must --auth values
(credentials for the OpenAPI security schemes; the environment variables
ARAZZO_AUTH_<SOURCE>_<SCHEME> are read too: docs/auth.md). Semantics, limits and the loop
delay: docs/engine.md; reports: docs/reports.md.

exit status: 0 the workflow succeeded, 1 it failed (or the document has errors),
2 usage or input errors
"""

_INPUT_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="run a workflow (or show its requests with --dry-run)",
        description="Run a workflow of an Arazzo description.",
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
    parser.add_argument("--header", action="append", default=[],
                        metavar="[SOURCE:]NAME=VALUE",
                        help="add a header to every request (of one source); ${VAR} reads "
                             "the environment (required for secret headers) (repeatable)")
    parser.add_argument("--auth", action="append", default=[],
                        metavar="SOURCE.SCHEME=VALUE",
                        help="credentials for an OpenAPI security scheme, from the "
                             "environment: '${KEY}' (apiKey, bearer, an OAuth2 token), "
                             "'${USER}:${PASSWORD}' (basic), '${ID}:${SECRET}' (OAuth2 client "
                             "credentials); SOURCE=none sends without credentials (repeatable)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="default 10000")
    parser.add_argument("--loop-delay", type=float, metavar="S",
                        help="seconds before re-entering a step (default 1, 0 disables)")
    parser.add_argument("--timeout", type=float, metavar="S", help="overall time limit")
    parser.add_argument("--dry-run", action="store_true",
                        help="build and print the requests without sending anything")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text timeline (default) or the result as JSON on stdout")
    parser.add_argument("--report", action="append", default=[], metavar="FORMAT=PATH",
                        help="also write a report: junit, json or har (repeatable)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="text format: print only the outputs and the final line; no "
                             "progress")
    parser.add_argument("--no-progress", action="store_true",
                        help="no live progress line (it only shows on a terminal anyway)")
    add_access_options(parser)
    from arazzo._providers import cli_options

    for options in cli_options():  # the providers' own options (AWS: --aws-region, ...)
        options.add_arguments(parser)
    parser.set_defaults(handler=run)


# ------------------------------------------------------------------------------------------
# arguments


def _parse_inputs(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The inputs, and the keys given with ``--input`` (checked against the workflow later)."""
    inputs: dict[str, Any] = {}
    if args.inputs:
        text = args.inputs
        where = "--inputs"
        if text.startswith("@"):
            path = Path(text[1:])
            if not path.is_file():
                raise UsageError(f"--inputs file not found: {path}")
            text = path.read_text(encoding="utf-8")
            where = f"--inputs file {path}"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{where} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{where} must be a JSON object, got {type(data).__name__}")
        inputs.update(data)
    keys = []
    for pair in args.input:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--input takes KEY=VALUE, got {pair!r}")
        if not _INPUT_NAME.match(key):
            raise UsageError(f"--input {key!r} is not a valid input name (letters, digits, "
                             "'_', '.', '-')")
        try:
            inputs[key] = json.loads(value)
        except ValueError:
            inputs[key] = value
        keys.append(key)
    return inputs, keys


def _check_input_keys(document: Document, workflow_id: str, keys: list[str]) -> None:
    """An ``--input`` name the workflow does not declare is a typo, unless the schema allows
    additional properties explicitly."""
    import difflib

    from arazzo._plan import _deref

    if not keys:
        return
    workflow = document.spec.workflow(workflow_id)
    schema = _deref(workflow.inputs, document.raw) if workflow is not None and \
        workflow.inputs else None
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return
    if schema.get("additionalProperties", False) not in (False, None):
        return
    declared = list(schema["properties"])
    for key in keys:
        if key not in declared:
            close = difflib.get_close_matches(key, declared, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--input {key!r}: workflow {workflow_id!r} has no such input"
                             f"{hint} (inputs: {', '.join(declared)})")


def _servers(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep or not name or not url:
            raise UsageError(f"--server takes NAME=URL, got {pair!r}")
        out[name] = url
    return out


@dataclass(frozen=True)
class _Header:
    source: str | None
    name: str
    value: str
    secret: bool


def _headers(pairs: list[str]) -> list[_Header]:
    from arazzo._requests import is_secret_header

    out = []
    for pair in pairs:
        head, sep, value = pair.partition("=")
        source, colon, name = head.partition(":")
        if not colon:
            source, name = "", head
        if not sep or not _HEADER_NAME.match(name) or (colon and not source):
            raise UsageError(f"--header takes [SOURCE:]NAME=VALUE, got {head!r}")
        secret = is_secret_header(name)
        refs = _ENV_REF.findall(value)
        if secret and not refs:
            raise UsageError(f"--header {name}: secret values are read from the environment "
                             f"only, e.g. --header '{name}=Bearer ${{API_TOKEN}}'")
        for ref in refs:
            if ref not in os.environ:
                raise UsageError(f"--header {name}: environment variable {ref} is not set")
        expanded = _ENV_REF.sub(lambda m: os.environ[m.group(1)], value)
        if "\n" in expanded or "\r" in expanded:
            raise UsageError(f"--header {name}: the value contains a line break")
        out.append(_Header(source or None, name, expanded, secret or bool(refs)))
    return out


def _expand(option: str, text: str) -> str:
    for ref in _ENV_REF.findall(text):
        if ref not in os.environ:
            raise UsageError(f"{option}: environment variable {ref} is not set")
    return _ENV_REF.sub(lambda m: os.environ[m.group(1)], text)


def _auth(pairs: list[str], document: Document) -> dict[str, Any]:
    """``--auth SOURCE.SCHEME=VALUE`` as the ``auth=`` mapping. Secret parts must come from
    the environment (``${VAR}``), as for secret ``--header`` values."""
    import difflib

    from arazzo._auth import SchemeUse, _raw_schemes, env_name
    from arazzo._run import _openapi_sources

    sources = _openapi_sources(document)
    out: dict[str, Any] = {}
    for pair in pairs:
        head, sep, value = pair.partition("=")
        source, dot, scheme = head.partition(".")
        if not sep or not source or (dot and not scheme):
            raise UsageError(f"--auth takes SOURCE.SCHEME=VALUE (or SOURCE=none), got {head!r}")
        if source not in sources:
            close = difflib.get_close_matches(source, list(sources), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--auth {head}: no OpenAPI source description named "
                             f"{source!r}{hint}")
        if not dot:
            if value.strip().lower() != "none":
                raise UsageError(f"--auth {source}: give SOURCE.SCHEME=VALUE, or "
                                 f"{source}=none to send without credentials")
            out[source] = None
            continue
        declared = _raw_schemes(sources[source])
        raw = declared.get(scheme)
        if not isinstance(raw, dict):
            close = difflib.get_close_matches(scheme, [str(k) for k in declared], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--auth {head}: source {source!r} declares no security scheme "
                             f"{scheme!r}{hint} (schemes: "
                             f"{', '.join(str(k) for k in declared) or 'none'})")
        kind = SchemeUse(source, scheme, raw).kind
        pair_form = kind == "basic" or (kind == "oauth2" and ":" in value)
        first, colon, second = value.partition(":") if pair_form else ("", "", value)
        if pair_form and not colon:
            raise UsageError(f"--auth {head}: HTTP basic takes USER:PASSWORD, e.g. "
                             f"--auth '{head}=${{USER}}:${{PASSWORD}}'")
        if not _ENV_REF.search(second):
            example = "${USER}:${PASSWORD}" if kind == "basic" else "${VAR}"
            raise UsageError(f"--auth {head}: secret values are read from the environment "
                             f"only, e.g. --auth '{head}={example}' (or set "
                             f"{env_name(source, scheme)}...)")
        credential: Any
        if not pair_form:
            credential = _expand(f"--auth {head}", value)
        elif kind == "basic":
            credential = (_expand(f"--auth {head}", first), _expand(f"--auth {head}", second))
        else:
            credential = {"client_id": _expand(f"--auth {head}", first),
                          "client_secret": _expand(f"--auth {head}", second)}
        if not isinstance(out.get(source), dict):
            out[source] = {}
        out[source][scheme] = credential
    return out


def _reports(pairs: list[str]) -> list[tuple[str, str]]:
    if not pairs:
        return []
    from arazzo._reports import REPORT_FORMATS

    out = []
    for pair in pairs:
        kind, sep, path = pair.partition("=")
        if not sep or not path or kind not in REPORT_FORMATS:
            raise UsageError(f"--report takes FORMAT=PATH with FORMAT one of "
                             f"{', '.join(REPORT_FORMATS)}, got {pair!r}")
        if Path(path).is_dir():
            raise UsageError(f"--report {kind}: {path} is a directory")
        out.append((kind, path))
    return out


def _header_transports(document: Document, headers: list[_Header],
                       given: dict[str, Any]) -> dict[str, Any]:
    if not headers:
        return given
    from arazzo._cli_transport import HeaderTransport
    from arazzo._providers import provider_transport
    from arazzo._run import _openapi_sources
    from arazzo._transports import default_transport

    sources = _openapi_sources(document)
    for header in headers:
        if header.source is not None and header.source not in sources:
            import difflib

            close = difflib.get_close_matches(header.source, list(sources), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--header {header.source}:{header.name}: no source description "
                             f"named {header.source!r}{hint}")
    out = dict(given)
    for name, source in sources.items():
        mine = [h for h in headers if h.source in (None, name)]
        if mine:
            inner = given.get(name)
            handles = inner is not None or any(h.secret for h in mine)
            if inner is None:
                inner = provider_transport(source, default_transport(), asynchronous=False)
            out[name] = HeaderTransport(inner, [(h.name, h.value) for h in mine],
                                        handles_auth=handles)
    return out


# ------------------------------------------------------------------------------------------
# the run


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(
        value, bytes) else f"<{len(value)} bytes>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_progress(args: argparse.Namespace) -> bool:
    from arazzo._progress import wanted

    if args.quiet or args.no_progress or args.log_level:
        return False
    return wanted(sys.stdout) and wanted(sys.stderr)


def _write_reports(reports: list[tuple[str, str]], result: RunResult, recorder: Any,
                   document: str) -> None:
    if not reports:
        return
    from arazzo import _reports

    for kind, path in reports:
        if kind == "junit":
            text = _reports.junit_xml([(result, document)])
        elif kind == "json":
            text = json.dumps(_reports.json_report(result, document=document), indent=2,
                              ensure_ascii=False) + "\n"
        else:
            text = json.dumps(_reports.har(recorder, comment=f"arazzo run {document}"),
                              indent=2, ensure_ascii=False) + "\n"
        _reports.write_text(path, text)


@dataclass
class _Overrides:
    servers: dict[str, Any]
    transports: dict[str, Any]
    loop_delay: float | None = None


@contextlib.contextmanager
def _provider_overrides(args: argparse.Namespace, document: Document
                        ) -> Iterator[_Overrides]:
    """What the providers' options contribute to one run, set up around it."""
    from arazzo._providers import cli_options

    merged = _Overrides({}, {})
    with contextlib.ExitStack() as stack:
        for options in cli_options():
            extra = stack.enter_context(options.overrides(args, document))
            merged.servers.update(extra.servers)
            merged.transports.update(extra.transports)
            if merged.loop_delay is None:
                merged.loop_delay = extra.loop_delay
        yield merged


def run(args: argparse.Namespace) -> int:
    from arazzo._exceptions import ValidationFailed
    from arazzo._providers import cli_options
    from arazzo._run import run as run_workflow

    inputs, keys = _parse_inputs(args)
    servers = _servers(args.server)
    headers = _headers(args.header)
    reports = _reports(args.report)
    if args.dry_run and reports:
        raise UsageError("--report needs a real run; leave out --dry-run")
    document = load_document(args)
    workflow_id = choose_workflow(document, args.workflow)
    _check_input_keys(document, workflow_id, keys)
    auth = _auth(args.auth, document)
    if args.dry_run:
        regional = {k: v for options in cli_options()
                    for k, v in options.dry_run_servers(args, document).items()}
        servers = {**regional, **servers}
        return dry_run(args, document, workflow_id, inputs, servers, headers, auth)
    # Check the document and the inputs before anything starts (the emulator, a progress line):
    # bad inputs are a usage error with nothing sent and nothing started.
    from arazzo._run import _openapi_sources, _prepare

    # sources that get a secret --header or --sigv4 are trusted to authenticate
    handled = {name for name in _openapi_sources(document)
               if any(h.secret and h.source in (None, name) for h in headers)}
    for options in cli_options():
        handled.update(options.handled(args, document))
    try:
        _prepare(document, workflow_id, inputs, auth=auth, handled=handled)
    except ValidationFailed as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print("arazzo run: the document has errors; nothing was run", file=sys.stderr)
        return 1

    hooks: list[Any] = []
    progress = None
    if _show_progress(args):
        from arazzo._progress import Progress

        progress = Progress(sys.stderr)
        hooks.append(progress)
    recorder = None
    if any(kind == "har" for kind, _ in reports):
        from arazzo._reports import Recorder

        recorder = Recorder()
        hooks.append(recorder)
    try:
        with _provider_overrides(args, document) as extra:
            loop_delay = args.loop_delay if args.loop_delay is not None else extra.loop_delay
            transports = _header_transports(document, headers, dict(extra.transports))
            result = run_workflow(document, workflow_id, inputs,
                                  servers={**extra.servers, **servers} or None,
                                  transports=transports or None,
                                  max_steps=args.max_steps, loop_delay=loop_delay,
                                  timeout=args.timeout, hooks=hooks, auth=auth)
    except ValidationFailed as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print("arazzo run: the document has errors; nothing was run", file=sys.stderr)
        return 1
    finally:
        if progress is not None:
            progress.close()
    result = result.masked()  # from here on the result is only shown (terminal, reports)
    _write_reports(reports, result, recorder, args.file)
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
        return 0 if result.succeeded else 1
    from arazzo._timeline import ended_line, timeline_lines

    out = sys.stdout
    if not args.quiet:
        for line in timeline_lines(result):
            out.write(line + "\n")
    if result.outputs:
        out.write("outputs:\n")
        for key, value in result.outputs.items():
            out.write(f"  {key}: {_short(value)}\n")
    how = ended_line(result)
    ended = f" ({how})" if how else ""
    if result.succeeded:
        out.write(f"succeeded in {result.duration:.2f}s{ended}\n")
        return 0
    out.write(f"failed{ended}: {result.error}\n")
    return 1


# ------------------------------------------------------------------------------------------
# dry run

#: expression kinds whose value only exists once a response came back
_NEEDS_RESPONSE = frozenset({
    "steps", "outputs", "workflows", "statusCode", "url", "method", "request.header",
    "request.query", "request.path", "request.body", "response.header", "response.body"})


def _unresolved(step: StepPlan, ctx: EvaluationContext) -> list[dict[str, str]]:
    """Expressions of the step's parameters and body that have no value in ``ctx``."""
    from arazzo.expressions import MISSING

    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def check(where: str, value: Any) -> None:
        for expression in value.expressions():
            if expression.evaluate(ctx) is MISSING and (where, expression.text) not in seen:
                seen.add((where, expression.text))
                reason = "needs a response" if expression.kind in _NEEDS_RESPONSE else (
                    "input not given" if expression.kind == "inputs" else "no value")
                found.append({"in": where, "expression": expression.text, "reason": reason})

    for param in step.params:
        check(f"{param.location} {param.name}", param.value)
    if step.body is not None:
        if step.body.payload is not None:
            check("body", step.body.payload)
        for _, target, value in step.body.replacements:
            check(f"body {target}", value)
    return found


def _body_text(content: bytes | None, masker: Masker) -> str | None:
    if not content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(content)} bytes>"
    text = masker.text(text)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def dry_requests(document: Document, engine: Engine, headers: list[_Header],
                 signing: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every step of the workflow's request, built from the inputs alone (nothing is sent).

    The rule: steps are taken in document order, once each (branches need responses). A value
    that needs an earlier response (``$steps``, ``$response``, ``$statusCode``...) has no
    value yet: it is left out of the request, as the engine leaves out absent values, and is
    listed under ``unresolved``. The first step depends on inputs only, so its request is
    exactly what a run sends first (before transport signing). A path parameter without a
    value means the URL cannot be built: the step shows the error instead.
    """
    from arazzo._engine import _Frame
    from arazzo._exceptions import ArazzoError
    from arazzo._requests import MASK, RequestError
    from arazzo._run import _USER_AGENT

    masker = engine.masker
    frame = _Frame(engine.root, engine.inputs, 0)
    ctx = engine._context(frame)
    out: list[dict[str, Any]] = []
    for step in engine.root.steps:
        item: dict[str, Any] = {"stepId": step.step_id}
        if step.workflow is not None:
            item["workflowId"] = step.workflow[1]
            item["note"] = "runs a workflow: its requests depend on this step's inputs"
            out.append(item)
            continue
        item["unresolved"] = _unresolved(step, ctx)
        try:
            spec = engine._build(step, ctx)
        except (RequestError, ArazzoError) as exc:
            item["method"] = step.method
            item["error"] = masker.text(str(exc))
            out.append(item)
            continue
        auth_notes: list[str] = []
        if engine.auth is not None:
            from arazzo._auth import apply, describe_choice

            choice = engine.auth.choice(step)
            base = engine.servers.get(step.source or "") or step.server_url
            if choice is not None:
                tokens = {use.name: "<token>" for use, c in choice.schemes if c.kind == "client"}
                spec = apply(spec, choice, tokens)
                auth_notes = describe_choice(choice, base)
            problem = engine.auth.problems.get(id(step))
            if problem is not None:
                auth_notes.append(f"missing credentials: needs {problem}")
        sent = list(spec.headers)
        if not any(k.lower() == "user-agent" for k, _ in sent):
            sent.append(("User-Agent", _USER_AGENT))
        for header in headers:
            if header.source in (None, step.source):
                sent = [(k, v) for k, v in sent if k.lower() != header.name.lower()]
                sent.append((header.name, MASK if header.secret else header.value))
        item.update({
            "method": spec.method,
            "url": masker.url(spec.url),
            "source": step.source,
            "headers": [list(h) for h in masker.headers(sent)],
            "body": _body_text(spec.content, masker),
            "signing": (signing or {}).get(step.source or ""),
            "auth": auth_notes,
        })
        out.append(item)
    return out


def dry_run(args: argparse.Namespace, document: Document, workflow_id: str,
            inputs: dict[str, Any], servers: dict[str, str], headers: list[_Header],
            auth: dict[str, Any] | None = None) -> int:
    from arazzo._exceptions import ValidationFailed
    from arazzo._providers import cli_options
    from arazzo._run import _prepare

    handled: set[str] = set()
    signing: dict[str, str] = {}  # per source, how the providers sign it when sent
    for options in cli_options():
        handled.update(options.handled(args, document))
        signing.update(options.signing_notes(args, document))
    try:
        _, engine = _prepare(document, workflow_id, inputs, servers=servers or None,
                             auth=auth, check_auth=False, handled=handled)
    except ValidationFailed as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print("arazzo run: the document has errors", file=sys.stderr)
        return 1
    requests = dry_requests(document, engine, headers, signing)
    depends = [wf for _, wf in engine.root.depends_on]
    if args.format == "json":
        data = {"workflowId": workflow_id, "dryRun": True, "dependsOn": depends,
                "requests": requests}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    out = sys.stdout
    out.write(f"dry run of {workflow_id}: nothing is sent. Steps in document order; values "
              "that need a response are left out and listed.\n")
    if depends:
        out.write(f"(the workflows it depends on run first: {', '.join(depends)})\n")
    if getattr(args, "emulator", False):
        out.write("(--emulator: the requests would go to the local emulator instead)\n")
    for number, item in enumerate(requests, start=1):
        out.write(f"\n{number}. {item['stepId']}\n")
        if "workflowId" in item:
            out.write(f"   runs workflow {item['workflowId']}\n")
            continue
        if "error" in item:
            out.write(f"   {item['method']} (cannot build the request: {item['error']})\n")
        else:
            out.write(f"   {item['method']} {item['url']}\n")
            for key, value in item["headers"]:
                out.write(f"   {key}: {value}\n")
            if item["signing"]:
                out.write(f"   (signed with {item['signing']} when sent)\n")
            for note in item["auth"]:
                out.write(f"   (auth: {note})\n")
            if item["body"] is not None:
                out.write("\n")
                for line in item["body"].splitlines():
                    out.write(f"   {line}\n")
        for entry in item["unresolved"]:
            out.write(f"   unresolved {entry['in']}: {entry['expression']} "
                      f"({entry['reason']})\n")
    return 0
