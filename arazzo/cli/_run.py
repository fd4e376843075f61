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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arazzo.cli import (
    UsageError,
    add_access_options,
    add_criterion_option,
    choose_workflow,
    criterion_types,
    load_document,
    openapi_sources,
)

if TYPE_CHECKING:
    from arazzo import Document, DryRequest, RunResult

__all__ = ["RunSetup", "add_resume_options", "add_run_options", "add_store_option",
           "check_run", "dry_run", "execute_run", "parse_run_options", "print_result",
           "register"]

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
  arazzo run flow.arazzo.yaml --inputs @inputs.json --run-id train-42

--input values are parsed as JSON when they are valid JSON, else taken as strings; they
override --inputs. Secrets belong in the environment: --header values may use ${VAR}, and
secret headers (Authorization, Cookie, *token*, *api-key*...) must; so must --auth values
(credentials for the OpenAPI security schemes; the environment variables
ARAZZO_AUTH_<SOURCE>_<SCHEME> are read too: docs/auth.md). Semantics, limits and the loop
delay: docs/engine.md; reports: docs/reports.md. --run-id runs durably: the same command
again goes on where the run stopped ('arazzo runs --help', docs/cli.md).

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
    add_run_options(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="build and print the requests without sending anything")
    durable = parser.add_argument_group(
        "durable runs (docs/durable.md; needs arazzo[durable])")
    durable.add_argument("--run-id", metavar="ID",
                         help="run durably under this id: the same command again resumes "
                              "the run where it stopped, or shows a finished run's result "
                              "without sending anything")
    add_store_option(durable)
    add_resume_options(durable)
    parser.set_defaults(handler=run)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of a run, shared by ``arazzo run`` and ``arazzo runs resume``: inputs,
    servers, headers, credentials, limits, output, reports, the access, criterion and
    providers' options."""
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
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text timeline (default) or the result as JSON on stdout")
    from arazzo.observers._reports import REPORT_FORMATS

    parser.add_argument("--report", action="append", default=[], metavar="FORMAT=PATH",
                        help=f"also write a report: {', '.join(REPORT_FORMATS)} (repeatable)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="text format: print only the outputs and the final line; no "
                             "progress")
    parser.add_argument("--no-progress", action="store_true",
                        help="no live progress line (it only shows on a terminal anyway)")
    add_access_options(parser)
    add_criterion_option(parser)
    for options in _provider_cli():  # the providers' own options (AWS: --aws-region, ...)
        options.add_arguments(parser)


def add_store_option(parser: Any) -> None:
    """``--store URL``: where durable runs are kept (``arazzo run`` and ``arazzo runs``)."""
    parser.add_argument("--store", metavar="URL",
                        help="where durable runs are kept: sqlite:///PATH or "
                             "postgresql://... (default: $ARAZZO_STORE, else "
                             "sqlite:///.arazzo/runs.sqlite)")


def add_resume_options(parser: Any) -> None:
    """``--force`` and ``--resend``: how a durable run is resumed."""
    parser.add_argument("--force", action="store_true",
                        help="resume although the document changed since the run started")
    parser.add_argument("--resend", action="store_true",
                        help="resume by sending again a request that was in flight when "
                             "the run stopped and is not safe to repeat")


def _provider_cli() -> list[Any]:
    """The command-line options of the default providers that have some (``Provider.cli``)."""
    from arazzo import DEFAULT_PROVIDERS

    found = (getattr(p, "cli", None) for p in DEFAULT_PROVIDERS)
    return [options for options in found if options is not None]


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

    if not keys:
        return
    workflow = document.spec.workflow(workflow_id)
    schema = document.deref(workflow.inputs) if workflow is not None and \
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
    from arazzo import is_secret_header

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
    if not pairs:
        return {}
    import difflib

    sources = openapi_sources(document)
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
        declared = {s.name: s for s in sources[source].security_schemes}
        found = declared.get(scheme)
        if found is None:
            close = difflib.get_close_matches(scheme, list(declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--auth {head}: source {source!r} declares no security scheme "
                             f"{scheme!r}{hint} (schemes: "
                             f"{', '.join(declared) or 'none'})")
        kind = found.kind
        pair_form = kind == "basic" or (kind == "oauth2" and ":" in value)
        first, colon, second = value.partition(":") if pair_form else ("", "", value)
        if pair_form and not colon:
            raise UsageError(f"--auth {head}: HTTP basic takes USER:PASSWORD, e.g. "
                             f"--auth '{head}=${{USER}}:${{PASSWORD}}'")
        if not _ENV_REF.search(second):
            example = "${USER}:${PASSWORD}" if kind == "basic" else "${VAR}"
            raise UsageError(f"--auth {head}: secret values are read from the environment "
                             f"only, e.g. --auth '{head}={example}' (or set "
                             f"{found.env_var}...)")
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
    from arazzo.observers._reports import REPORT_FORMATS

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
    from arazzo import source_transport
    from arazzo.cli._transport import HeaderTransport

    sources = openapi_sources(document)
    for header in headers:
        if header.source is not None and header.source not in sources:
            import difflib

            close = difflib.get_close_matches(header.source, list(sources), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--header {header.source}:{header.name}: no source description "
                             f"named {header.source!r}{hint}")
    out = dict(given)
    for name in sources:
        mine = [h for h in headers if h.source in (None, name)]
        if mine:
            inner = given.get(name)
            handles = inner is not None or any(h.secret for h in mine)
            if inner is None:
                inner = source_transport(document, name)
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
    from arazzo.observers._progress import wanted

    if args.quiet or args.no_progress or args.log_level:
        return False
    return wanted(sys.stdout) and wanted(sys.stderr)


def _write_reports(reports: list[tuple[str, str]], result: RunResult, recorder: Any,
                   document: str) -> None:
    if not reports:
        return
    from arazzo.observers import _reports

    for kind, path in reports:
        _reports.write_text(path, _reports.render_report(kind, result, document=document,
                                                         recorder=recorder))


@dataclass
class _Overrides:
    servers: dict[str, Any]
    transports: dict[str, Any]
    loop_delay: float | None = None


@contextlib.contextmanager
def _provider_overrides(args: argparse.Namespace, document: Document
                        ) -> Iterator[_Overrides]:
    """What the providers' options contribute to one run, set up around it."""
    merged = _Overrides({}, {})
    with contextlib.ExitStack() as stack:
        for options in _provider_cli():
            extra = stack.enter_context(options.overrides(args, document))
            merged.servers.update(extra.servers)
            merged.transports.update(extra.transports)
            if merged.loop_delay is None:
                merged.loop_delay = extra.loop_delay
        yield merged


@dataclass
class RunSetup:
    """The run options of a command line, parsed and checked (:func:`parse_run_options`)."""

    inputs: dict[str, Any]
    #: the names given with ``--input`` (checked against the workflow by :func:`check_run`)
    keys: list[str]
    servers: dict[str, str]
    headers: list[_Header]
    reports: list[tuple[str, str]]
    criteria: Any
    auth: dict[str, Any] | None = None


def parse_run_options(args: argparse.Namespace) -> RunSetup:
    """The options of :func:`add_run_options`, parsed (what needs no document);
    :class:`UsageError` for a malformed one."""
    inputs, keys = _parse_inputs(args)
    return RunSetup(inputs, keys, _servers(args.server), _headers(args.header),
                    _reports(args.report), criterion_types(args))


def check_run(args: argparse.Namespace, setup: RunSetup, document: Document,
              workflow_id: str, *, check_inputs: bool = True) -> int | None:
    """Check the document, the ``--input`` names, the credentials and (``check_inputs``)
    the inputs before anything starts (the emulator, a progress line): bad inputs are a usage
    error with nothing sent and nothing started. Sets ``setup.auth``; an exit status when the
    document has errors (printed), else ``None``."""
    from arazzo import ValidationFailed
    from arazzo import check_run as check

    _check_input_keys(document, workflow_id, setup.keys)
    setup.auth = _auth(args.auth, document)
    if not check_inputs:
        return None
    # sources that get a secret --header or --sigv4 are trusted to authenticate (the sources
    # are read only when a secret header names some)
    handled: set[str] = set()
    if any(h.secret for h in setup.headers):
        handled = {name for name in openapi_sources(document)
                   if any(h.secret and h.source in (None, name) for h in setup.headers)}
    for options in _provider_cli():
        handled.update(options.handled(args, document))
    try:
        check(document, workflow_id, setup.inputs, auth=setup.auth, authenticated=handled,
              criteria=setup.criteria)
    except ValidationFailed as exc:
        return _document_errors(args, exc)
    return None


def _document_errors(args: argparse.Namespace, exc: Any) -> int:
    for diagnostic in exc.diagnostics:
        print(diagnostic.format(), file=sys.stderr)
    print(f"{_command(args)}: the document has errors; nothing was run", file=sys.stderr)
    return 1


def _command(args: argparse.Namespace) -> str:
    name = getattr(args, "command_name", None)
    return f"arazzo {name}" if name else "arazzo run"


def run(args: argparse.Namespace) -> int:
    from arazzo import run as run_workflow

    setup = parse_run_options(args)
    if args.dry_run and setup.reports:
        raise UsageError("--report needs a real run; leave out --dry-run")
    if args.run_id is None and (args.store or args.force or args.resend):
        raise UsageError("--store, --force and --resend are for durable runs: give --run-id")
    if args.dry_run and args.run_id is not None:
        raise UsageError("--run-id needs a real run; leave out --dry-run")
    document = load_document(args)
    workflow_id = choose_workflow(document, args.workflow)
    if args.dry_run:
        _check_input_keys(document, workflow_id, setup.keys)
        auth = _auth(args.auth, document)
        regional = {k: v for options in _provider_cli()
                    for k, v in options.dry_run_servers(args, document).items()}
        servers = {**regional, **setup.servers}
        return dry_run(args, document, workflow_id, setup.inputs, servers, setup.headers,
                       auth, setup.criteria)
    failed = check_run(args, setup, document, workflow_id)
    if failed is not None:
        return failed

    def start(**options: Any) -> RunResult:
        return run_workflow(document, workflow_id, setup.inputs, run_id=args.run_id,
                            store=args.store, force=args.force, resend_in_doubt=args.resend,
                            **options)

    return execute_run(args, setup, document, start)


def execute_run(args: argparse.Namespace, setup: RunSetup, document: Document,
                start: Callable[..., RunResult], *, document_name: str | None = None) -> int:
    """Run with the options of :func:`add_run_options` (``start(**options)`` calls
    :func:`arazzo.run` or :func:`arazzo.runs.resume`: servers, transports, limits, hooks,
    auth, criteria), with the progress line on a terminal; write the reports and print the
    result as ``arazzo run`` does. The exit status."""
    from arazzo import ValidationFailed

    hooks: list[Any] = []
    progress = None
    if _show_progress(args):
        from arazzo.observers._progress import Progress

        progress = Progress(sys.stderr)
        hooks.append(progress)
    recorder = None
    from arazzo.observers._reports import REPORT_FORMATS

    if any(REPORT_FORMATS[kind].records_exchanges for kind, _ in setup.reports):
        from arazzo.observers._reports import Recorder

        recorder = Recorder()
        hooks.append(recorder)
    try:
        with _provider_overrides(args, document) as extra:
            loop_delay = args.loop_delay if args.loop_delay is not None else extra.loop_delay
            transports = _header_transports(document, setup.headers, dict(extra.transports))
            result = start(servers={**extra.servers, **setup.servers} or None,
                           transports=transports or None, max_steps=args.max_steps,
                           loop_delay=loop_delay, timeout=args.timeout, hooks=hooks,
                           auth=setup.auth, criteria=setup.criteria)
    except ValidationFailed as exc:
        return _document_errors(args, exc)
    finally:
        if progress is not None:
            progress.close()
    result = result.masked()  # from here on the result is only shown (terminal, reports)
    _write_reports(setup.reports, result, recorder, document_name or args.file)
    return print_result(args, result)


def print_result(args: argparse.Namespace, result: RunResult) -> int:
    """Print a (masked) result as ``arazzo run`` does (``--format``, ``--quiet``); the exit
    status: 0 when it succeeded, else 1."""
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
        return 0 if result.succeeded else 1
    from arazzo.engine._timeline import ended_line, timeline_lines

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


def dry_requests(requests: tuple[DryRequest, ...],
                 signing: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The ``requests`` of ``--dry-run --format json`` (:func:`arazzo.dry_run`'s requests)."""
    out: list[dict[str, Any]] = []
    for request in requests:
        item: dict[str, Any] = {"stepId": request.step_id}
        if request.workflow_id is not None:
            item["workflowId"] = request.workflow_id
            item["note"] = "runs a workflow: its requests depend on this step's inputs"
        elif request.error is not None:
            item["unresolved"] = [u.to_dict() for u in request.unresolved]
            item["method"] = request.method
            item["error"] = request.error
        else:
            item.update({
                "unresolved": [u.to_dict() for u in request.unresolved],
                "method": request.method,
                "url": request.url,
                "source": request.source,
                "headers": [list(h) for h in request.headers],
                "body": request.body,
                "signing": (signing or {}).get(request.source or "", request.signing),
                "auth": list(request.auth),
            })
        out.append(item)
    return out


def dry_run(args: argparse.Namespace, document: Document, workflow_id: str,
            inputs: dict[str, Any], servers: dict[str, str], headers: list[_Header],
            auth: dict[str, Any] | None = None, criteria: Any = None) -> int:
    from arazzo import DEFAULT_CRITERIA, ValidationFailed
    from arazzo import dry_run as build_dry_run
    handled: set[str] = set()
    signing: dict[str, str] = {}  # per source, how the providers sign it when sent
    for options in _provider_cli():
        handled.update(options.handled(args, document))
        signing.update(options.signing_notes(args, document))
    try:
        found = build_dry_run(document, workflow_id, inputs, servers=servers or None,
                              auth=auth, authenticated=handled,
                              criteria=DEFAULT_CRITERIA if criteria is None else criteria,
                              headers=[(h.source, h.name, "***" if h.secret else h.value)
                                       for h in headers])
    except ValidationFailed as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        print("arazzo run: the document has errors", file=sys.stderr)
        return 1
    requests = dry_requests(found.requests, signing)
    depends = list(found.depends_on)
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
