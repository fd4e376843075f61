"""Reading documents: YAML 1.2, positions, limits, sources, access policy, models."""

from __future__ import annotations

import time
from pathlib import Path

import pydantic
import pytest

import arazzo
from arazzo import Severity

from ._util import DATA, HEADER, WORKFLOW, line_of, write

# -- YAML 1.2 semantics (FMT-03) -------------------------------------------------------------


def test_fmt03_dates_and_yaml11_booleans_stay_strings(tmp_path: Path) -> None:
    doc = arazzo.load(write(tmp_path, WORKFLOW.replace("operationId: listPets", """\
operationId: listPets
        requestBody:
          payload:
            date: 2023-09-07
            flags: [on, off, yes, no, y, n]
            real: [true, false, null, 1, 1.5, 0x10]""")))
    payload = doc.spec.workflows[0].steps[0].request_body.payload  # type: ignore[union-attr]
    assert payload["date"] == "2023-09-07"
    assert payload["flags"] == ["on", "off", "yes", "no", "y", "n"]
    assert payload["real"] == [True, False, None, 1, 1.5, 16]


def test_ver02_arazzo_version_as_number_is_a_schema_error() -> None:
    text = HEADER.replace("arazzo: 1.0.1", "arazzo: 1.0") + WORKFLOW
    diags = arazzo.validate(text)
    assert [(d.rule, d.pointer, d.line) for d in diags if d.is_error][:1] == [
        ("schema", "/arazzo", 1)]


# -- positions -------------------------------------------------------------------------------


def test_positions_in_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW.replace("operationId: listPets", "operationId: nope"))
    (d,) = arazzo.validate(path)
    assert (d.file, d.line, d.column) == (str(path), line_of(path, "nope"), 22)


def test_positions_in_json() -> None:
    path = DATA / "openapi-example.arazzo.json"
    (d,) = arazzo.validate(path)
    assert (d.line, d.column, d.pointer) == (
        14, 67, "/workflows/0/steps/0/successCriteria/0/condition")


def test_positions_of_schema_errors(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW + "    outputs:\n      n: 5\n")
    diags = [d for d in arazzo.validate(path) if d.rule == "schema"]
    assert [(d.pointer, d.line, d.column) for d in diags] == [
        ("/workflows/0/outputs/n", line_of(path, "n: 5"), 10)]


def test_positions_of_unknown_fields_point_at_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW + "    colour: blue\n")
    diags = arazzo.validate(path)
    assert [(d.pointer, d.line, d.column) for d in diags] == [
        ("/workflows/0/colour", line_of(path, "colour"), 5)]
    assert "EXT-02" in diags[0].message


# -- limits and malformed input (SEC-02) -----------------------------------------------------


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW + "    steps: []\n")
    with pytest.raises(arazzo.LoadError, match="duplicate key 'steps'") as info:
        arazzo.load(path)
    assert info.value.line == line_of(path, "steps: []")


def test_duplicate_keys_in_json_are_refused() -> None:
    with pytest.raises(arazzo.LoadError, match="duplicate key 'a'"):
        arazzo.load('{"arazzo": "1.0.1", "a": 1, "a": 2}')


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    started = time.perf_counter()
    with pytest.raises(arazzo.LoadError, match=r"more than .* nodes"):
        arazzo.load("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(arazzo.LoadError, match="recursive YAML alias"):
        arazzo.load("arazzo: 1.0.1\nloop: &x\n  - *x\n")


def test_50mb_document_fails_fast_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.arazzo.yaml"
    with path.open("w") as fh:
        fh.write(HEADER + "x-padding: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            fh.write(line)
    started = time.perf_counter()
    with pytest.raises(arazzo.LoadError) as info:
        arazzo.load(path)
    assert time.perf_counter() - started < 2
    assert "huge.arazzo.yaml" in str(info.value)
    assert "MiB" in info.value.message


@pytest.mark.parametrize(("text", "needle"), [
    ("- just\n- a list\n", "must be a mapping"),
    ("just a string\n", "must be a mapping"),
])
def test_non_mapping_root(text: str, needle: str) -> None:
    with pytest.raises(arazzo.DocumentError, match=needle):
        arazzo.load(text)
    (d,) = arazzo.validate(text)
    assert d.is_error
    assert d.rule == "document"


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.arazzo.yaml"
    with pytest.raises(arazzo.LoadError, match="file not found"):
        arazzo.load(missing)
    (d,) = arazzo.validate(missing)
    assert (d.rule, d.severity) == ("load", Severity.ERROR)


def test_unreadable_yaml_has_a_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("arazzo: 1.0.1\ninfo: [unclosed\nworkflows: x\n")
    with pytest.raises(arazzo.LoadError, match="invalid YAML") as info:
        arazzo.load(path)
    assert info.value.file == str(path)
    assert info.value.line is not None


def test_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(arazzo.LoadError, match="empty"):
        arazzo.load(path)


# -- sources ---------------------------------------------------------------------------------


def test_source_that_cannot_be_found(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("./petstore.openapi.yaml",
                                                         "./animals.yaml"))
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity, d.pointer, d.line) for d in diags] == [
        ("source-load", Severity.ERROR, "/sourceDescriptions/0/url", line_of(path, "animals"))]
    assert "file not found" in diags[0].message


def test_ref_cycle_in_openapi_source(tmp_path: Path) -> None:
    (tmp_path / "cycle.openapi.yaml").write_text("""\
openapi: 3.0.3
info: {title: c, version: '1'}
paths:
  /a:
    $ref: '#/paths/~1b'
  /b:
    $ref: '#/paths/~1a'
""")
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("./petstore.openapi.yaml",
                                                         "./cycle.openapi.yaml"))
    diags = arazzo.validate(path)
    assert [(d.rule, d.pointer) for d in diags] == [("source-load", "/sourceDescriptions/0/url")]
    assert "$ref cycle" in diags[0].message


# -- access policy (SEC-03) ------------------------------------------------------------------


def test_sec03_source_outside_allowed_dirs_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.openapi.yaml"
    outside.write_text((DATA / "petstore.openapi.yaml").read_text())
    project = tmp_path / "project"
    project.mkdir()
    path = write(project, WORKFLOW, header=HEADER.replace("./petstore.openapi.yaml",
                                                        "../secret.openapi.yaml"))
    diags = arazzo.validate(path, allow_dirs=[project])
    assert [(d.rule, d.severity) for d in diags] == [("source-load", Severity.ERROR)]
    assert "outside the allowed directories" in diags[0].message
    assert arazzo.validate(path, allow_dirs=[tmp_path]) == []


def test_sec03_etc_passwd_style_path_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("./petstore.openapi.yaml",
                                                         "../../../../../../etc/passwd"))
    diags = arazzo.validate(path, allow_dirs=[tmp_path])
    assert [d.rule for d in diags] == ["source-load"]
    assert "refusing to read" in diags[0].message


def test_sec03_remote_url_refused_unless_allowed_or_overridden(tmp_path: Path) -> None:
    url = "https://example.com/petstore.openapi.yaml"
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("./petstore.openapi.yaml", url))
    diags = arazzo.validate(path)
    assert [(d.rule, d.severity) for d in diags] == [("source-load", Severity.WARNING)]
    assert "--allow-host example.com" in diags[0].message
    # an override maps the URL to a local file: no network, everything checked
    local = str(tmp_path / "petstore.openapi.yaml")
    assert arazzo.validate(path, overrides={url: local}) == []
    assert arazzo.validate(path, overrides={"petstore": local}) == []


# -- versions and models ---------------------------------------------------------------------


def test_ver02_unsupported_version(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("1.0.1", "1.2.0"))
    with pytest.raises(arazzo.UnsupportedVersion):
        arazzo.load(path)
    (d,) = arazzo.validate(path)
    assert (d.rule, d.pointer, d.line) == ("unsupported-version", "/arazzo", 1)
    assert "1.2.0 is not supported" in d.message
    assert "1.0.x, 1.1.x" in d.message


def test_V11_VER_01_a_1_1_document_is_read_by_the_1_1_rules(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW, header=HEADER.replace("1.0.1", "1.1.0"))
    doc = arazzo.load(path)
    assert doc.spec.spec_minor == "1.1"
    assert arazzo.validate(path) == []


def test_ver01_patch_versions_are_equivalent(tmp_path: Path) -> None:
    for version in ("1.0.0", "1.0.1", "1.0.7", "1.0.1-beta"):
        path = write(tmp_path, WORKFLOW, header=HEADER.replace("1.0.1", version),
                     name=f"{version}.yaml")
        assert arazzo.validate(path) == [], version


def test_models_are_frozen_and_keep_extensions(tmp_path: Path) -> None:
    path = write(tmp_path, WORKFLOW.replace("  - workflowId: wf",
                                            "  - workflowId: wf\n    x-owner: team-a"))
    doc = arazzo.load(path)
    workflow = doc.spec.workflows[0]
    assert workflow.extensions == {"x-owner": "team-a"}
    with pytest.raises(pydantic.ValidationError):
        workflow.workflow_id = "other"
    assert workflow.location.line == line_of(path, "workflowId: wf")
    assert workflow.location_of("steps").pointer == "/workflows/0/steps"


def test_ext02_unknown_field_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "$schema: https://example.com/schema\n" + WORKFLOW)
    with pytest.raises(arazzo.ValidationFailed) as info:
        arazzo.load(path)
    (d,) = info.value.diagnostics
    assert (d.pointer, d.line) == ("/$schema", line_of(path, "$schema"))
    assert "EXT-02" in d.message
    assert arazzo.validate(path) == info.value.diagnostics
