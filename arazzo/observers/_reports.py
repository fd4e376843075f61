"""Run reports: JUnit XML (for CI), the result as JSON, and HAR 1.2 (requests and responses).

- :func:`junit_xml` — one ``<testcase>`` per workflow run; a failed run gets a ``<failure>``
  whose message names the step and the reason, and the timeline goes to ``<system-out>``.
  The shape is the Jenkins/Ant ``junit-10.xsd`` that GitLab, GitHub test reporters, Azure
  DevOps and CircleCI read.
- :func:`json_report` — :meth:`RunResult.to_dict` plus the document and tool version.
- :class:`Recorder` — a hook collecting every HTTP exchange from ``RequestSent`` /
  ``ResponseReceived`` events; :func:`har` turns them into a HAR 1.2 log.

Secrets: events are masked by the engine and results are written as
:meth:`RunResult.masked` (secret headers, secret query parameters, values of
``format: password`` / ``writeOnly`` inputs and of secret headers). The
HAR writer also masks JSON members whose names say they hold a secret (``password``,
``token``, ``apiKey``, ``secret``, ``credential``, ``accessKey``...), so a token returned by a
login call does not end up in a file attached to a CI job.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

# The writers' own imports (events, masking, XML, sockets) are made where they are used: the
# command line builds its parser, whose --report help lists REPORT_FORMATS, on every start.
if TYPE_CHECKING:
    from arazzo.engine._results import RunResult, StepRecord

__all__ = [
    "REPORT_FORMATS",
    "Exchange",
    "Recorder",
    "ReportFormat",
    "har",
    "json_report",
    "junit_xml",
    "mask_json_secrets",
    "render_report",
]

_SECRET_KEY = re.compile(
    r"(api[-_]?key|apikey|token|secret|passw(or)?d|credential|private[-_]?key|access[-_]?key"
    r"|client[-_]?secret)", re.IGNORECASE)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _version() -> str:
    from arazzo._version import __version__

    return __version__


# ------------------------------------------------------------------------------------------
# timeline text (shared by the CLI and the JUnit report)


# ------------------------------------------------------------------------------------------
# JUnit


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_XML_INVALID.sub("?", text))


def _xml_attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(_XML_INVALID.sub("?", text).replace("\n", " "))


def _failed_step(result: RunResult) -> StepRecord | None:
    for record in reversed(result.steps):
        if not record.succeeded:
            return record
    return None


def _classname(document: str) -> str:
    """A dot-free class name (CI tools split class names at dots into packages)."""
    stem = os.path.basename(document.rstrip("/")) or document
    for suffix in (".yaml", ".yml", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem) or "arazzo"


def _testcase(result: RunResult, document: str) -> list[str]:
    result = result.masked()
    out = [f'    <testcase name={_xml_attr(result.workflow_id)} '
           f'classname={_xml_attr(_classname(document))} time="{result.duration:.3f}">']
    if not result.succeeded:
        step = _failed_step(result)
        kind = "StepFailed" if step is not None else "RunFailed"
        message = result.error or "the workflow failed"
        detail = []
        if step is not None:
            detail.append(f"step: {step.workflow_id}/{step.step_id} (attempt {step.attempt})")
            if step.method and step.url:
                status = step.status_code if step.status_code is not None else "-"
                detail.append(f"request: {step.method} {step.url} -> {status}")
            detail.extend(f"reason: {f}" for f in step.failures)
            if step.error_code or step.error_message:
                detail.append(f"error: {step.error_code or ''} {step.error_message or ''}"
                              .strip())
        detail.append(f"run: {message}")
        out.append(f'      <failure message={_xml_attr(message)} type="{kind}">'
                   f'{_xml_text(chr(10).join(detail))}</failure>')
    from arazzo.engine._timeline import timeline_lines

    lines = timeline_lines(result)
    if result.outputs:
        lines.append("outputs: " + json.dumps(_jsonable(result.outputs), ensure_ascii=False,
                                              default=str))
    out.append(f'      <system-out>{_xml_text(chr(10).join(lines))}</system-out>')
    out.append('    </testcase>')
    return out


def junit_xml(results: list[tuple[RunResult, str]], *, name: str = "arazzo") -> str:
    """A JUnit XML report of ``(result, document)`` pairs.

    One ``<testsuite>`` per document (named by its path), one ``<testcase>`` per workflow
    run: ``name`` is the workflow id, ``classname`` the document's file name without
    extension. A failed run has a ``<failure>`` whose ``message`` is the run's error (which
    names the step) and whose text lists the step, its request, and each reason; every
    test case carries the timeline in ``<system-out>``.
    """
    import socket
    from datetime import datetime, timezone

    suites: dict[str, list[RunResult]] = {}
    for result, document in results:
        suites.setdefault(document, []).append(result)
    failures = sum(1 for r, _ in results if not r.succeeded)
    total = sum(r.duration for r, _ in results)
    stamp = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()
    host = socket.gethostname() or "localhost"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name={_xml_attr(name)} tests="{len(results)}" '
           f'failures="{failures}" errors="0" time="{total:.3f}">']
    for document, runs in suites.items():
        failed = sum(1 for r in runs if not r.succeeded)
        out.append(f'  <testsuite name={_xml_attr(document)} tests="{len(runs)}" '
                   f'failures="{failed}" errors="0" skipped="0" '
                   f'time="{sum(r.duration for r in runs):.3f}" timestamp="{stamp}" '
                   f'hostname={_xml_attr(host)}>')
        out.append('    <properties>')
        out.append(f'      <property name="arazzo.version" value={_xml_attr(_version())}/>')
        out.append(f'      <property name="arazzo.document" value={_xml_attr(document)}/>')
        out.append('    </properties>')
        for result in runs:
            out.extend(_testcase(result, document))
        out.append('  </testsuite>')
    out.append('</testsuites>')
    return "\n".join(out) + "\n"


def _jsonable(value: Any) -> Any:
    from arazzo.engine._results import jsonable

    return jsonable(value)


# ------------------------------------------------------------------------------------------
# JSON


def json_report(result: RunResult, *, document: str | None = None) -> dict[str, Any]:
    """The result as ``arazzo run --format json`` prints it, with the tool and document.

    Outputs whose names say they hold a secret (``token``, ``password``...) are masked: a
    report is an artifact that gets uploaded, the ``--format json`` result is masked only by
    the run's secrets (:meth:`RunResult.masked`).
    """
    data = result.masked().to_dict()
    data["outputs"] = mask_json_secrets(data["outputs"])
    data["workflows"] = mask_json_secrets(data["workflows"])
    for step in data["steps"]:
        step["outputs"] = mask_json_secrets(step["outputs"])
    data["arazzo"] = {"version": _version(), "document": document}
    return data


# ------------------------------------------------------------------------------------------
# HTTP exchanges and HAR


@dataclass
class Exchange:
    """One HTTP attempt as the events saw it (masked)."""

    workflow_id: str
    step_id: str
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes | None
    started: float
    status_code: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    duration: float = 0.0
    error: str | None = None
    done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Recorder:
    """A hook that keeps the HTTP exchanges of a run (the last ``max_entries``)."""

    def __init__(self, max_entries: int | None = 10_000) -> None:
        self.exchanges: deque[Exchange] = deque(maxlen=max_entries)
        self.dropped = 0
        self._open: Exchange | None = None

    def __call__(self, event: Any) -> None:
        from arazzo.engine._events import RequestSent, ResponseReceived, StepFinished

        if isinstance(event, RequestSent):
            self._close(None)
            exchange = Exchange(event.workflow_id, event.step_id, event.method, event.url,
                                event.headers, event.body, time.time())
            if self.exchanges.maxlen is not None and \
                    len(self.exchanges) == self.exchanges.maxlen:
                self.dropped += 1
            self.exchanges.append(exchange)
            self._open = exchange
        elif isinstance(event, ResponseReceived):
            current = self._open
            if current is not None and current.step_id == event.step_id:
                exchange = current
                exchange.status_code = event.status_code
                exchange.response_headers = event.headers
                exchange.response_body = event.body
                exchange.duration = event.duration
                exchange.done = True
                self._open = None
        elif isinstance(event, StepFinished):
            current = self._open
            if current is not None and current.step_id == event.step_id:
                self._close("; ".join(event.failures) or "no response")

    def _close(self, error: str | None) -> None:
        exchange = self._open
        if exchange is not None:
            exchange.error = error or "no response"
            exchange.duration = max(0.0, time.time() - exchange.started)
            exchange.done = True
            self._open = None


def mask_json_secrets(value: Any) -> Any:
    """``value`` with the values of secret-named object members replaced by ``***``."""
    from arazzo.engine._requests import MASK

    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and _SECRET_KEY.search(k)
                    and isinstance(v, (str, int, float)) else mask_json_secrets(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json_secrets(v) for v in value]
    return value


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


def _content(body: bytes | None, mime: str | None) -> dict[str, Any]:
    """HAR ``text`` (+ ``encoding``) of a body, JSON secrets masked."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}
    if (mime and "json" in mime.lower()) or text[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            return {"text": text}
        masked = mask_json_secrets(data)
        if masked != data:
            text = json.dumps(masked, ensure_ascii=False, separators=(",", ":"))
    return {"text": text}


def _har_headers(headers: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    from arazzo.engine._requests import MASK, is_secret_header

    return [{"name": k, "value": MASK if is_secret_header(k) else v} for k, v in headers]


def _iso(epoch: float) -> str:
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
            301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def _entry(exchange: Exchange) -> dict[str, Any]:
    parts = urlsplit(exchange.url)
    query = [{"name": k, "value": v} for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(exchange.request_headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": len(exchange.request_body) if exchange.request_body else 0,
    }
    if exchange.request_body:
        mime = _header(exchange.request_headers, "content-type") or "application/octet-stream"
        content = _content(exchange.request_body, mime)
        post: dict[str, Any] = {"mimeType": mime, "text": content.get("text", "")}
        if "encoding" in content:  # HAR has no postData encoding: keep it as a custom field
            post["_encoding"] = content["encoding"]
        request["postData"] = post
    response_mime = _header(exchange.response_headers, "content-type") or ""
    status = exchange.status_code or 0
    response: dict[str, Any] = {
        "status": status,
        "statusText": _REASONS.get(status, ""),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(exchange.response_headers),
        "content": {"size": len(exchange.response_body), "mimeType": response_mime,
                    **_content(exchange.response_body, response_mime)},
        "redirectURL": _header(exchange.response_headers, "location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body) if exchange.done and exchange.error is None
        else -1,
    }
    if exchange.error is not None:
        response["_error"] = exchange.error
    millis = round(exchange.duration * 1000, 3)
    return {
        "startedDateTime": _iso(exchange.started),
        "time": millis,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": millis, "receive": 0},
        "comment": f"{exchange.workflow_id}/{exchange.step_id}",
        "_workflowId": exchange.workflow_id,
        "_stepId": exchange.step_id,
    }


def har(recorder: Recorder, *, comment: str = "") -> dict[str, Any]:
    """A HAR 1.2 document (``{"log": {...}}``) of the recorded exchanges.

    Requests are shown as the engine built them: headers a transport adds on the way out (a
    SigV4 ``Authorization`` signature, ``arazzo run --header``) are not part of it.
    """
    note = comment
    if recorder.dropped:
        note = (note + "; " if note else "") + f"{recorder.dropped} earlier entries dropped"
    log: dict[str, Any] = {
        "version": "1.2",
        "creator": {"name": "arazzo", "version": _version()},
        "entries": [_entry(e) for e in recorder.exchanges],
    }
    if note:
        log["comment"] = note
    return {"log": log}


# ------------------------------------------------------------------------------------------
# the formats


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """A report format: ``render(result, document, recorder)`` returns the file's text.

    ``result`` is the run's :class:`~arazzo.RunResult`, masked (:meth:`RunResult.masked`);
    ``document`` the document's path as given. When ``records_exchanges`` is true the run is
    watched by a :class:`Recorder` hook, passed as ``recorder`` (else ``None``).
    """

    render: Callable[[RunResult, str, Recorder | None], str]
    description: str = ""
    records_exchanges: bool = False


def _render_junit(result: RunResult, document: str, recorder: Recorder | None) -> str:
    return junit_xml([(result, document)])


def _render_json(result: RunResult, document: str, recorder: Recorder | None) -> str:
    return json.dumps(json_report(result, document=document), indent=2,
                      ensure_ascii=False) + "\n"


def _render_har(result: RunResult, document: str, recorder: Recorder | None) -> str:
    if recorder is None:
        from arazzo._exceptions import InputError

        raise InputError("the har report needs the Recorder that watched the run "
                         "(hooks=[recorder], then recorder=recorder)")
    return json.dumps(har(recorder, comment=f"arazzo run {document}"), indent=2,
                      ensure_ascii=False) + "\n"


#: The report formats by name: what ``arazzo run --report FORMAT=PATH`` accepts and lists,
#: and what :func:`render_report` reads. A format is added here, and only here.
REPORT_FORMATS: Mapping[str, ReportFormat] = MappingProxyType({
    "junit": ReportFormat(_render_junit, "JUnit XML, one test case per workflow run"),
    "json": ReportFormat(_render_json, "the run result as JSON, with the tool and document"),
    "har": ReportFormat(_render_har, "HAR 1.2, every HTTP exchange of the run",
                        records_exchanges=True),
})


def render_report(format: str, result: RunResult, *, document: str = "",
                  recorder: Recorder | None = None,
                  formats: Mapping[str, ReportFormat] | None = None) -> str:
    """The text of the ``format`` report of ``result`` (masked first), as ``arazzo run
    --report`` writes it. ``document``: the document's path, shown in the report.
    ``recorder``: the :class:`Recorder` hook that watched the run, for formats that record
    exchanges (``har``). ``formats``: the registry to read (default :data:`REPORT_FORMATS`;
    pass ``{**REPORT_FORMATS, "mine": ReportFormat(...)}`` to add one).

    Raises :class:`~arazzo.InputError` for an unknown format (naming the known ones).
    """
    if formats is None:
        formats = REPORT_FORMATS
    chosen = formats.get(format)
    if chosen is None:
        from arazzo._exceptions import InputError

        raise InputError(f"unknown report format {format!r} (formats: "
                         f"{', '.join(formats)})")
    return chosen.render(result.masked(), document, recorder)


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8), creating parent directories."""
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
