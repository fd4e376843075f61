"""The commands on a user's own files from any directory, ``--sandbox``, ``--source``, and
``list``/``describe``/``graph`` when a source cannot be loaded (SEC-03, docs/loading.md).

The flagship's layout is the case: the Arazzo file in ``arazzo/``, its OpenAPI in
``../openapi/``. A copy of it in a temporary project (``.git`` marks the root) keeps the test
independent of how this checkout was made.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import FLAGSHIP

from arazzo.cli import main

INSPECT = ("list", "describe", "graph")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``tmp/project`` (a VCS root) holding a copy of ``specs/amazon-sagemaker``; returns the
    Arazzo file."""
    root = tmp_path / "project"
    shutil.copytree(FLAGSHIP.parents[1], root / "specs" / "amazon-sagemaker")
    (root / ".git").mkdir()
    (tmp_path / "elsewhere").mkdir()
    return root / "specs" / "amazon-sagemaker" / "arazzo" / FLAGSHIP.name


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("where", ["elsewhere", "subdirectory", "document"])
@pytest.mark.parametrize("command", [*INSPECT, "validate"])
def test_commands_read_the_projects_sources_from_any_directory(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: str, where: str) -> None:
    cwd = {"elsewhere": project.parents[4] / "elsewhere",
           "subdirectory": project.parents[1] / "openapi",
           "document": project.parent}[where]
    monkeypatch.chdir(cwd)
    code, out, err = _run([command, str(project)], capsys)
    assert code == 0, err
    assert "warning: source description" not in err
    assert "source-load" not in out
    if command in ("describe", "graph"):
        assert "CreateTrainingJob" in out


@pytest.mark.parametrize("command", INSPECT)
def test_inspection_shows_the_structure_when_a_source_cannot_be_loaded(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: str) -> None:
    monkeypatch.chdir(project.parents[4] / "elsewhere")
    code, out, err = _run([command, str(project), "--sandbox"], capsys)
    assert code == 0, err
    (warning,) = err.splitlines()
    assert warning.startswith(f"arazzo {command}: warning: source description "
                              "'sagemakerApi' could not be loaded (refusing to read")
    assert warning.endswith("steps that use it are shown as written")
    if command == "describe":
        assert "1. createTrainingJob  CreateTrainingJob  (sagemakerApi: not loaded)" in out
    if command == "graph":
        assert 's1["createTrainingJob<br/><small>CreateTrainingJob</small>"]' in out
        assert "pollTrainingJob" in out
        assert "succeeded" in out
    if command == "list":
        assert "train-then-deploy" in out


def test_describe_json_marks_steps_whose_source_was_not_loaded(
        project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project.parents[4] / "elsewhere")
    code, out, _ = _run(["describe", str(project), "--sandbox", "--format", "json"], capsys)
    assert code == 0
    first = json.loads(out)["steps"][0]
    assert "operation" not in first
    assert first["unresolved"]["target"] == "CreateTrainingJob"
    assert first["unresolved"]["source"] == "sagemakerApi"
    assert "refusing to read" in first["unresolved"]["reason"]
    assert first["parameters"] == ["header:X-Amz-Target"]


def test_validate_and_run_stay_strict_under_sandbox(
        project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project.parents[4] / "elsewhere")
    code, out, _ = _run(["validate", str(project), "--sandbox", "-q"], capsys)
    assert code == 1
    assert "error [source-load] source description 'sagemakerApi': refusing to read" in out
    code, _, err = _run(["run", str(project), "--sandbox", "--dry-run"], capsys)
    assert code != 0
    assert "sagemakerApi" in err


@pytest.mark.parametrize("key", ["sagemakerApi", "../openapi/amazon-sagemaker-openapi.yml"])
@pytest.mark.parametrize("command", [*INSPECT, "validate"])
def test_source_maps_a_source_on_every_command(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: str, key: str) -> None:
    monkeypatch.chdir(project.parents[4] / "elsewhere")
    openapi = project.parents[1] / "openapi" / "amazon-sagemaker-openapi.yml"
    code, _out, err = _run([command, str(project), "--sandbox", "--source",
                           f"{key}={openapi}"], capsys)
    assert code == 0, err
    assert "warning: source description" not in err


@pytest.mark.parametrize(("option", "message"), [
    ("--source=nothing", "--source takes NAME_OR_URL=FILE"),
    ("--source=sagemakerApi=missing.yml", "--source file not found: missing.yml"),
    ("--allow-dir=missing", "--allow-dir is not a directory: missing"),
])
@pytest.mark.parametrize("command", [*INSPECT, "validate"])
def test_access_options_are_checked_on_every_command(
        project: Path, capsys: pytest.CaptureFixture[str], command: str, option: str,
        message: str) -> None:
    code, _, err = _run([command, str(project), option], capsys)
    assert code == 2
    assert message in err
