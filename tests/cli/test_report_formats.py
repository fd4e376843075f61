"""One registry of report formats (``REPORT_FORMATS``): ``arazzo run --report`` lists, checks
and writes exactly its formats, and ``render_report`` reads the same mapping."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import MappingProxyType

import httpx
import pytest
from cli_support import PASSWORD, PETS, PETS_INPUTS, script_pets
from server import ScriptedServer

import arazzo
from arazzo.cli import build_parser, main
from arazzo.observers import _reports


def _report_help() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run: argparse.ArgumentParser = sub.choices["run"]
    action = next(a for a in run._actions if "--report" in a.option_strings)
    assert isinstance(action.help, str)
    return action.help


def _listed(help_text: str) -> list[str]:
    listed = help_text.split("a report: ", 1)[1].rsplit(" (repeatable)", 1)[0]
    return listed.split(", ")


def test_report_help_lists_exactly_the_registry() -> None:
    assert _listed(_report_help()) == list(arazzo.REPORT_FORMATS) == ["junit", "json", "har"]


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        arazzo.REPORT_FORMATS["xml"] = arazzo.REPORT_FORMATS["json"]  # type: ignore[index]


def _lines(result: arazzo.RunResult, document: str, recorder: arazzo.Recorder | None) -> str:
    return f"{result.workflow_id} {'ok' if result.succeeded else 'failed'} {document}\n"


def test_a_format_added_to_the_registry_is_offered_checked_and_written(
        server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    extended = MappingProxyType({**_reports.REPORT_FORMATS,
                                 "lines": arazzo.ReportFormat(_lines, "one line per run")})
    monkeypatch.setattr(_reports, "REPORT_FORMATS", extended)
    assert _listed(_report_help()) == ["junit", "json", "har", "lines"]

    assert main(["run", str(PETS), "--report", "xml=out.xml"]) == 2
    assert "junit, json, har, lines" in capsys.readouterr().err

    script_pets(server, ready_after=1)
    out = tmp_path / "out.txt"
    code = main(["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS),
                 "--server", f"pets={server.url}", "--loop-delay", "0", "--quiet",
                 "--report", f"lines={out}"])
    assert code == 0
    assert out.read_text(encoding="utf-8") == f"adopt ok {PETS}\n"


def _pets_result(recorder: arazzo.Recorder | None = None) -> arazzo.RunResult:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return httpx.Response(200, json={"token": "tok-1"})
        if request.method == "POST":
            return httpx.Response(201, json={"id": 7, "status": "ready"})
        return httpx.Response(200, json={"id": 7, "status": "ready"})

    return arazzo.run(PETS, "adopt", PETS_INPUTS, servers={"pets": "https://pets.test"},
                      transports={"pets": httpx.MockTransport(handler)}, loop_delay=0,
                      hooks=[recorder] if recorder is not None else None)


def test_render_report_reads_the_same_registry() -> None:
    recorder = arazzo.Recorder()
    result = _pets_result(recorder)
    assert result.succeeded, result.error
    as_json = json.loads(arazzo.render_report("json", result, document="pets.arazzo.yaml"))
    assert as_json["workflowId"] == "adopt"
    assert as_json["arazzo"]["document"] == "pets.arazzo.yaml"
    junit = arazzo.render_report("junit", result, document="pets.arazzo.yaml")
    assert junit.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    har = json.loads(arazzo.render_report("har", result, recorder=recorder))
    assert [e["request"]["method"] for e in har["log"]["entries"]][:2] == ["POST", "POST"]
    for text in (json.dumps(as_json), junit, json.dumps(har)):
        assert PASSWORD not in text
    with pytest.raises(arazzo.InputError, match="needs the Recorder"):
        arazzo.render_report("har", result)
    with pytest.raises(arazzo.InputError, match=r"unknown report format 'xml' \(formats: "
                                                r"junit, json, har\)"):
        arazzo.render_report("xml", result)
    mine = {**arazzo.REPORT_FORMATS, "lines": arazzo.ReportFormat(_lines)}
    assert arazzo.render_report("lines", result, document="d", formats=mine) == "adopt ok d\n"
