"""``arazzo validate`` through a real subprocess: exit codes, formats, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ._util import DATA, write


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arazzo", "validate", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60, check=False)


BAD = """\
workflows:
  - workflowId: wf
    steps:
      - stepId: s
        operationId: listPetz
"""
WARN = """\
workflows:
  - workflowId: my wf
    steps:
      - stepId: s
        operationId: listPets
"""


def test_valid_file_exits_0(tmp_path: Path) -> None:
    result = _run(str(DATA / "main.arazzo.yaml"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("1 file checked: 0 errors, 0 warnings")


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    write(tmp_path, WARN)
    result = _run("doc.arazzo.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("doc.arazzo.yaml:10:17: warning [id-pattern] ")


def test_errors_exit_1_with_text_format(tmp_path: Path) -> None:
    write(tmp_path, BAD)
    result = _run("doc.arazzo.yaml", cwd=tmp_path)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("doc.arazzo.yaml:13:22: error [unresolved-operation] operationId")
    assert "did you mean 'listPets'" in first
    assert result.stdout.splitlines()[-1] == "1 file checked: 1 error, 0 warnings"


def test_json_format(tmp_path: Path) -> None:
    write(tmp_path, BAD)
    result = _run("doc.arazzo.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)
    assert finding["severity"] == "error"
    assert finding["rule"] == "unresolved-operation"
    assert (finding["file"], finding["line"], finding["column"]) == ("doc.arazzo.yaml", 13, 22)
    assert finding["pointer"] == "/workflows/0/steps/0/operationId"


def test_quiet_prints_errors_only(tmp_path: Path) -> None:
    write(tmp_path, WARN)
    result = _run("doc.arazzo.yaml", "--quiet", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_missing_file_exit_2_without_traceback(tmp_path: Path) -> None:
    result = _run("nope.arazzo.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "arazzo validate: error: file not found: nope.arazzo.yaml"
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run(cwd=tmp_path).returncode == 2
    assert _run("x.yaml", "--format", "xml", cwd=tmp_path).returncode == 2
    write(tmp_path, WARN)
    bad_source = _run("doc.arazzo.yaml", "--source", "no-equals-sign", cwd=tmp_path)
    assert bad_source.returncode == 2
    assert "NAME_OR_URL=FILE" in bad_source.stderr


def test_source_override_and_allow_dir(tmp_path: Path) -> None:
    url = "https://example.com/petstore.yaml"
    project = tmp_path / "project"
    project.mkdir()
    (project / "doc.arazzo.yaml").write_text(
        (DATA / "main.arazzo.yaml").read_text().replace("./petstore.openapi.yaml", url, 1)
        .replace("./sub.arazzo.yaml", "../shared/sub.arazzo.yaml"))
    shared = tmp_path / "shared"
    shared.mkdir()
    for name in ("sub.arazzo.yaml", "petstore.openapi.yaml"):
        (shared / name).write_text((DATA / name).read_text())
    denied = _run("doc.arazzo.yaml", cwd=project)
    assert denied.returncode == 1
    assert "warning [source-load]" in denied.stdout
    assert "error [source-load]" in denied.stdout
    allowed = _run("doc.arazzo.yaml", "--allow-dir", ".", "--allow-dir", "../shared",
                   "--source", f"{url}={shared / 'petstore.openapi.yaml'}", cwd=project)
    assert allowed.returncode == 0, allowed.stdout


def test_help_has_examples() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert "--allow-host" in result.stdout


def test_misspelt_path_parameter_and_unbraced_expression(tmp_path: Path) -> None:
    """PAR-06 (error, exit 1) and RTE-15 (warning with a caret) as the CLI prints them."""
    path = write(tmp_path, """\
    workflows:
      - workflowId: wf
        steps:
          - stepId: s
            operationId: showPetById
            parameters:
              - name: pet_id
                in: path
                value: 1
              - name: X-Note
                in: header
                value: id=$inputs.x
    """)
    result = _run(path.name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("doc.arazzo.yaml:15:19: error [required-parameter] step "
                               "parameter 'pet_id' (in: path) does not supply path parameter "
                               "'petId' of GET /pets/{petId}")
    assert "did you mean 'petId'? (PAR-06, PAR-02)" in lines[0]
    assert lines[1].startswith("doc.arazzo.yaml:20:23: warning [unbraced-expression] "
                               "'$inputs.x' inside a longer string")
    assert lines[2:5] == ["    id=$inputs.x", "       ^",
                          "1 file checked: 1 error, 1 warning"]
    assert "Traceback" not in result.stderr
