"""OpenAPI security for runs: which credentials a request needs, where they come from, and
how they are added (``docs/auth.md``).

Pure, apart from reading the environment when a run is prepared: the plan computes each
operation step's *effective security* once (:func:`effective_security`); a run's
:class:`Authenticator` picks, per step, the first requirement whose schemes all have
credentials (before anything is sent, so missing credentials are one error up front) and
turns them into headers, query parameters and cookies (:func:`apply`). OAuth2
client-credentials tokens are fetched by the engine, which yields the token request built
here (:meth:`Authenticator.token_request`) through the step's source transport like any
other request, and hands the response back (:meth:`Authenticator.store_token`).

Secrets (API keys, passwords, client secrets, tokens and the headers made from them) are
registered with the run's :class:`~arazzo.engine._requests.Masker`; nothing here prints them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode, urljoin

from arazzo._diagnostics import close_matches
from arazzo._exceptions import InputError, MissingCredentials

if TYPE_CHECKING:
    from arazzo.documents._loading import OpenAPISource, OperationRef
    from arazzo.engine._messages import RequestSpec, ResponseData, TransportFailure
    from arazzo.engine._providers import Provider

__all__ = [
    "ENV_PREFIX",
    "AuthArg",
    "Authenticator",
    "Choice",
    "Credential",
    "Requirement",
    "SchemeUse",
    "TokenError",
    "apply",
    "describe_choice",
    "effective_security",
    "env_name",
    "parse_auth",
]

#: environment variables with credentials start with this
ENV_PREFIX = "ARAZZO_AUTH_"
#: a cached OAuth2 token is renewed this long before it expires (at most a tenth of its life)
TOKEN_MARGIN = 30.0

#: ``auth=`` of run/run_async/prepare: {source: {scheme: credential}} (None: no auth)
AuthArg = Mapping[str, "Mapping[str, Any] | None"]



class _Param(Protocol):
    @property
    def location(self) -> str: ...
    @property
    def name(self) -> str: ...


class Masker(Protocol):
    """What credentials register with the run's masker (``arazzo.engine._requests.Masker``):
    secret values, secret parameter names; and the text it masks."""

    names: set[str]

    def add(self, values: Iterable[str]) -> None: ...
    def text(self, text: str) -> str: ...


class StepPlan(Protocol):
    """What credential choice reads of a planned step (``arazzo.engine._plan.StepPlan`` has it;
    a protocol so that this module does not import the plan that imports it)."""

    @property
    def step_id(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def operation(self) -> Any: ...
    @property
    def security(self) -> tuple[Requirement, ...]: ...
    @property
    def params(self) -> tuple[_Param, ...]: ...


class WorkflowPlan(Protocol):
    """What :meth:`Authenticator.bind` reads of a planned workflow: its steps."""

    @property
    def steps(self) -> Iterable[StepPlan]: ...


_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


def env_name(source: str, scheme: str) -> str:
    """``ARAZZO_AUTH_<SOURCE>_<SCHEME>``: upper-cased, every non-alphanumeric as ``_``."""
    return ENV_PREFIX + _NON_ALNUM.sub("_", f"{source}_{scheme}").upper()


# ------------------------------------------------------------------------------------------
# schemes and requirements (plan time)


@dataclass(frozen=True, slots=True)
class SchemeUse:
    """One scheme of a security requirement, as a step uses it."""

    source: str
    name: str
    #: the Security Scheme Object as data (None: not declared in components.securitySchemes)
    scheme: Mapping[str, Any] | None
    scopes: tuple[str, ...] = ()
    #: the kind a provider gives the scheme (``sigv4``): the provider's transport
    #: authenticates, so the step needs no credentials for it
    provided: str | None = None

    @property
    def kind(self) -> str:
        """``apiKey``, ``basic``, ``bearer``, ``oauth2``, ``openIdConnect``, ``mutualTLS``,
        ``http-<scheme>`` (other HTTP schemes), ``undeclared``, or a provider's kind
        (``sigv4``)."""
        scheme = self.scheme
        if scheme is None:
            return "undeclared"
        if self.provided is not None:
            return self.provided
        kind = str(scheme.get("type", ""))
        if kind == "http":
            name = str(scheme.get("scheme", "")).lower()
            return name if name in ("basic", "bearer") else f"http-{name}"
        return kind

    @property
    def token_url(self) -> str | None:
        """The clientCredentials flow's ``tokenUrl`` of an oauth2 scheme."""
        flows = (self.scheme or {}).get("flows")
        flow = flows.get("clientCredentials") if isinstance(flows, Mapping) else None
        url = flow.get("tokenUrl") if isinstance(flow, Mapping) else None
        return url if isinstance(url, str) and url else None

    def describe(self) -> str:
        kind = self.kind
        scheme = self.scheme or {}
        if kind == "apiKey":
            return f"apiKey in {scheme.get('in')} {scheme.get('name')}"
        if kind in ("basic", "bearer"):
            return f"HTTP {kind}"
        if kind == "oauth2":
            return "OAuth2 client credentials" if self.token_url else "OAuth2"
        if kind == "undeclared":
            return "not declared in components.securitySchemes"
        return kind

    def sets(self) -> tuple[str, str] | None:
        """(location, lower-cased name) of what this scheme sends."""
        kind = self.kind
        if kind == "apiKey":
            return (str((self.scheme or {}).get("in", "")),
                    str((self.scheme or {}).get("name", "")).lower())
        if kind in ("basic", "bearer", "oauth2", "openIdConnect") or kind.startswith("http-"):
            return ("header", "authorization")
        return None


Requirement = tuple[SchemeUse, ...]


def _provided(scheme: Any, providers: Sequence[Provider] | None) -> str | None:
    if not isinstance(scheme, Mapping):
        return None
    from arazzo.engine._providers import DEFAULT_PROVIDERS, security_kind

    return security_kind(scheme, DEFAULT_PROVIDERS if providers is None else providers)


def _raw_schemes(source: OpenAPISource) -> Mapping[str, Any]:
    components = source.raw.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    return schemes if isinstance(schemes, Mapping) else {}


def effective_security(op: OperationRef, providers: Sequence[Provider] | None = None
                       ) -> tuple[Requirement, ...]:
    """The operation's ``security`` if it has one (an empty list: none), else the root's.
    Each requirement lists its schemes with their scopes; ``()`` means no auth. A scheme a
    provider satisfies (``providers``, default :data:`~arazzo.DEFAULT_PROVIDERS`) has its
    kind (``SchemeUse.provided``)."""
    source = op.source
    requirements = op.operation.security
    if requirements is None:
        requirements = source.model.security
    if not requirements:
        return ()
    schemes = _raw_schemes(source)
    out = []
    for requirement in requirements:
        uses = []
        for name, scopes in requirement.items():
            raw = schemes.get(name)
            if isinstance(raw, Mapping) and isinstance(raw.get("$ref"), str):
                raw = source.resolver.deref(raw, source.file, "/components/securitySchemes/"
                                            + name)
            uses.append(SchemeUse(source.name, str(name),
                                  dict(raw) if isinstance(raw, Mapping) else None,
                                  tuple(str(s) for s in scopes or ()),
                                  _provided(raw, providers)))
        out.append(tuple(uses))
    return tuple(out)


# ------------------------------------------------------------------------------------------
# credentials


@dataclass(frozen=True, slots=True, repr=False)
class Credential:
    """What the caller gave for one scheme. ``kind``: ``value`` (an API key, a bearer or
    OAuth2 access token), ``basic`` (username, password) or ``client`` (OAuth2 client id and
    secret). ``origin`` says where it came from (for messages). Never printed."""

    kind: str
    origin: str
    value: str = ""
    username: str = ""
    password: str = ""
    client_id: str = ""
    client_secret: str = ""

    def __repr__(self) -> str:
        return f"<Credential {self.kind} from {self.origin}: <redacted>>"

    def secrets(self) -> list[str]:
        if self.kind == "value":
            return [self.value]
        if self.kind == "basic":
            return [self.password, _basic(self.username, self.password)]
        return [self.client_secret, _basic(quote(self.client_id, safe=""),
                                           quote(self.client_secret, safe=""))]


def _basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


_FORMS = {
    "apiKey": "a string (the key)",
    "bearer": "a string (the token)",
    "basic": "a (username, password) pair",
    "oauth2": "{'client_id': ..., 'client_secret': ...} or a string (an access token)",
    "openIdConnect": "a string (an access token)",
}


def _credential(kind: str, value: Any, origin: str) -> Credential | None:
    """``value`` in the form ``kind`` takes, else None."""
    if isinstance(value, str):
        return Credential("value", origin, value=value) if kind in (
            "apiKey", "bearer", "oauth2", "openIdConnect") else None
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, str) for v in value):
        return Credential("basic", origin, username=value[0], password=value[1]) \
            if kind == "basic" else None
    if isinstance(value, Mapping):
        keys = set(value)
        if kind == "basic" and keys == {"username", "password"}:
            return _credential(kind, (value["username"], value["password"]), origin)
        if kind == "oauth2" and keys == {"client_id", "client_secret"} and all(
                isinstance(v, str) for v in value.values()):
            return Credential("client", origin, client_id=value["client_id"],
                              client_secret=value["client_secret"])
        if kind in ("oauth2", "openIdConnect", "bearer") and keys == {"access_token"}:
            return _credential(kind, value["access_token"], origin)
    return None


def _from_env(use: SchemeUse, environ: Mapping[str, str]) -> Credential | str | None:
    """The credential the environment holds for ``use``; a message when it is half set."""
    name = env_name(use.source, use.name)
    kind = use.kind
    if kind == "basic":
        user, password = environ.get(name + "_USERNAME"), environ.get(name + "_PASSWORD")
        if user is not None and password is not None:
            return Credential("basic", f"environment ({name}_USERNAME/_PASSWORD)",
                              username=user, password=password)
        if user is not None or password is not None:
            unset = name + ("_PASSWORD" if user is not None else "_USERNAME")
            return f"{unset} is not set"
        return None
    if kind == "oauth2":
        client, secret = environ.get(name + "_CLIENT_ID"), environ.get(name + "_CLIENT_SECRET")
        if client is not None and secret is not None:
            return Credential("client", f"environment ({name}_CLIENT_ID/_CLIENT_SECRET)",
                              client_id=client, client_secret=secret)
        if client is not None or secret is not None:
            unset = name + ("_CLIENT_SECRET" if client is not None else "_CLIENT_ID")
            return f"{unset} is not set"
    value = environ.get(name)
    if value is not None and kind in ("apiKey", "bearer", "oauth2", "openIdConnect"):
        return Credential("value", f"environment ({name})", value=value)
    return None


def _env_hint(use: SchemeUse) -> str:
    name = env_name(use.source, use.name)
    kind = use.kind
    if kind == "basic":
        return f"{name}_USERNAME and {name}_PASSWORD"
    if kind == "oauth2" and use.token_url:
        return f"{name}_CLIENT_ID and {name}_CLIENT_SECRET"
    return name


def _cli_hint(use: SchemeUse) -> str:
    value = {"basic": "${USER}:${PASSWORD}",
             "oauth2": "${CLIENT_ID}:${CLIENT_SECRET}" if use.token_url else "${TOKEN}",
             }.get(use.kind, "${VAR}")
    return f"--auth '{use.source}.{use.name}={value}'"


# ------------------------------------------------------------------------------------------
# the per-run authenticator


@dataclass(slots=True)
class _Token:
    value: str
    expires: float | None


@dataclass(slots=True)
class Choice:
    """What one step sends: the schemes applied, with their credentials."""

    schemes: tuple[tuple[SchemeUse, Credential], ...]

    @property
    def fetches_tokens(self) -> bool:
        return any(c.kind == "client" for _, c in self.schemes)


@dataclass
class Authenticator:
    """Credentials of one run and the choice per step (``bind``), the OAuth2 token cache.

    ``given``: ``{source: {scheme: credential}}`` from ``auth=``; ``None`` for a source means
    "send without credentials, do not check". ``handled``: sources whose transport the caller
    supplied: when their credentials are missing the transport is trusted to authenticate.
    ``clock``: monotonic seconds (tests inject one).
    """

    given: Mapping[str, Mapping[str, Credential] | None] = field(default_factory=dict)
    handled: frozenset[str] = frozenset()
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], float] = time.monotonic
    choices: dict[int, Choice | None] = field(default_factory=dict)
    #: what a step lacks (text) -> the steps that lack it
    needs: dict[str, list[str]] = field(default_factory=dict)
    missing_schemes: list[tuple[str, str, str]] = field(default_factory=list)
    #: id(step) -> what its credentials lack (dry runs show it per step)
    problems: dict[int, str] = field(default_factory=dict)
    tokens: dict[tuple[str, str, tuple[str, ...]], _Token] = field(default_factory=dict)
    masker: Masker | None = None
    _env: dict[tuple[str, str], Credential | str | None] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Authenticator sources={sorted(self.given)} tokens={len(self.tokens)}>"

    # -- choosing --------------------------------------------------------------------------

    def _lookup(self, use: SchemeUse) -> Credential | str | None:
        per_source = self.given.get(use.source)
        if per_source is not None and use.name in per_source:
            return per_source[use.name]
        key = (use.source, use.name)
        if key not in self._env:
            found = _from_env(use, self.environ)
            self._env[key] = found
            if isinstance(found, Credential) and self.masker is not None:
                self.masker.add(found.secrets())
        return self._env[key]

    def _usable(self, use: SchemeUse, found: Credential | str | None) -> str | None:
        """None when ``found`` works for ``use``, else why not."""
        kind = use.kind
        if isinstance(found, str):
            return found
        if kind == "undeclared":
            return "the scheme is not declared in components.securitySchemes"
        if kind == "mutualTLS" or kind.startswith("http-"):
            return (f"{kind} is not supported (give the source a transport that "
                    f"authenticates: transports={{{use.source!r}: ...}})")
        if kind == "oauth2" and use.token_url is None and (
                found is None or found.kind != "value"):
            return ("only the clientCredentials flow is fetched; for other flows pass an "
                    "access token")
        if found is None:
            return "no credentials"
        return None

    def _choose(self, step: StepPlan) -> Choice | None:
        requirements = step.security
        source = step.source or ""
        if not requirements or (source in self.given and self.given[source] is None):
            return None
        own = {(p.location, p.name.lower()) for p in step.params}
        reasons: list[list[tuple[SchemeUse, str]]] = []
        for requirement in requirements:
            applied: list[tuple[SchemeUse, Credential]] = []
            problems: list[tuple[SchemeUse, str]] = []
            for use in requirement:
                if use.provided is not None or use.sets() in own:
                    continue  # the provider's transport signs; the step sets it itself
                found = self._lookup(use)
                problem = self._usable(use, found)
                if problem is not None:
                    problems.append((use, problem))
                elif isinstance(found, Credential):
                    applied.append((use, found))
            if not problems:
                return Choice(tuple(applied))
            reasons.append(problems)
        if source in self.handled:
            return None
        self._report(step, reasons)
        return None

    def _report(self, step: StepPlan, reasons: list[list[tuple[SchemeUse, str]]]) -> None:
        def one(use: SchemeUse, why: str) -> str:
            if why != "no credentials":
                return f"scheme {use.name!r} of source {use.source!r} ({use.describe()}: {why})"
            return (f"scheme {use.name!r} of source {use.source!r} ({use.describe()}): pass "
                    f"auth={{{use.source!r}: {{{use.name!r}: ...}}}}, set {_env_hint(use)}, "
                    f"or use {_cli_hint(use)}")

        for problems in reasons:
            for use, _ in problems:
                entry = (use.source, use.name, env_name(use.source, use.name))
                if entry not in self.missing_schemes:
                    self.missing_schemes.append(entry)
        if len(reasons) == 1:
            needs = " and ".join(one(use, why) for use, why in reasons[0])
        else:
            needs = "any one of: " + " | ".join(
                " and ".join(one(use, why) for use, why in problems) for problems in reasons)
        self.problems[id(step)] = needs
        self.needs.setdefault(needs, []).append(step.step_id)
    def bind(self, workflows: Iterable[WorkflowPlan], masker: Masker) -> None:
        """Choose the credentials of every operation step (fills ``missing``)."""
        self.masker = masker
        for per_source in self.given.values():
            for credential in (per_source or {}).values():
                masker.add(credential.secrets())
        for workflow in workflows:
            for step in workflow.steps:
                if step.operation is not None and id(step) not in self.choices:
                    choice = self._choose(step)
                    self.choices[id(step)] = choice
                    for use, _ in choice.schemes if choice is not None else ():
                        if use.kind == "apiKey":
                            masker.names.add(str((use.scheme or {}).get("name", "")).lower())

    @property
    def missing(self) -> list[str]:
        """What is missing, one entry per distinct need, with the steps that have it."""
        out = []
        for needs, steps in self.needs.items():
            unique = list(dict.fromkeys(steps))
            names = ", ".join(repr(s) for s in unique)
            verb = "steps {} need" if len(unique) > 1 else "step {} needs"
            out.append(f"{verb.format(names)} {needs}")
        return out

    def check(self) -> None:
        """Raise :class:`MissingCredentials` when a step lacks credentials."""
        if self.needs:
            raise MissingCredentials("missing credentials, nothing was sent: "
                                     + "; ".join(self.missing), list(self.missing_schemes))

    def choice(self, step: StepPlan) -> Choice | None:
        return self.choices.get(id(step))

    # -- OAuth2 tokens ---------------------------------------------------------------------

    @staticmethod
    def token_url(use: SchemeUse, base: str | None) -> str:
        url = use.token_url or ""
        return urljoin(base, url) if base and not url.startswith(("http://", "https://")) \
            else url

    def cached_token(self, use: SchemeUse, credential: Credential, url: str) -> str | None:
        token = self.tokens.get((url, credential.client_id, use.scopes))
        if token is None:
            return None
        if token.expires is not None and self.clock() >= token.expires:
            return None
        return token.value

    def forget_token(self, use: SchemeUse, credential: Credential, url: str) -> None:
        self.tokens.pop((url, credential.client_id, use.scopes), None)

    @staticmethod
    def token_request(use: SchemeUse, credential: Credential, url: str,
                      source: str) -> RequestSpec:
        """RFC 6749 4.4: client credentials, HTTP basic client authentication (2.3.1)."""
        from arazzo.engine._messages import RequestSpec

        form = {"grant_type": "client_credentials"}
        if use.scopes:
            form["scope"] = " ".join(use.scopes)
        client = _basic(quote(credential.client_id, safe=""),
                        quote(credential.client_secret, safe=""))
        return RequestSpec(source, "POST", url, [
            ("Authorization", f"Basic {client}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json")], urlencode(form).encode("ascii"))

    def store_token(self, use: SchemeUse, credential: Credential, url: str,
                    result: ResponseData | TransportFailure) -> str:
        """The access token from the token endpoint's answer (cached); raises
        :class:`TokenError` with a masked message when there is none."""
        from arazzo.engine._messages import TransportFailure

        where = f"cannot get an OAuth2 token for scheme {use.name!r} from {url}"
        if isinstance(result, TransportFailure):
            raise TokenError(f"{where}: {result.message}")
        try:
            data = json.loads(result.content) if result.content else None
        except ValueError:
            data = None
        if not 200 <= result.status_code < 300:
            detail = ""
            if isinstance(data, dict):
                detail = " ".join(str(data[k]) for k in ("error", "error_description")
                                  if isinstance(data.get(k), str))
            raise TokenError(f"{where}: HTTP {result.status_code}"
                             + (f" {self._mask(detail)}" if detail else ""))
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError(f"{where}: the answer has no access_token")
        if self.masker is not None:
            self.masker.add((token,))
        expires_in = data.get("expires_in") if isinstance(data, dict) else None
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)
        expires = None
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
            expires = self.clock() + expires_in - min(TOKEN_MARGIN, expires_in / 10)
        self.tokens[(url, credential.client_id, use.scopes)] = _Token(token, expires)
        return token

    def _mask(self, text: str) -> str:
        return self.masker.text(text) if self.masker is not None else text


class TokenError(Exception):
    """No token from the token endpoint (a step failure, not a crash)."""


# ------------------------------------------------------------------------------------------
# applying credentials to a request


def apply(request: RequestSpec, choice: Choice, tokens: Mapping[str, str]) -> RequestSpec:
    """``request`` with the credentials of ``choice`` added (``tokens``: scheme name ->
    OAuth2 access token fetched for it)."""
    headers = list(request.headers)
    url = request.url
    cookies: list[str] = []

    def put(name: str, value: str) -> None:
        nonlocal headers
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        headers.append((name, value))

    for use, credential in choice.schemes:
        kind = use.kind
        scheme = use.scheme or {}
        if kind == "apiKey":
            name, where = str(scheme.get("name", "")), scheme.get("in")
            if where == "header":
                put(name, credential.value)
            elif where == "query":
                sep = "&" if "?" in url else "?"
                url = f"{url}{sep}{quote(name, safe='')}={quote(credential.value, safe='')}"
            elif where == "cookie":
                cookies.append(f"{name}={credential.value}")
        elif kind == "basic":
            put("Authorization", "Basic " + _basic(credential.username, credential.password))
        elif credential.kind == "client":
            put("Authorization", "Bearer " + tokens[use.name])
        else:  # bearer, oauth2 / openIdConnect with an access token
            put("Authorization", "Bearer " + credential.value)
    if cookies:
        existing = next((v for k, v in headers if k.lower() == "cookie"), None)
        put("Cookie", "; ".join(([existing] if existing else []) + cookies))
    return replace(request, headers=headers, url=url)


def describe_choice(choice: Choice | None, base: str | None) -> list[str]:
    """What a dry run says about the auth of a step."""
    if choice is None:
        return []
    out = []
    for use, credential in choice.schemes:
        text = f"{use.describe()} (scheme {use.name!r}, from {credential.origin})"
        if credential.kind == "client":
            url = Authenticator.token_url(use, base)
            text += f": token from {url}, fetched when sent"
        out.append(text)
    return out


# ------------------------------------------------------------------------------------------
# the auth= argument


def parse_auth(auth: AuthArg | None, sources: Mapping[str, OpenAPISource],
               providers: Sequence[Provider] | None = None
               ) -> dict[str, dict[str, Credential] | None]:
    """Check ``auth=`` against the sources' declared schemes; raises :class:`InputError`.
    A scheme a provider satisfies (``sigv4``) takes no credentials here."""
    out: dict[str, dict[str, Credential] | None] = {}
    if auth is None:
        return out
    if not isinstance(auth, Mapping):
        raise InputError(f"auth must be a mapping {{source: {{scheme: credential}}}}, not "
                         f"{type(auth).__name__}")
    for source_name, schemes in auth.items():
        source = sources.get(source_name)
        if source is None:
            hint = close_matches(str(source_name), sorted(sources), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"auth: no OpenAPI source description named {source_name!r}"
                             f"{extra} (sources: {', '.join(sorted(sources)) or 'none'})")
        if schemes is None:
            out[source_name] = None
            continue
        if not isinstance(schemes, Mapping):
            raise InputError(f"auth[{source_name!r}] must map scheme names to credentials "
                             f"(or be None), not {type(schemes).__name__}")
        declared = _raw_schemes(source)
        parsed: dict[str, Credential] = {}
        for scheme_name, value in schemes.items():
            raw = declared.get(scheme_name)
            if not isinstance(raw, Mapping):
                hint = close_matches(str(scheme_name), sorted(declared), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"auth[{source_name!r}]: source {source_name!r} declares no "
                                 f"security scheme {scheme_name!r}{extra} (schemes: "
                                 f"{', '.join(sorted(declared)) or 'none'})")
            use = SchemeUse(source_name, str(scheme_name), dict(raw),
                            provided=_provided(raw, providers))
            kind = use.kind
            credential = _credential(kind, value, "auth=")
            if credential is None:
                form = _FORMS.get(kind)
                expected = f"takes {form}" if form else "is not supported"
                raise InputError(f"auth[{source_name!r}][{scheme_name!r}]: a {use.describe()} "
                                 f"scheme {expected}, got {type(value).__name__}")
            parsed[str(scheme_name)] = credential
        out[source_name] = parsed
    return out
