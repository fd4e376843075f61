"""The OAI's official Arazzo 1.1 schema tests, classified by ``validate`` as their folder says.

``pass`` documents are schema-valid 1.1 documents: each loads as Arazzo 1.1 and gets no schema
(or model, or version) error. Several break rules only a semantic validator sees (the
``characterization-*`` files were written to show what the schema lets through); those are listed
in ``SEMANTIC`` with the rule that catches them (docs/spec-1.1.md, "Schema tests"). Every
``fail`` document gets at least one error, and ``FAIL`` names the finding that says why.

The suite is read in place from the shared folder (V11-VER-01).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "suites" / \
    "arazzo-1.1-schema-tests"

#: what may not appear on a pass document: the schema, model and version verdicts
NOT_ON_PASS = {"schema", "model", "unsupported-version", "document", "load"}

#: pass documents with a semantic error the schema cannot see: file -> (rule, why)
SEMANTIC = {
    "async-with-channel-path.arazzo.yaml": (
        "unresolved-operation", "channelPath 'createUser' is no source reference plus pointer "
        "(V11-STP-02, V11-AMB-08)"),
    "characterization-async-invalid-channelPath-string.arazzo.yaml": (
        "unresolved-operation", "a channelPath that is no pointer (V11-AMB-08)"),
    "characterization-asyncapi-operationId-without-action.arazzo.yaml": (
        "async-action", "an AsyncAPI step without action (V11-STP-05, V11-AMB-06)"),
    "characterization-openapi-invalid-operationPath-string.arazzo.yaml": (
        "unresolved-operation", "an operationPath that is no pointer (STP-04)"),
    "characterization-openapi-operationId-with-action.arazzo.yaml": (
        "async-field", "action on an OpenAPI step (V11-STP-05, V11-AMB-06)"),
    "characterization-openapi-receive-with-correlationId.arazzo.yaml": (
        "async-field", "action and correlationId on an OpenAPI step (V11-STP-06)"),
    "openapi-operation-path.arazzo.yaml": (
        "unresolved-operation", "'$sourceDescriptions.userAPI#/...' is no operationPath form "
        "(STP-04)"),
    "openapi-success-criteria.arazzo.yaml": (
        "unresolved-operation", "source 'UserAPI' referenced as 'userAPI' (SEM-04)"),
    "workflow-success-criteria.arazzo.yaml": (
        "unresolved-operation", "source 'UserAPI' referenced as 'userAPI' (SEM-04)"),
    "asyncapi-success-criteria.arazzo.yaml": (
        "expression-syntax", "'$.status == ...' is no RFC 9535 query (V11-CRI-07, V11-AMB-32)"),
    "oauth-example.yaml": (
        "expression-syntax", "'$.access_token != null' is no RFC 9535 query (V11-CRI-07)"),
    "payload-replacement-using-selector.arazzo.yaml": (
        "expression-syntax", "selector context '$steps.previous.outputs' names no output "
        "(V11-RTE-04)"),
    "bnpl-example.yaml": (
        "step-output-ref", "the spec example's outputs that are never declared (issue #332)"),
}

#: fail documents: file -> the finding that says what is wrong (rule, rule id)
FAIL = {
    "async-both-operationId-and-channelPath.arazzo.yaml": ("step-target", "V11-STP-03"),
    "async-channelPath-without-action.arazzo.yaml": ("async-action", "V11-STP-05"),
    "async-depends-on-duplicate-values.arazzo.yaml": ("schema", "V11-AMB-19"),
    "async-depends-on-empty.arazzo.yaml": ("schema", "V11-AMB-19"),
    "async-depends-on-invalid-reference.arazzo.yaml": ("depends-on", "V11-STP-09"),
    "channel-path-is-invalid-for-openapi.arazzo.yaml": ("async-action", "V11-STP-03"),
    "invalid-arazzo-version.yaml": ("schema", "V11-VER-01"),
    "invalid-async-correlation-id-non-receive-action.arazzo.yaml": ("async-field",
                                                                    "V11-STP-06"),
    "invalid-async-parameter-without-in.arazzo.yaml": ("parameter-in", "V11-PAR-05"),
    "invalid-async.arazzo.yaml": ("schema", "V11-STP-05"),
    "invalid-expression-type-object.arazzo.yaml": ("schema", "V11-SEL-08"),
    "invalid-openapi-parameter-without-in.arazzo.yaml": ("parameter-in", "V11-PAR-05"),
    "invalid-openapi-success-criteria.arazzo.yaml": ("schema", "V11-CRI-11"),
    "invalid-querystring-without-value.arazzo.yaml": ("schema", "V11-PAR-03"),
    "invalid-selector-object.arazzo.yaml": ("schema", "V11-SEL-01"),
    "invalid-self-fragment.arazzo.yaml": ("schema", "V11-VER-03"),
    "invalid-targetSelectorType.arazzo.yaml": ("schema", "V11-RBD-03"),
    "invalid-workflow-step-with-operationId.arazzo.yaml": ("step-target", "STP-02"),
    "invalid-workflow-success-criteria.arazzo.yaml": ("schema", "V11-CRI-11"),
    "not-an-object.yaml": ("document", "FMT-01"),
    "openapi-both-operationId-and-operationPath.arazzo.yaml": ("step-target", "STP-02"),
    "openapi-duplicate-parameters.arazzo.yaml": ("duplicate-parameter", "STP-06"),
    "openapi-missing-operation-target.arazzo.yaml": ("step-target", "STP-02"),
    "workflow-duplicate-parameters.arazzo.yaml": ("duplicate-parameter", "STP-06"),
    "workflow-missing-workflowId.arazzo.yaml": ("step-target", "STP-02"),
    "workflow-step-with-action.arazzo.yaml": ("async-field", "V11-STP-05"),
    "workflow-step-with-channelPath.arazzo.yaml": ("step-target", "V11-STP-03"),
}


def _files(folder: str) -> list[object]:
    found = sorted((SUITE / folder).glob("*.y*ml"))
    if not found:
        return [pytest.param(None, id=folder,
                             marks=pytest.mark.skip(reason="shared corpus not present"))]
    return [pytest.param(path, id=path.name) for path in found]


def _errors(path: Path) -> list[arazzo.Diagnostic]:
    return [d for d in arazzo.validate(path, allow_dirs=[SUITE]) if d.is_error]


@pytest.mark.parametrize("path", _files("pass"))
def test_V11_VER_01_pass_documents_are_schema_valid_1_1(path: Path) -> None:
    doc = arazzo.load(path, allow_dirs=[SUITE])
    assert doc.spec.spec_minor == "1.1"
    errors = _errors(path)
    assert not [d for d in errors if d.rule in NOT_ON_PASS], "\n".join(map(str, errors))
    if path.name in SEMANTIC:
        rule, why = SEMANTIC[path.name]
        assert rule in {d.rule for d in errors}, f"{why}: {errors}"


@pytest.mark.parametrize("path", _files("fail"))
def test_V11_VER_01_fail_documents_get_their_error(path: Path) -> None:
    errors = _errors(path)
    assert errors, f"{path.name} must get an error"
    rule, rule_id = FAIL[path.name]
    assert rule in {d.rule for d in errors}, f"{rule_id}: {errors}"
    for d in errors:  # every finding points into the file
        assert d.file is not None
        assert d.file.endswith(path.name)


def test_every_suite_document_is_classified() -> None:
    if not SUITE.is_dir():
        pytest.skip("shared corpus not present")
    assert {p.name for p in (SUITE / "fail").iterdir()} == set(FAIL)
    assert set(SEMANTIC) <= {p.name for p in (SUITE / "pass").iterdir()}
    assert len(FAIL) == 27
    assert len(list((SUITE / "pass").iterdir())) == 35
