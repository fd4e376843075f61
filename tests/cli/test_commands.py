"""The commands, their help, their errors and their exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import DATA, FLAGSHIP, PASSWORD, PETS, PETS_INPUTS, TOKEN, script_pets
from server import ScriptedServer

from arazzo.cli import COMMANDS, build_parser, main

COMMAND_NAMES = ("validate", "list", "describe", "graph", "run", "runs")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- help ------------------------------------------------------------------------------------


def test_every_command_is_registered() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert tuple(sub.choices) == COMMAND_NAMES
    assert len(COMMANDS) == 4


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"arazzo {command}" in out
    assert "exit status" in out


def test_top_level_help_and_module_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "arazzo", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    for name in COMMAND_NAMES:
        assert name in done.stdout
    assert "examples:" in done.stdout


def test_no_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([], capsys)
    assert code == 2
    assert "usage:" in err


# -- bad input: one line, exit 2, no traceback ----------------------------------------------


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert lines, err
    return lines[0]


def test_unknown_command_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["rnu", str(PETS)])
    assert exc.value.code == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "invalid choice: 'rnu'" in line
    assert "did you mean 'run'?" in line


def test_unknown_flag_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(PETS), "--inptus", "{}"])
    assert exc.value.code == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "--inptus" in line
    assert "did you mean '--inputs'?" in line


def test_inputs_file_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "in.json"
    bad.write_text("{name: rex")
    code, _, err = _run(["run", str(PETS), "--inputs", f"@{bad}"], capsys)
    assert code == 2
    assert "is not valid JSON" in _one_line_error(err)
    code, _, err = _run(["run", str(PETS), "--inputs", "[1, 2]"], capsys)
    assert code == 2
    assert "must be a JSON object" in _one_line_error(err)


@pytest.mark.parametrize(("pair", "message"), [
    ("=x", "KEY=VALUE"),
    ("novalue", "KEY=VALUE"),
    ("a b=1", "not a valid input name"),
    ("na$me=1", "not a valid input name"),
    ("nmae=Rex", "did you mean 'name'?"),
])
def test_bad_input_keys(pair: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["run", str(PETS), "-w", "adopt", "--input", pair], capsys)
    assert code == 2
    assert message in _one_line_error(err)


def test_unknown_workflow_suggests_closest(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["run"], ["describe"], ["graph"]):
        code, _, err = _run([*command, str(PETS), "--workflow", "adpot"], capsys)
        assert code == 2
        line = _one_line_error(err)
        assert "did you mean 'adopt'?" in line, line


def test_several_workflows_need_a_choice(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["describe", str(PETS)], capsys)
    assert code == 2
    assert "choose one with --workflow: adopt, ping" in _one_line_error(err)


@pytest.mark.parametrize("command", ["run", "list", "describe", "graph", "validate"])
def test_missing_file(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([command, "does-not-exist.arazzo.yaml"], capsys)
    assert code == 2
    assert "file not found: does-not-exist.arazzo.yaml" in _one_line_error(err)


def test_directory_instead_of_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["run", str(tmp_path)], capsys)
    assert code == 2
    assert "is a directory" in _one_line_error(err)


def test_missing_required_inputs_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["run", str(PETS), "-w", "adopt", "--input", "name=Rex"], capsys)
    assert code == 2
    assert "missing required inputs: username, password" in _one_line_error(err)
    assert len(err.strip().splitlines()) == 1


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["--debug", "run", str(PETS), "-w", "adopt"], capsys)
    assert code == 2
    assert "Traceback" in err
    assert "missing required inputs" in err


def test_bad_report_and_header_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["run", str(PETS), "--report", "xml=out.xml"], capsys)
    assert code == 2
    assert "junit, json, har" in _one_line_error(err)
    code, _, err = _run(["run", str(PETS), "--header", "Authorization=Bearer abc"], capsys)
    assert code == 2
    assert "from the environment only" in _one_line_error(err)
    code, _, err = _run(["run", str(PETS), "--header", "X-Key=${ARAZZO_TEST_UNSET_VAR}"],
                        capsys)
    assert code == 2
    assert "ARAZZO_TEST_UNSET_VAR is not set" in _one_line_error(err)


def test_invalid_document_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text(PETS.read_text().replace("operationId: getPet", "operationId: getPte"))
    (tmp_path / "pets.openapi.yaml").write_text((DATA / "pets.openapi.yaml").read_text())
    code, _, err = _run(["run", str(broken), "-w", "adopt", "--inputs",
                         json.dumps(PETS_INPUTS)], capsys)
    assert code == 1
    assert "getPte" in err
    assert "nothing was run" in err


# -- list / describe / graph ----------------------------------------------------------------


def test_list_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["list", str(PETS)], capsys)
    assert code == 0
    assert "adopt  Log in, create a pet" in out
    assert "username* (string)" in out
    assert 'tag (string) = "dog"' in out
    assert "outputs: petId, status" in out
    code, out, _ = _run(["list", str(PETS), "--format", "json"], capsys)
    data = json.loads(out)
    assert [w["workflowId"] for w in data] == ["adopt", "ping"]
    password = next(i for i in data[0]["inputs"] if i["name"] == "password")
    assert password["secret"] is True
    assert password["required"] is True


def test_describe_shows_operations_and_actions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["describe", str(PETS), "-w", "adopt"], capsys)
    assert code == 0
    assert "1. login  POST /login  (pets: login)" in out
    assert "3. waitReady  GET /pets/{petId}  (pets: getPet)" in out
    assert "notYet: goto waitReady  when $response.body#/status == 'pending'" in out
    assert "again: retry (limit 2, after 0s)" in out
    assert "password" in out
    assert "secret" in out
    assert "petId = $steps.createPet.outputs.petId" in out
    code, out, _ = _run(["describe", str(PETS), "-w", "adopt", "--format", "json"], capsys)
    data = json.loads(out)
    step = data["steps"][2]
    assert step["operation"] == {"method": "GET", "path": "/pets/{petId}", "source": "pets",
                                 "operationId": "getPet",
                                 "server": "https://pets.example.com/v1"}
    assert step["onSuccess"][0] == {"name": "notYet", "type": "goto", "stepId": "waitReady",
                                    "criteria": ["$response.body#/status == 'pending'"]}


def test_graph_of_the_flagship_has_both_self_loops(capsys: pytest.CaptureFixture[str]
                                                   ) -> None:
    code, out, _ = _run(["graph", str(FLAGSHIP)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    ids = {}
    for line in lines:
        if '["' in line:
            node, _, label = line.strip().partition('["')
            ids[label.split("<br/>")[0]] = node
    poll_training, poll_endpoint = ids["pollTrainingJob"], ids["pollEndpoint"]
    assert f'  {poll_training} -->|"stillTraining"| {poll_training}' in lines
    assert f'  {poll_endpoint} -->|"stillCreating"| {poll_endpoint}' in lines
    assert f'  {poll_training} -->|"trainingCompleted"| {ids["createModel"]}' in lines
    assert f'  {poll_training} -->|"trainingFailed"| succeeded' in lines
    assert "  start --> s1" in lines


def test_graph_markdown_criteria_and_retry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["graph", str(PETS), "-w", "adopt", "--markdown", "--criteria",
                         "--failures", "--direction", "LR"], capsys)
    assert code == 0
    assert out.startswith("```mermaid\nflowchart LR\n")
    assert out.endswith("```\n")
    assert "s3 -.->|\"again (retry)\"| s3" in out
    assert "notYet: $response.body#/status == 'pending'" in out
    assert 's1 -.->|"fail"| failed' in out
    assert "failed([failed])" in out


# -- run and dry run -------------------------------------------------------------------------


def test_run_text_json_and_exit_codes(server: ScriptedServer,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    script_pets(server, ready_after=2)
    base = ["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS), "--server",
            f"pets={server.url}", "--loop-delay", "0"]
    code, out, err = _run(base, capsys)
    assert code == 0, err
    assert "adopt/waitReady #2" in out
    assert 'status: "ready"' in out
    assert out.rstrip().splitlines()[-1].startswith("succeeded in")
    assert PASSWORD not in out
    server.reset()
    script_pets(server, fail_create=True)
    code, out, _ = _run([*base, "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)  # exactly one JSON document on stdout
    assert data["succeeded"] is False
    assert "createPet" in data["error"]


def test_header_option_adds_headers_from_the_environment(
        server: ScriptedServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    script_pets(server)
    monkeypatch.setenv("ARAZZO_TEST_KEY", "k-123-secret")
    code, _, err = _run(["run", str(PETS), "-w", "ping", "--server", f"pets={server.url}",
                         "--header", "pets:X-Api-Key=${ARAZZO_TEST_KEY}",
                         "--header", "X-Trace=t1", "--quiet"], capsys)
    assert code == 0, err
    assert server.requests[0].headers["x-api-key"] == "k-123-secret"
    assert server.requests[0].headers["x-trace"] == "t1"
    code, _, err = _run(["run", str(PETS), "-w", "ping", "--header", "pet:X-A=1"], capsys)
    assert code == 2
    assert "no source description named 'pet'; did you mean 'pets'?" in err


def test_dry_run_sends_nothing(server: ScriptedServer,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS),
                           "--server", f"pets={server.url}", "--dry-run"], capsys)
    assert code == 0, err
    assert server.requests == []
    assert f"1. login\n   POST {server.url}/login" in out
    assert '"user": "ada"' in out
    assert PASSWORD not in out
    assert '"password": "***"' in out
    assert "unresolved header Authorization: $steps.login.outputs.token (needs a response)" \
        in out
    assert "cannot build the request: path parameter 'petId' has no value" in out
    code, out, _ = _run(["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS),
                         "--dry-run", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["dryRun"] is True
    first = data["requests"][0]
    assert first["method"] == "POST"
    assert first["url"] == "https://pets.example.com/v1/login"
    assert first["unresolved"] == []
    assert json.loads(first["body"]) == {"user": "ada", "password": "***"}
    assert data["requests"][1]["unresolved"][0]["reason"] == "needs a response"
    assert TOKEN not in out


def test_dry_run_of_the_flagship_first_request(capsys: pytest.CaptureFixture[str]) -> None:
    inputs = FLAGSHIP.parents[1] / "inputs.emulator.json"
    code, out, _ = _run(["run", str(FLAGSHIP), "--inputs", f"@{inputs}", "--dry-run"], capsys)
    assert code == 0
    assert "1. createTrainingJob\n   POST https://api.sagemaker.us-east-1.amazonaws.com/" in out
    assert "X-Amz-Target: SageMaker.CreateTrainingJob" in out
    assert "(signed with AWS SigV4 (sagemaker) when sent)" in out
    assert "unresolved body: $steps.pollTrainingJob.outputs.modelArtifacts (needs a response)" \
        in out
