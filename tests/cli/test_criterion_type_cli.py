"""``--criterion-type NAME=MODULE:ATTR`` (CRI-03): the command line reaches the custom
criterion types the Python API takes; ``validate`` accepts the type with it and refuses it
without, ``run`` (and ``--dry-run``) evaluates it against a real loopback server."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from server import Reply, ScriptedServer

from arazzo.cli import main

OPENAPI = """\
openapi: 3.0.3
info: {title: app, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /version:
    get:
      operationId: getVersion
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: versions, version: '1'}
sourceDescriptions:
  - {name: app, url: ./app.openapi.yaml, type: openapi}
workflows:
  - workflowId: check
    steps:
      - stepId: version
        operationId: getVersion
        successCriteria:
          - context: $response.body#/version
            condition: '2.'
            type: prefix
        outputs:
          version: $response.body#/version
    outputs:
      version: $steps.version.outputs.version
"""

CHECKS = '''\
class Prefix:
    def evaluate(self, compiled, value, ctx):
        return isinstance(value, str) and value.startswith(compiled)


made = Prefix()


class NeedsArgs:
    def __init__(self, x):
        self.x = x


not_an_evaluator = 42
'''


@pytest.fixture
def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.openapi.yaml").write_text(OPENAPI)
    (tmp_path / "cli_checks_cri03.py").write_text(CHECKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(textwrap.dedent(ARAZZO))
    return path


@pytest.mark.parametrize("target", ["cli_checks_cri03:Prefix", "cli_checks_cri03:made"])
def test_validate_accepts_the_type_it_is_given(flow: Path, target: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(flow), "--criterion-type", f"prefix={target}"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_validate_refuses_the_type_without_it(flow: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(flow)]) == 1
    out = capsys.readouterr().out
    assert "[criterion-type]" in out
    assert "prefix" in out


def test_run_evaluates_the_type(flow: Path, server: ScriptedServer,
                                capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/version", Reply(json={"version": "2.4"}),
                 Reply(json={"version": "3.0"}))
    argv = ["run", str(flow), "--server", f"app={server.url}", "--format", "json",
            "--criterion-type", "prefix=cli_checks_cri03:Prefix"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["outputs"] == {"version": "2.4"}
    assert main(argv) == 1  # "3.0" does not start with "2."
    failed = json.loads(capsys.readouterr().out)
    assert failed["failure"]["kind"] == "criteria"
    assert main([*argv, "--dry-run"]) == 0
    assert len(server.requests) == 2  # the dry run sent nothing
    assert main(["run", str(flow), "--server", f"app={server.url}"]) == 1
    assert "criterion-type" in capsys.readouterr().err
    assert len(server.requests) == 2


@pytest.mark.parametrize(("value", "message"), [
    ("prefix", "--criterion-type takes NAME=MODULE:ATTR"),
    ("prefix=cli_checks_cri03", "--criterion-type takes NAME=MODULE:ATTR"),
    ("=cli_checks_cri03:Prefix", "--criterion-type takes NAME=MODULE:ATTR"),
    ("prefix=no_such_module_cri03:Prefix", "cannot import 'no_such_module_cri03'"),
    ("prefix=cli_checks_cri03:Missing", "'cli_checks_cri03' has no 'Missing'"),
    ("prefix=cli_checks_cri03:NeedsArgs", "could not be made with no arguments"),
    ("prefix=cli_checks_cri03:not_an_evaluator", "is not an evaluator"),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_value_is_a_usage_error(flow: Path, value: str, message: str, command: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, str(flow), "--criterion-type", value]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
