"""The provider seam: the core asks ``providers=`` (default ``arazzo.DEFAULT_PROVIDERS``)
about sources instead of importing ``arazzo.aws``; AWS is one provider, loaded lazily."""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_network import route_clients

import arazzo
from arazzo import LoopPacing, OpenAPISource, OperationRef, Provider
from arazzo._run import prepare
from arazzo.documents.models import Parameter

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "specs" / "amazon-sagemaker" / "arazzo" / \
    "amazon-sagemaker-train-then-deploy-workflow.yml"
FLAGSHIP_INPUTS = ROOT / "specs" / "amazon-sagemaker" / "inputs.emulator.json"
FLAGSHIP_SOURCE = "sagemakerApi"

OPENAPI = """\
openapi: 3.0.3
info: {title: status, version: "1"}
servers: [{url: "http://described.invalid"}]
components:
  securitySchemes:
    %(scheme)s
security: [%(security)s]
paths:
  /status:
    get:
      operationId: getStatus
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {type: object}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: status, version: "1"}
sourceDescriptions: [{name: api, url: ./api.openapi.yaml, type: openapi}]
workflows:
- workflowId: poll
  steps:
  - stepId: check
    operationId: getStatus
    successCriteria: [{condition: $statusCode == 200}]
    outputs: {state: $response.body#/state}
    onSuccess:
    - {name: again, type: goto, stepId: check,
       criteria: [{condition: $response.body#/state == "pending"}]}
    - {name: done, type: end}
"""


def _write(tmp_path: Path, *, scheme: str = "{}", security: str = "") -> Path:
    (tmp_path / "api.openapi.yaml").write_text(
        OPENAPI % {"scheme": scheme, "security": security}, encoding="utf-8")
    path = tmp_path / "poll.arazzo.yaml"
    path.write_text(ARAZZO, encoding="utf-8")
    return path


def _ready(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"state": "ready"})


# -- (a) a plain run never imports arazzo.aws ----------------------------------------------

_PROBE = """
import json, sys
import httpx
import arazzo

def handler(request):
    return httpx.Response(200, json={"state": "ready"})

result = arazzo.run(sys.argv[1], None, transports={"api": httpx.MockTransport(handler)})
print(json.dumps({"succeeded": result.succeeded,
                  "aws": sorted(m for m in sys.modules if m.startswith("arazzo.aws"))}))
"""


def _probe(path: Path, script: str = _PROBE) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize(("scheme", "security"), [
    ("{}", ""),
    ("{key: {type: apiKey, in: header, name: X-Key, description: an API key}}", "{}"),
], ids=["no-security", "api-key-scheme"])
def test_a_plain_run_imports_nothing_of_arazzo_aws(tmp_path: Path, scheme: str,
                                                   security: str) -> None:
    path = _write(tmp_path, scheme=scheme, security=security)
    assert _probe(path) == {"succeeded": True, "aws": []}


def test_import_arazzo_imports_nothing_of_arazzo_aws() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, arazzo; arazzo.DEFAULT_PROVIDERS; arazzo.Provider; "
         "print([m for m in sys.modules if m.startswith('arazzo.aws')])"],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_a_sigv4_document_loads_the_aws_provider() -> None:
    """The control for the probes above: a SigV4 source does load it (lazily)."""
    script = ("import json, sys, arazzo\nfrom arazzo._run import prepare\n"
              "prepare(sys.argv[1], None, json.load(open(sys.argv[2])), "
              "auth={'sagemakerApi': None})\n"
              "print(json.dumps({'aws': 'arazzo.aws._provider' in sys.modules}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(FLAGSHIP), str(FLAGSHIP_INPUTS)],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"aws": True}


# -- (b) a custom provider is asked ----------------------------------------------------------


class Signer(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Adds ``X-Signed-By`` and sends to the test's handler (sync and async)."""

    def __init__(self, handler: Any) -> None:
        self.mock = httpx.MockTransport(handler)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Signed-By"] = "test-provider"
        return self.mock.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Signed-By"] = "test-provider"
        return await self.mock.handle_async_request(request)


class HmacProvider:
    """Claims the source ``api``; its scheme ``hmac`` is satisfied by its transport."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.asked: list[str] = []

    def claims(self, source: OpenAPISource) -> bool:
        return source.name == "api"

    def security_kind(self, scheme: Mapping[str, Any]) -> str | None:
        return "test-hmac" if scheme.get("scheme") == "x-test-hmac" else None

    def servers(self, sources: Mapping[str, OpenAPISource]) -> Mapping[str, str]:
        self.asked.append("servers")
        return dict.fromkeys(sources, "http://provided.test")

    def transport(self, source: OpenAPISource,
                  inner: httpx.BaseTransport) -> httpx.BaseTransport:
        assert isinstance(inner, httpx.BaseTransport)
        self.asked.append("transport")
        return Signer(self.handler)

    def async_transport(self, source: OpenAPISource,
                        inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        assert isinstance(inner, httpx.AsyncBaseTransport)
        self.asked.append("async_transport")
        return Signer(self.handler)

    def pacing(self, operation: OperationRef,
               parameters: Sequence[Parameter]) -> LoopPacing | None:
        self.asked.append(f"pacing {operation.operation_id}")
        return LoopPacing(0.0, 3, "test provider's pacing")


HMAC = "{hmac: {type: http, scheme: x-test-hmac}}"


def test_custom_provider_is_a_provider() -> None:
    assert isinstance(HmacProvider(_ready), Provider)
    assert all(isinstance(p, Provider) for p in arazzo.DEFAULT_PROVIDERS)


def test_custom_provider_signs_serves_and_paces_a_sync_run(tmp_path: Path) -> None:
    path = _write(tmp_path, scheme=HMAC, security="{hmac: []}")
    seen: list[httpx.Request] = []

    def pending(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"state": "pending"})

    provider = HmacProvider(pending)
    result = arazzo.run(path, None, providers=(provider,))
    # its transport signed every request, sent to its server, and its pacing bounded the loop
    assert [r.headers.get("x-signed-by") for r in seen] == ["test-provider"] * 3
    assert {r.url.host for r in seen} == {"provided.test"}
    assert not result.succeeded
    assert "test provider's pacing" in (result.error or "")
    # pacing when the plan is compiled, servers on every run, the transport when sending
    assert provider.asked == ["pacing getStatus", "servers", "transport"]


class EqualByHandler(HmacProvider):
    """A provider with value equality and so no hash (as a dataclass would be)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EqualByHandler) and other.handler is self.handler

    __hash__ = None  # type: ignore[assignment]


def test_a_provider_need_not_be_hashable_and_each_run_asks_its_own(tmp_path: Path) -> None:
    document = arazzo.load(_write(tmp_path, scheme=HMAC, security="{hmac: []}"))
    for _ in range(2):  # the document's cache keeps what the providers said, by identity
        provider = EqualByHandler(_ready)
        result = arazzo.run(document, None, providers=(provider,))
        assert result.succeeded, result.error
        # pacing when the plan is compiled, servers on every run, the transport when sending
    assert provider.asked == ["pacing getStatus", "servers", "transport"]


def test_custom_provider_serves_an_async_run(tmp_path: Path) -> None:
    path = _write(tmp_path, scheme=HMAC, security="{hmac: []}")
    seen: list[httpx.Request] = []

    def ready(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _ready(request)

    provider = HmacProvider(ready)
    result = asyncio.run(arazzo.run_async(path, None, providers=[provider]))
    assert result.succeeded, result.error
    assert [(r.url.host, r.headers.get("x-signed-by")) for r in seen] == [
        ("provided.test", "test-provider")]
    assert "async_transport" in provider.asked


def test_without_the_provider_its_scheme_needs_credentials(tmp_path: Path) -> None:
    path = _write(tmp_path, scheme=HMAC, security="{hmac: []}")
    with pytest.raises(arazzo.MissingCredentials, match="hmac"):  # before anything is sent
        arazzo.run(path, None, providers=())


def test_caller_transports_win_over_the_provider(tmp_path: Path) -> None:
    path = _write(tmp_path)
    seen: list[httpx.Request] = []

    def ready(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _ready(request)

    provider = HmacProvider(_ready)
    result = arazzo.run(path, None, transports={"api": httpx.MockTransport(ready)},
                        servers={"api": "http://given.test"}, providers=(provider,))
    assert result.succeeded, result.error
    assert [(r.url.host, r.headers.get("x-signed-by")) for r in seen] == [("given.test", None)]
    assert "transport" not in provider.asked
    assert "servers" not in provider.asked


def test_providers_must_be_providers(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(arazzo.InputError, match="not a Provider"):
        arazzo.run(path, None, providers=(object(),))  # type: ignore[arg-type]
    with pytest.raises(arazzo.InputError, match="sequence of providers"):
        arazzo.run(path, None, providers=HmacProvider(_ready))  # type: ignore[arg-type]


# -- (c) providers=() turns AWS off on a SigV4 document ----------------------------------------


@pytest.fixture
def aws_region(clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSEAMEXAMPLE00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "seam-dummy-secret-00000000000000000000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    return "eu-west-3"


def _refuse(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json={"__type": "ValidationException", "message": "stop"},
                          headers={"Content-Type": "application/x-amz-json-1.1"})


def _flagship_inputs() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FLAGSHIP_INPUTS.read_text(encoding="utf-8"))
    return data


def test_default_providers_sign_and_pick_the_region(aws_region: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def fake(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _refuse(request)

    route_clients(monkeypatch, fake)  # signed requests go over the project's own client
    result = arazzo.run(FLAGSHIP, None, _flagship_inputs(), loop_delay=0)
    assert not result.succeeded
    assert seen[0].url.host == f"api.sagemaker.{aws_region}.amazonaws.com"
    assert seen[0].headers["authorization"].startswith("AWS4-HMAC-SHA256 ")


def test_no_providers_no_aws(aws_region: str) -> None:
    seen: list[httpx.Request] = []

    def fake(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _refuse(request)

    # the SigV4 scheme is an ordinary apiKey header now: it needs credentials (raised before
    # anything is sent; with the AWS provider the transport signs instead)
    with pytest.raises(arazzo.MissingCredentials, match="sigv4"):
        arazzo.run(FLAGSHIP, None, _flagship_inputs(), providers=())
    prepare(FLAGSHIP, None, _flagship_inputs())
    result = arazzo.run(FLAGSHIP, None, _flagship_inputs(), providers=(),
                        transports={FLAGSHIP_SOURCE: httpx.MockTransport(fake)},
                        auth={FLAGSHIP_SOURCE: None}, loop_delay=0)
    assert not result.succeeded
    # no configured region (the description's default server), no signature
    assert seen[0].url.host == "api.sagemaker.us-east-1.amazonaws.com"
    assert "authorization" not in seen[0].headers


def test_no_providers_no_waiter_pacing(aws_region: str) -> None:
    def pacing(providers: Sequence[Provider]) -> dict[str, str | None]:
        _, engine = prepare(FLAGSHIP, None, _flagship_inputs(), auth={FLAGSHIP_SOURCE: None},
                            providers=providers)
        return {s.step_id: s.pacing.origin if s.pacing else None for s in engine.root.steps
                if s.step_id.startswith("poll")}

    default = pacing(arazzo.DEFAULT_PROVIDERS)
    assert default["pollTrainingJob"] is not None
    assert "TrainingJobCompletedOrStopped" in default["pollTrainingJob"]
    assert set(pacing(()).values()) == {None}


# -- (d) the core never imports arazzo.aws -----------------------------------------------------


def _core_files() -> list[Path]:
    package = ROOT / "arazzo"
    return sorted(p for p in package.rglob("*.py") if "aws" not in p.relative_to(package).parts)


def test_no_core_module_imports_arazzo_aws() -> None:
    offenders: list[str] = []
    strings: list[str] = []
    for path in _core_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                offenders += [f"{where}:{node.lineno} import {a.name}" for a in node.names
                              if a.name == "arazzo.aws" or a.name.startswith("arazzo.aws.")]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                module = node.module
                if module == "arazzo.aws" or module.startswith("arazzo.aws."):
                    offenders.append(f"{where}:{node.lineno} from {module}")
                elif module == "arazzo" and any(a.name == "aws" for a in node.names):
                    offenders.append(f"{where}:{node.lineno} from arazzo import aws")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value.startswith("arazzo.aws"):
                strings.append(f"{where}: {node.value}")
    assert _core_files(), "no core modules found"
    assert offenders == []
    # the one mention: the lazy default provider's module path
    assert strings == ["arazzo/engine/_providers.py: arazzo.aws._provider:AwsProvider"]


def test_the_aws_cli_uses_only_public_core_names() -> None:
    path = ROOT / "arazzo" / "aws" / "_cli.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [node.module for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.module
               and node.module.startswith("arazzo._")]
    assert private == []


def test_lazy_provider_claims_nothing_without_a_matching_scheme(tmp_path: Path) -> None:
    lazy = arazzo.LazyProvider("no.such.module:Provider", words=("sigv4",))
    doc = arazzo.load(_write(tmp_path))
    source = next(iter(doc.openapi_sources))
    assert lazy.claims(source) is False  # answered without importing the module
    assert lazy.security_kind({"type": "apiKey", "in": "header", "name": "X"}) is None
    with pytest.raises(ModuleNotFoundError):
        lazy.security_kind({"description": "SigV4"})
