"""Which local files a document may make us read, by default and on request (SEC-03).

The defaults (docs/loading.md): a local document the caller names reads files under its
project (the nearest enclosing ``.git``/``.hg``/``.svn`` root), else under the current
directory when it lies there, else under its own directory; ``sandbox=True`` drops the
project root; a document fetched from a URL reads no local file; ``allow_dirs`` replaces the
default. ``overrides`` are keyed by name, by the URL as written, or by the resolved path.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from server import Reply, ScriptedServer

import arazzo
from arazzo import Severity

from ._util import DATA, HEADER, WORKFLOW

# the flagship's layout: the Arazzo file in arazzo/, its OpenAPI in ../openapi/
LAYOUT_HEADER = HEADER.replace("./petstore.openapi.yaml", "../openapi/petstore.openapi.yaml")


def _project(root: Path, *, marker: str | None) -> Path:
    """``root/arazzo/flow.arazzo.yaml`` reading ``root/openapi/petstore.openapi.yaml``."""
    (root / "arazzo").mkdir(parents=True)
    (root / "openapi").mkdir()
    shutil.copy(DATA / "petstore.openapi.yaml", root / "openapi")
    if marker is not None:
        (root / marker).mkdir()
    path = root / "arazzo" / "flow.arazzo.yaml"
    path.write_text(LAYOUT_HEADER + WORKFLOW, encoding="utf-8")
    return path


def _errors(diags: list[arazzo.Diagnostic]) -> list[tuple[str, str]]:
    return [(d.rule, d.message) for d in diags if d.is_error]


@pytest.mark.parametrize("marker", [".git", ".hg", ".svn"])
def test_a_document_reads_its_project_from_any_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    path = _project(tmp_path / "project", marker=marker)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (elsewhere, path.parent, tmp_path / "project" / "openapi"):
        monkeypatch.chdir(cwd)
        assert arazzo.validate(path) == [], cwd
    monkeypatch.chdir(elsewhere)  # a relative path from a sibling directory
    assert arazzo.validate(Path("..") / path.relative_to(tmp_path)) == []


def test_a_git_worktree_file_marks_the_project_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "project", marker=None)
    (tmp_path / "project" / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert arazzo.validate(path) == []


def test_without_a_project_root_the_current_directory_bounds_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "project", marker=None)
    monkeypatch.chdir(tmp_path / "project")  # above the document: its tree is readable
    assert arazzo.validate(path) == []
    monkeypatch.chdir(path.parent)  # the document's own directory: ../openapi is outside
    (rule, message), = _errors(arazzo.validate(path))
    assert rule == "source-load"
    assert "outside the allowed directories" in message
    assert "--allow-dir" in message
    assert arazzo.validate(path, allow_dirs=[tmp_path / "project"]) == []


def test_sandbox_ignores_the_project_root(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "project", marker=".git")
    monkeypatch.chdir(tmp_path / "project" / "openapi")
    assert arazzo.validate(path) == []
    (rule, message), = _errors(arazzo.validate(path, sandbox=True))
    assert rule == "source-load"
    assert str(path.parent) in message  # only the document's directory was allowed
    with pytest.raises(arazzo.ValidationFailed):
        arazzo.run(arazzo.load(path, sandbox=True), "wf")
    # the strict rule still allows the current directory's tree
    monkeypatch.chdir(tmp_path / "project")
    assert arazzo.validate(path, sandbox=True) == []


def test_the_project_root_never_reaches_above_itself(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "project", marker=".git")
    secret = tmp_path / "secret.openapi.yaml"
    shutil.copy(DATA / "petstore.openapi.yaml", secret)
    path.write_text(HEADER.replace("./petstore.openapi.yaml", "../../secret.openapi.yaml")
                    + WORKFLOW, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "project")
    (rule, message), = _errors(arazzo.validate(path))
    assert rule == "source-load"
    assert "refusing to read" in message


# -- documents from a URL --------------------------------------------------------------------


@pytest.fixture
def site() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


def test_a_document_from_a_url_reads_no_local_file(tmp_path: Path, site: ScriptedServer) -> None:
    local = tmp_path / "petstore.openapi.yaml"
    shutil.copy(DATA / "petstore.openapi.yaml", local)
    text = HEADER.replace("./petstore.openapi.yaml", local.as_uri()) + WORKFLOW
    site.route("GET", "/flow.arazzo.yaml", Reply(200, body=text, content_type="text/yaml"))
    url = f"{site.url}/flow.arazzo.yaml"
    (rule, message), = _errors(arazzo.validate(url))
    assert rule == "source-load"
    assert "no local directory is allowed" in message
    assert "--allow-dir" in message
    # the caller can allow a directory, or map the source
    assert arazzo.validate(url, allow_dirs=[tmp_path]) == []
    assert arazzo.validate(url, overrides={"petstore": str(local)}) == []


def test_a_document_from_a_url_reads_relative_sources_from_its_host(
        site: ScriptedServer) -> None:
    site.route("GET", "/flow.arazzo.yaml",
               Reply(200, body=HEADER + WORKFLOW, content_type="text/yaml"))
    site.route("GET", "/petstore.openapi.yaml",
               Reply(200, body=(DATA / "petstore.openapi.yaml").read_text(),
                     content_type="text/yaml"))
    assert arazzo.validate(f"{site.url}/flow.arazzo.yaml") == []


# -- overrides -------------------------------------------------------------------------------


def test_overrides_by_name_url_as_written_and_resolved_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "project", marker=None)
    vendored = tmp_path / "vendored.yaml"
    shutil.copy(DATA / "petstore.openapi.yaml", vendored)
    written = "../openapi/petstore.openapi.yaml"
    resolved = str((path.parent / written).resolve())
    (tmp_path / "project" / "openapi" / "petstore.openapi.yaml").unlink()  # only overrides
    monkeypatch.chdir(tmp_path)
    assert _errors(arazzo.validate(path, allow_dirs=[path.parent]))  # not found
    for key in ("petstore", written, resolved, "project/openapi/petstore.openapi.yaml"):
        assert arazzo.validate(path, allow_dirs=[path.parent],
                               overrides={key: vendored}) == [], key
        assert arazzo.validate(path, allow_dirs=[path.parent],
                               overrides={key: str(vendored)}) == [], key
    # document text as the override's value
    text = (DATA / "petstore.openapi.yaml").read_text()
    assert arazzo.validate(path, allow_dirs=[path.parent], overrides={written: text}) == []


def test_an_override_for_another_source_changes_nothing(tmp_path: Path) -> None:
    path = _project(tmp_path / "project", marker=".git")
    broken = tmp_path / "broken.yaml"
    broken.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "x", "version": "1"},
                                  "paths": {}}))
    diags = arazzo.validate(path, overrides={"./petstore.openapi.yaml": broken})
    assert diags == []  # the written URL is ../openapi/..., not ./petstore.openapi.yaml
    assert [d.severity for d in arazzo.validate(
        path, overrides={"../openapi/petstore.openapi.yaml": broken})] == [Severity.ERROR]
