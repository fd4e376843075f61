"""What a cold ``arazzo`` process loads (the start-up cost of every CLI call), and that it
leaves no pooled connection open at exit.

Not timed (timings live in ``benchmarks/``): these tests pin *which* modules a plain run
imports, in a fresh interpreter. A valid document with valid inputs, sent over plain HTTP,
needs none of jsonschema (the fast schema check answers), httpx, asyncio, ssl, or the
regex/JSONPath/XPath and AWS libraries; each of them costs milliseconds to tens of
milliseconds of start-up (docs/performance.md, workload 6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from server import Reply, ScriptedServer

import arazzo.documents.models._arazzo
import arazzo.documents.models._base
import arazzo.documents.models._openapi

#: modules a plain run must not load
HEAVY = ("jsonschema", "referencing", "httpx", "httpcore", "asyncio", "ssl", "regex",
         "jsonpath_rfc9535", "jsonpath_ng", "elementpath", "botocore", "xml.etree.ElementTree")

OPENAPI = """\
openapi: 3.0.3
info: {title: items, version: '1'}
servers: [{url: 'SERVER'}]
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses: {'201': {description: created}}
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: the item}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: cold start, version: '1'}
sourceDescriptions:
  - {name: api, url: ./api.yaml, type: openapi}
workflows:
  - workflowId: createAndFetch
    inputs:
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 1}
        count: {type: integer, minimum: 0, default: 1}
    steps:
      - stepId: create
        operationId: createItem
        requestBody:
          contentType: application/json
          payload: {name: $inputs.name, count: $inputs.count}
        successCriteria: [{condition: $statusCode == 201}]
        outputs: {id: $response.body#/id}
      - stepId: fetch
        operationId: getItem
        parameters: [{name: id, in: path, value: $steps.create.outputs.id}]
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {name: $response.body#/name}
    outputs: {name: $steps.fetch.outputs.name}
"""

# Runs the CLI in a fresh interpreter, then reports its exit code and the heavy modules loaded.
PROBE = textwrap.dedent("""\
    import atexit, json, sys
    from arazzo.cli import main
    try:
        code = main(sys.argv[2:])
    except SystemExit as exit:  # --help
        code = exit.code
    heavy = json.loads(sys.argv[1])
    loaded = [m for m in heavy if m in sys.modules]
    pools = sys.modules.get("arazzo.transports._httpx")
    atexit._run_exitfuncs()  # what the interpreter runs at exit, run now to look after it
    left = 0
    if pools is not None and pools._CLIENT is not None:
        left += pools._CLIENT.idle_connections()
    if pools is not None and pools._DEFAULT is not None:
        left += len(pools._DEFAULT._pool.connections)
    print(json.dumps({"code": code, "loaded": loaded, "left": left}), file=sys.stderr)
""")


def _probe(args: list[str], cwd: Path, watch: tuple[str, ...] = HEAVY
           ) -> tuple[int, list[str], str, str]:
    """Exit code, the modules of ``watch`` loaded, stdout, stderr (without the report).
    Connections still open in the process-wide pools after the exit handlers ran are
    reported in stderr as ``open at exit: N``."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(watch), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)
    *err, last = proc.stderr.strip().splitlines() or [proc.stderr]
    report = json.loads(last)
    err.append(f"open at exit: {report['left']}")
    return report["code"], report["loaded"], proc.stdout, "\n".join(err)


@pytest.fixture
def workflow(server: ScriptedServer, tmp_path: Path) -> Path:
    (tmp_path / "api.yaml").write_text(OPENAPI.replace("SERVER", server.url))
    (tmp_path / "flow.arazzo.yaml").write_text(ARAZZO)
    server.route("POST", "/items", Reply(201, json={"id": 7}))
    server.route("GET", "/items/7", Reply(200, json={"id": 7, "name": "widget"}))
    return tmp_path


#: what a plain run does not load either: the other commands' modules (build_parser
#: registers only the command named), the dry runs' and plans' module
NOT_FOR_A_RUN = ("arazzo.cli._inspect", "arazzo.cli._runs", "arazzo.cli._validate",
                 "arazzo._preview")


def test_a_plain_run_loads_no_heavy_module(workflow: Path, server: ScriptedServer) -> None:
    code, loaded, out, err = _probe(["run", "flow.arazzo.yaml", "--inputs",
                                     '{"name": "widget"}', "--format", "json"], workflow,
                                    (*HEAVY, *NOT_FOR_A_RUN))
    assert code == 0, err
    assert json.loads(out)["outputs"] == {"name": "widget"}
    assert [r.method for r in server.requests] == ["POST", "GET"]
    assert server.requests[0].json == {"name": "widget", "count": 1}  # the schema default
    assert loaded == []
    assert "open at exit: 0" in err  # the kept-alive connection is closed at exit


def test_the_httpx_transport_of_header_runs_is_closed_at_exit(
        workflow: Path, server: ScriptedServer) -> None:
    code, loaded, _, err = _probe(["run", "flow.arazzo.yaml", "--inputs", '{"name": "w"}',
                                   "--header", "X-Trace=1"], workflow)
    assert code == 0, err
    assert "httpx" in loaded
    assert server.requests[1].headers["x-trace"] == "1"
    assert "open at exit: 0" in err


def test_invalid_inputs_still_get_jsonschemas_message(workflow: Path,
                                                      server: ScriptedServer) -> None:
    """Where the fast check is not sure, jsonschema decides and words the error (WF-03)."""
    code, loaded, _, err = _probe(["run", "flow.arazzo.yaml", "--inputs",
                                   '{"name": "widget", "count": -1}'], workflow)
    assert code == 2
    assert "-1 is less than the minimum of 0" in err
    assert "jsonschema" in loaded
    assert server.requests == []


def test_help_loads_neither_the_models_nor_the_engine(tmp_path: Path) -> None:
    code, loaded, out, _ = _probe(["--help"], tmp_path,
                                  (*HEAVY, "pydantic", "yaml", "arazzo.engine._machine"))
    assert code == 0
    assert "validate" in out
    assert loaded == []


@pytest.mark.parametrize("module", [arazzo.documents.models._arazzo, arazzo.documents.models._base,
                                    arazzo.documents.models._openapi])
def test_model_modules_keep_real_annotations(module: object) -> None:
    """``from __future__ import annotations`` in a model module makes pydantic evaluate every
    field annotation from its string (a compile() each): a slower import of the models."""
    assert "annotations" not in vars(module)


@pytest.mark.parametrize(("args", "status"), [
    (["run", "flow.arazzo.yaml", "--inputs", '{"name": "widget"}', "--format", "json"], 0),
    (["run", "flow.arazzo.yaml", "--workflow", "nope"], 2),
    (["--version"], 0),
])
def test_the_command_ends_with_its_status_and_all_its_output(
        workflow: Path, server: ScriptedServer, args: list[str], status: int) -> None:
    """``python -m arazzo`` ends the quick way (console_main): stdout piped to a file is
    complete and the exit status is the command's."""
    out = workflow / "out.txt"
    with out.open("w") as stdout:
        proc = subprocess.run([sys.executable, "-m", "arazzo", *args], cwd=workflow,
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60,
                              check=False)
    assert proc.returncode == status, proc.stderr
    text = out.read_text()
    if args[0] == "run" and status == 0:
        assert json.loads(text)["outputs"] == {"name": "widget"}
    elif args[0] == "--version":
        assert text.startswith("arazzo ")
    else:
        assert "no workflow 'nope'" in proc.stderr


# Runs ``console_main`` (the console script) in a fresh interpreter, its fast exit turned into a
# return, then reports the exit code and what pydantic's plugin loader is.
CONSOLE_PROBE = textwrap.dedent("""\
    import json, sys
    import arazzo.cli._main as cli_main
    cli_main._fast_exit = lambda code: None
    sys.argv[1:] = sys.argv[2:]
    try:
        cli_main.console_main()
    except SystemExit as exit:
        code = exit.code
    loader = sys.modules.get("pydantic.plugin._loader")
    report = {"code": code, "metadata": "importlib.metadata" in sys.modules,
              "stand_in": loader is not None and getattr(loader, "__file__", None) is None}
    from pydantic.plugin import _loader
    report["group"] = _loader.PYDANTIC_ENTRY_POINT_GROUP
    report["real_after"] = getattr(sys.modules["pydantic.plugin._loader"], "__file__", None) \
        is not None
    print(json.dumps(report), file=sys.stderr)
""")


def _console(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", CONSOLE_PROBE, "-", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    report: dict[str, Any] = json.loads(proc.stderr.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("setting", [None, "", "__all__"])
def test_the_command_asks_pydantic_for_no_plugins_unless_told(
        workflow: Path, setting: str | None) -> None:
    """pydantic looks for plugins (``importlib.metadata``, every installed distribution read)
    when it builds the first validator; the command's models are its own, so it answers "none"
    itself, as ``PYDANTIC_DISABLE_PLUGINS=__all__`` would. With the variable set, pydantic's own
    handling applies (``""``: plugins looked for). Other names of the loader module still come
    from pydantic's (here: its entry point group, read after the run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    report = _console(["run", "flow.arazzo.yaml", "--inputs", '{"name": "widget"}', "--format",
                       "json"], workflow, env)
    assert report["code"] == 0
    # the run: the stand-in answered, importlib.metadata was never loaded; with the variable
    # set, pydantic's own loader ran (it imports importlib.metadata in any case)
    assert report["stand_in"] is (setting is None)
    assert report["metadata"] is (setting is not None)
    # a name the stand-in does not have: the real module answers, and takes its place
    assert report["group"] == "pydantic"
    assert report["real_after"] is True
