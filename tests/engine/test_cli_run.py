"""``arazzo run`` (the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server import Reply, ScriptedServer
from test_seed_sagemaker import INPUTS, SEED, amz, script_training

from arazzo.cli import main


def test_cli_run_text_timeline(server: ScriptedServer, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    script_training(server, ["InProgress", "Failed"])
    (tmp_path / "in.json").write_text(json.dumps(INPUTS))
    code = main(["run", str(SEED), "--workflow", "train-then-deploy",
                 "--inputs", f"@{tmp_path / 'in.json'}", "--input", "instanceCount=2",
                 "--server", f"sagemakerApi={server.url}", "--loop-delay", "0"])
    out = capsys.readouterr().out
    assert code == 0
    assert "createTrainingJob" in out
    assert "POST http://127.0.0.1" in out
    assert "-> goto pollTrainingJob (stillTraining)" in out
    assert "-> end (trainingFailed)" in out
    assert "trainingJobArn" in out
    assert "ended by trainingFailed" in out
    assert server.requests[0].json["ResourceConfig"]["InstanceCount"] == 2


def test_cli_run_json_and_failure_exit_code(server: ScriptedServer,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    server.target("SageMaker.CreateTrainingJob", Reply(500, json={"message": "x"}))
    args = ["run", str(SEED), "--inputs", json.dumps(INPUTS), "--server",
            f"sagemakerApi={server.url}", "--format", "json"]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 1
    data = json.loads(captured.out)
    assert data["succeeded"] is False
    assert data["steps"][0]["statusCode"] == 500


def test_cli_run_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(SEED), "--input", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(["run", str(SEED), "--workflow", "train-then-deploy"]) == 2
    err = capsys.readouterr().err
    assert "missing required inputs" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["run", "does-not-exist.yaml"]) == 2
    assert main(["run", str(SEED), "--workflow", "nope", "--inputs", "{}"]) == 2
    assert "train-then-deploy" in capsys.readouterr().err


def test_cli_run_quiet(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    script_training(server, ["Failed"])
    code = main(["run", str(SEED), "--inputs", json.dumps(INPUTS), "--server",
                 f"sagemakerApi={server.url}", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "POST" not in out
    assert "trainingJobArn" in out
    _ = amz
