"""The executable fixtures of jentic/arazzo-engine (runner/tests/fixtures/*/test_config.yaml)
run against the scripted server.

Each config lists mock responses (global per source, and per workflow: path or absolute URL,
method, optional query/body matchers, status, JSON or text response, headers), the inputs and
the expected outputs (workflow outputs, or ``stepId.output``), success and number of calls.
Cases whose fixture contradicts the specification (or cannot run at all) are listed in
:data:`CONTRADICTIONS` with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from engine_support import SHARED
from server import Recorded, Reply, ScriptedServer

import arazzo

FIXTURES = SHARED / "corpus" / "jentic__arazzo-engine" / "runner" / "tests" / "fixtures"

#: case id -> why the fixture contradicts the spec (or cannot run); these are xfail(strict)
_SPOTIFY = "spotify.openapi.yaml is not part of the fixture: the source cannot be loaded"
_DISCORD = ("step outputs hold a number / the OpenAPI file discord.openapi.json is missing "
            "(STP-11: output values are runtime-expression strings)")
_PET_ID = ("workflow apply-coupon passes path parameter 'pet_id' to /pet/{petId}/coupons: the "
           "name does not match the template (case-sensitive, PAR-06), so the path cannot be "
           "built; validation refuses the document (required-parameter) before any request")
CONTRADICTIONS: dict[str, str] = {
    "bnpl-0-ApplyForLoanAtCheckout": (
        "reads step outputs the steps do not declare ($steps.authenticate...outputs."
        "redirectAuthToken, SEM-05) and uses $response.headers (RTE-05 erratum); refused by "
        "validation"),
    "discord-0-getUserInfoAndSendMessage": _DISCORD,
    "discord-1-listUserGuilds": _DISCORD,
    "discord-2-postChannelMessage": _DISCORD,
    "newyork_times-0-Search_Articles_by_Keyword": (
        "output keys with spaces ('Search ArticlesResponse') break the MUST pattern "
        "^[a-zA-Z0-9.\\-_]+$ (STP-11, SEM-02)"),
    "pet_coupons-0-apply-coupon": _PET_ID,
    "pet_coupons-1-buy-available-pet": _PET_ID,
    "pet_coupons-2-place-order": _PET_ID,
    "pet_coupons-3-place-order": _PET_ID,
    "spotify-0-getSpotifyToken": _SPOTIFY,
    "spotify-1-searchTracks": _SPOTIFY,
    "spotify-2-getTrackDetails": _SPOTIFY,
    "train-0-Search_Stations": (
        "stepIds with spaces ('Plan a Trip_search_stations_0') cannot be referenced by "
        "$steps expressions (RTE-17), and output keys break the key pattern (SEM-02)"),
    "xkcd-0-getCurrentComic": "workflow outputs hold null instead of expressions (WF-08)",
    "xkcd-1-getComicById": "workflow outputs hold null instead of expressions (WF-08)",
}


def _cases() -> list[Any]:
    if not FIXTURES.is_dir():
        return [pytest.param(None, None, None, id="absent",
                             marks=pytest.mark.skip(reason="shared corpus not present"))]
    out = []
    for config_path in sorted(FIXTURES.glob("*/test_config.yaml")):
        config = yaml.safe_load(config_path.read_text())
        for index, entry in enumerate(config.get("workflows") or []):
            case_id = f"{config_path.parent.name}-{index}-{entry['id']}".replace(" ", "_")
            marks = []
            if case_id in CONTRADICTIONS:
                marks.append(pytest.mark.xfail(reason=CONTRADICTIONS[case_id], strict=True))
            out.append(pytest.param(config_path, index, entry, id=case_id, marks=marks))
    return out


def _arazzo_file(directory: Path, entry: dict[str, Any]) -> Path:
    if entry.get("arazzo_spec"):
        return directory / str(entry["arazzo_spec"])
    for path in sorted(directory.iterdir()):
        if path.suffix in (".yaml", ".yml", ".json") and path.name != "test_config.yaml":
            text = path.read_text(errors="replace")
            if text.lstrip().startswith("arazzo") or "\narazzo:" in text[:500]:
                return path
    raise AssertionError(f"no Arazzo document in {directory}")


def _matcher(mock: dict[str, Any]) -> Any:
    query = mock.get("query_params") or mock.get("request_params") or {}
    body = mock.get("request_body")

    def when(request: Recorded) -> bool:
        for key, expected in query.items():
            got = request.query.get(key)
            wanted = [str(v).lower() if isinstance(v, bool) else str(v) for v in (
                expected if isinstance(expected, list) else [expected])]
            if got is None:
                return False
            values = got if len(got) > 1 else got[0].split(",")
            if wanted not in (values, got):
                return False
        if body is not None:
            try:
                sent = json.loads(request.body or b"null")
            except ValueError:
                return False
            if not isinstance(sent, dict) or any(sent.get(k) != v for k, v in body.items()):
                return False
        return True

    return when


def _reply(mock: dict[str, Any]) -> Reply:
    headers = {str(k): str(v) for k, v in (mock.get("headers") or {}).items()}
    if "response" in mock and mock["response"] is not None:
        return Reply(int(mock.get("status_code", 200)), json=mock["response"], headers=headers)
    if "text" in mock:
        return Reply(int(mock.get("status_code", 200)), body=mock["text"],
                     content_type="text/plain", headers=headers)
    return Reply(int(mock.get("status_code", 200)), headers=headers)


@pytest.mark.corpus
@pytest.mark.parametrize(("config_path", "index", "entry"), _cases())
def test_jentic_fixture(config_path: Path, index: int, entry: dict[str, Any],
                        server: ScriptedServer) -> None:
    config = yaml.safe_load(config_path.read_text())
    directory = config_path.parent
    document = arazzo.load(_arazzo_file(directory, entry))
    base_urls: dict[str, str] = config.get("base_urls") or {}
    servers: dict[str, str] = {}
    base_paths: set[str] = set()
    for doc in document.iter_documents():
        for source in doc.openapi_sources:
            declared = source.model.servers[0].expand() if source.model.servers else "/"
            base = base_urls.get(source.name, declared)
            path = urlsplit(base).path.rstrip("/")
            base_paths.add(path)
            servers[source.name] = server.url + path
    for path in {urlsplit(u).path.rstrip("/") for u in base_urls.values()}:
        base_paths.add(path)
    mocks = list(entry.get("custom_mocks") or [])
    for group in (config.get("custom_mocks") or {}).values():
        mocks.extend(group or [])
    for mock in mocks:
        target = mock.get("path") or mock.get("url") or "/"
        if target.startswith(("http://", "https://")):
            paths = {urlsplit(target).path}
        else:
            paths = {p + target for p in base_paths}
        for path in paths:
            server.route(str(mock.get("method", "get")), path, _reply(mock), when=_matcher(mock))
    inputs = entry.get("inputs") or entry.get("params") or {}
    # The fixtures' mocks take no credentials (arazzo-runner sends without them when none
    # are configured); we refuse to unless told so: auth={source: None} (docs/auth.md).
    result = arazzo.run(document, entry["id"], inputs, servers=servers, loop_delay=0,
                        timeout=20, auth=dict.fromkeys(servers))
    assert result.succeeded == entry.get("expect_success", True), result.error
    for key, expected in (entry.get("expected_outputs") or {}).items():
        if key in result.outputs:
            assert result.outputs[key] == expected, key
            continue
        step_id, _, name = key.partition(".")
        record = result.step(step_id)
        assert record is not None, f"no output {key!r}: outputs {sorted(result.outputs)}"
        assert record.outputs.get(name) == expected, key
    if "expected_api_calls" in entry:
        assert len(server.requests) == entry["expected_api_calls"], [
            (r.method, r.path) for r in server.requests]
