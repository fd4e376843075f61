"""``--report junit|json|har``: valid files, failures located, secrets masked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cli_support import DATA, PASSWORD, PETS, PETS_INPUTS, TOKEN, script_pets
from server import ScriptedServer

from arazzo.cli import main

SECRETS = (PASSWORD, TOKEN)


def _run_with_reports(server: ScriptedServer, tmp_path: Path, *, fail: bool = False
                      ) -> tuple[int, Path]:
    script_pets(server, ready_after=2, fail_create=fail)
    out = tmp_path / "reports"
    code = main(["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS),
                 "--server", f"pets={server.url}", "--loop-delay", "0", "--quiet",
                 "--report", f"junit={out / 'junit.xml'}", "--report",
                 f"json={out / 'run.json'}", "--report", f"har={out / 'run.har'}"])
    return code, out


def _no_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {path.name}"


def test_junit_validates_against_the_junit_schema(server: ScriptedServer,
                                                  tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema validates the JUnit XSD "
                                                        "(a test dependency)")
    schema = xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))
    for fail in (False, True):
        code, out = _run_with_reports(server, tmp_path / str(fail), fail=fail)
        assert code == (1 if fail else 0)
        schema.validate(str(out / "junit.xml"))
        server.reset()


def test_junit_failure_names_the_step_and_reason(server: ScriptedServer,
                                                 tmp_path: Path) -> None:
    code, out = _run_with_reports(server, tmp_path, fail=True)
    assert code == 1
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert root.get("tests") == "1"
    assert root.get("failures") == "1"
    suite = root.find("testsuite")
    assert suite is not None
    case = suite.find("testcase")
    assert case is not None
    assert case.get("name") == "adopt"
    assert case.get("classname") == "pets_arazzo"
    failure = case.find("failure")
    assert failure is not None
    assert "step 'createPet' failed" in (failure.get("message") or "")
    assert failure.get("type") == "StepFailed"
    assert "step: adopt/createPet" in (failure.text or "")
    assert "reason: condition '$statusCode == 201' is false" in (failure.text or "")
    assert "error: Boom no pets" in (failure.text or "")
    _no_secrets(out / "junit.xml")


def test_junit_success_has_no_failure(server: ScriptedServer, tmp_path: Path) -> None:
    code, out = _run_with_reports(server, tmp_path)
    assert code == 0
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("failures") == "0"
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.find("failure") is None
    system_out = case.find("system-out")
    assert system_out is not None
    assert "adopt/waitReady #2" in (system_out.text or "")
    _no_secrets(out / "junit.xml")


def _check_har_entry(entry: dict[str, Any]) -> None:
    """The fields HAR 1.2 requires (http://www.softwareishard.com/blog/har-12-spec/)."""
    for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert key in entry, key
    request, response = entry["request"], entry["response"]
    for key in ("method", "url", "httpVersion", "cookies", "headers", "queryString",
                "headersSize", "bodySize"):
        assert key in request, key
    for key in ("status", "statusText", "httpVersion", "cookies", "headers", "content",
                "redirectURL", "headersSize", "bodySize"):
        assert key in response, key
    assert {"size", "mimeType"} <= set(response["content"])
    for key in ("send", "wait", "receive"):
        assert isinstance(entry["timings"][key], (int, float))
    for header in request["headers"] + response["headers"]:
        assert set(header) >= {"name", "value"}
    if "postData" in request:
        assert {"mimeType", "text"} <= set(request["postData"])
    assert entry["startedDateTime"].endswith("Z")
    assert isinstance(entry["time"], (int, float))


def test_har_is_valid_and_masked(server: ScriptedServer, tmp_path: Path) -> None:
    code, out = _run_with_reports(server, tmp_path)
    assert code == 0
    har = json.loads((out / "run.har").read_text(encoding="utf-8"))
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "arazzo"
    assert {"name", "version"} <= set(log["creator"])
    entries = log["entries"]
    assert [e["_stepId"] for e in entries] == ["login", "createPet", "waitReady", "waitReady"]
    for entry in entries:
        _check_har_entry(entry)
    login = entries[0]
    assert json.loads(login["request"]["postData"]["text"]) == {"user": "ada",
                                                                "password": "***"}
    assert json.loads(login["response"]["content"]["text"])["access_token"] == "***"
    create = entries[1]
    auth = [h for h in create["request"]["headers"] if h["name"] == "Authorization"]
    assert auth == [{"name": "Authorization", "value": "***"}]
    assert entries[3]["response"]["status"] == 200
    assert json.loads(entries[3]["response"]["content"]["text"])["status"] == "ready"
    _no_secrets(out / "run.har")


def test_json_report_is_the_result_with_secret_outputs_masked(server: ScriptedServer,
                                                               tmp_path: Path) -> None:
    code, out = _run_with_reports(server, tmp_path)
    assert code == 0
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert data["succeeded"] is True
    assert data["outputs"] == {"petId": "7", "status": "ready"}
    assert data["arazzo"]["document"] == str(PETS)
    assert data["steps"][0]["outputs"] == {"token": "***"}
    _no_secrets(out / "run.json")


def test_har_records_transport_failures(tmp_path: Path) -> None:
    from server import closed_port

    out = tmp_path / "run.har"
    code = main(["run", str(PETS), "-w", "ping", "--server",
                 f"pets=http://127.0.0.1:{closed_port()}", "--quiet", "--report",
                 f"har={out}"])
    assert code == 1
    entry = json.loads(out.read_text())["log"]["entries"][0]
    _check_har_entry(entry)
    assert entry["response"]["status"] == 0
    assert "_error" in entry["response"]


def test_reports_and_dry_run_do_not_mix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(PETS), "-w", "ping", "--dry-run", "--report", "har=x.har"]) == 2
    assert "leave out --dry-run" in capsys.readouterr().err
