"""AWS Signature Version 4, computed here with ``hashlib`` and ``hmac``.

The result is byte for byte what botocore's ``SigV4Auth.add_auth`` gives the same request at
the same second (``tests/aws/test_aws_sigv4_differential.py`` checks it on many requests):

- canonical URI: the path as sent, dot segments and repeated slashes removed, then
  percent-encoded once more (``quote(path, safe="/~")``: ``%`` becomes ``%25``), as for every
  service but S3;
- canonical query: the query as sent, its ``key=value`` pairs sorted. The query that is sent
  is first re-encoded RFC 3986-strictly (:func:`plan_url`: ``%20`` for a space, ``%2F``...,
  parameter order kept), so what the server canonicalises is what was signed;
- canonical headers: every header but the hop-by-hop ones and ``User-Agent``
  (:data:`UNSIGNED_HEADERS`, botocore's ``SIGNED_HEADERS_BLACKLIST``), names lower-cased and
  sorted, values trimmed with runs of whitespace made one space, repeated fields joined with
  ``,``; ``host`` is the Host header sent;
- payload hash: the hex SHA-256 of the body, or the value of an ``X-Amz-Content-SHA256``
  header the request carries (``UNSIGNED-PAYLOAD`` for S3-style unsigned payloads);
- ``X-Amz-Date`` (or, when the request carries a ``Date`` header, that header rewritten to
  the signing time, as botocore does), ``X-Amz-Security-Token`` for temporary credentials.

What makes it cheaper than botocore: the signing key is derived once per (secret, day,
region, service) and cached; the timestamp is formatted once per second; everything that
depends only on the URL (canonical URI and query, Host header, the URL sent) is computed once
per URL; the canonical headers are built from the ``(name, value)`` pairs the caller already
has, with no request object, header model or URL parse on the way. Nothing here logs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote

__all__ = [
    "EMPTY_SHA256",
    "UNSIGNED_HEADERS",
    "UNSIGNED_PAYLOAD",
    "SigV4Signer",
    "SignedHeaders",
    "UrlPlan",
    "canonical_uri",
    "plan_target",
    "plan_url",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: headers SigV4 never signs (botocore's SIGNED_HEADERS_BLACKLIST): hop-by-hop ones, the
#: User-Agent and the tracing headers that proxies rewrite
UNSIGNED_HEADERS = frozenset({
    "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
    "upgrade", "user-agent", "x-amzn-trace-id",
})
#: headers of the caller's request that signing replaces (a retry signs afresh)
SIGNING_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})
_DROPPED = SIGNING_HEADERS | {"transfer-encoding"}
_MAX_KEYS = 16
_MAX_SHAPES = 256

_sha256 = hashlib.sha256
_hmac_new = hmac.new
_hmac_digest = hmac.digest


def _remove_dot_segments(path: str) -> str:
    """botocore.utils.remove_dot_segments: RFC 3986 5.2.4, plus repeated slashes removed."""
    if not path:
        return ""
    output: list[str] = []
    for segment in path.split("/"):
        if segment and segment != ".":
            if segment == "..":
                if output:
                    output.pop()
            else:
                output.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and output else ""
    return first + "/".join(output) + last


@functools.lru_cache(maxsize=512)
def canonical_uri(path: str) -> str:
    """The canonical URI of a path as sent (already percent-encoded): normalised, then
    encoded once more, as ``SigV4Auth._normalize_url_path`` does."""
    return quote(_remove_dot_segments(path) if path else "/", safe="/~")


@functools.lru_cache(maxsize=512)
def _query(query: str) -> tuple[str, str]:
    """(query to send, canonical query) of a query as it would be sent."""
    if not query:
        return "", ""
    pairs = [(quote(k, safe="-_.~"), quote(v, safe="-_.~"))
             for k, v in parse_qsl(query, keep_blank_values=True)]
    sent = "&".join(f"{k}={v}" for k, v in pairs)
    # botocore splits the URL's query on "&" and "=" and sorts the (key, value) pairs
    canonical = "&".join(f"{k}={v}" for k, v in sorted(
        pair.partition("=")[::2] for pair in sent.split("&"))) if sent else ""
    return sent, canonical


class UrlPlan(NamedTuple):
    """What signing and sending need from a URL (or a request target), computed once."""

    url: str  #: the URL to send ("" for a plan of a request target)
    target: str  #: the request target to send (the query re-encoded if it was not strict)
    host: str  #: the Host header sent (signed unless the request carries its own)
    uri: str  #: canonical URI
    query: str  #: canonical query


@functools.lru_cache(maxsize=512)
def plan_target(target: str, host: str) -> UrlPlan:
    """The :class:`UrlPlan` of a request target (``path?query`` as sent) and Host header."""
    path, _, query = target.partition("?")
    sent_query, canonical_query = _query(query)
    if sent_query != query:
        target = f"{path}?{sent_query}" if sent_query else path
    return UrlPlan("", target, host, canonical_uri(path), canonical_query)


def plan_url(url: str, split: Callable[[str], tuple[str, str, int, str, str]]) -> UrlPlan:
    """The :class:`UrlPlan` of an absolute URL; ``split`` is the client's URL splitter
    (scheme, host, port, Host header, request target), so that what is signed is what it
    sends. Raises ``ValueError`` for a URL the client cannot send."""
    return _plan_url(url, split)


@functools.lru_cache(maxsize=512)
def _plan_url(url: str, split: Callable[[str], tuple[str, str, int, str, str]]) -> UrlPlan:
    _, _, _, host_header, target = split(url)
    plan = plan_target(target, host_header)
    if plan.target != target:
        base = url.partition("#")[0].partition("?")[0]
        query = plan.target.partition("?")[2]
        return plan._replace(url=f"{base}?{query}" if query else base)
    return plan._replace(url=url)


class SignedHeaders(NamedTuple):
    """The result of :meth:`SigV4Signer.sign`: the caller's headers as they are to be sent
    (signing headers of its own removed, a ``Date`` rewritten) and the signing headers to
    add (``X-Amz-Date``, ``X-Amz-Security-Token``, ``Authorization``)."""

    headers: list[tuple[str, str]]
    signing: list[tuple[str, str]]


class SigV4Signer:
    """Signs requests for one (service, region), as ``SigV4Auth(credentials, service,
    region)`` does. Thread-safe (the caches are plain dicts, updated atomically).

    ``clock`` gives the signing time (``time.time`` by default; tests freeze it).
    """

    __slots__ = ("_clock", "_keys", "_scope_tail", "_shapes", "_stamp", "region", "service")

    def __init__(self, service: str, region: str, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.service = service
        self.region = region
        self._clock = clock
        self._scope_tail = f"/{region}/{service}/aws4_request"
        self._keys: dict[tuple[str, str], bytes] = {}
        self._stamp: tuple[int, str] = (-1, "")
        self._shapes: dict[tuple[Any, ...], _Shape] = {}

    def __repr__(self) -> str:
        return f"SigV4Signer(service={self.service!r}, region={self.region!r})"

    # -- pieces ------------------------------------------------------------------------
    def timestamp(self) -> tuple[int, str]:
        """(epoch second, ``YYYYMMDDTHHMMSSZ``) of now (UTC), formatted once per second."""
        second = int(self._clock())
        cached = self._stamp
        if cached[0] != second:
            cached = (second, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second)))
            self._stamp = cached
        return cached

    def signing_key(self, secret: str, day: str) -> bytes:
        """The derived key of ``secret`` for ``day`` (``YYYYMMDD``), this region and
        service: four HMACs, done once and kept (a few per signer at most)."""
        cache_key = (secret, day)
        key = self._keys.get(cache_key)
        if key is None:
            key = _hmac_new(f"AWS4{secret}".encode(), day.encode(), _sha256).digest()
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac_new(key, part.encode(), _sha256).digest()
            if len(self._keys) >= _MAX_KEYS:
                self._keys.clear()
            self._keys[cache_key] = key
        return key

    # -- signing -----------------------------------------------------------------------
    def sign(self, method: str, plan: UrlPlan, headers: Iterable[tuple[str, str]],
             body: bytes | None, credentials: Any) -> SignedHeaders:
        """Sign one request: ``plan`` is its URL's :func:`plan_url`, ``headers`` the
        ``(name, value)`` pairs it is sent with (any case; repeated names allowed; a Host
        header wins over ``plan.host``), ``credentials`` anything with ``access_key``,
        ``secret_key`` and ``token`` (botocore's frozen credentials).

        Everything but the time, the body hash and the signature depends only on (method,
        URL, headers, token): it is worked out once per such shape and kept (a poll loop
        signs the same shape every time). The returned ``headers`` list may be shared:
        do not modify it."""
        second, stamp = self.timestamp()
        token = credentials.token
        shape_key = (method, plan, tuple(headers), token)
        shape = self._shapes.get(shape_key)
        if shape is None:
            shape = _shape(method, plan, shape_key[2], token)
            if len(self._shapes) >= _MAX_SHAPES:
                self._shapes.clear()
            self._shapes[shape_key] = shape
        kept, before, after, signed_names, content_sha, date_at = shape
        signing: list[tuple[str, str]]
        if date_at < 0:
            signing = [("X-Amz-Date", stamp)]
            moment = stamp
        else:  # botocore: a Date header is set to the signing time, and no X-Amz-Date sent
            moment = formatdate(second)
            kept = list(kept)
            kept[date_at] = (kept[date_at][0], moment)
            signing = []
        if token:
            signing.append(("X-Amz-Security-Token", token))
        if content_sha is not None:
            payload = content_sha
        else:
            payload = _sha256(body).hexdigest() if body else EMPTY_SHA256
        day = stamp[:8]
        scope = day + self._scope_tail
        canonical_request = f"{before}{moment}{after}{payload}"
        string_to_sign = (f"{ALGORITHM}\n{stamp}\n{scope}\n"
                          + _sha256(canonical_request.encode()).hexdigest())
        signature = _hmac_digest(self.signing_key(credentials.secret_key, day),
                                 string_to_sign.encode(), "sha256").hex()
        signing.append(("Authorization",
                        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
                        f"SignedHeaders={signed_names}, Signature={signature}"))
        return SignedHeaders(kept, signing)


_Shape = tuple[list[tuple[str, str]], str, str, str, "str | None", int]


def _shape(method: str, plan: UrlPlan, headers: tuple[tuple[str, str], ...],
           token: str | None) -> _Shape:
    """What signing a request of this shape needs besides the time and the body: the
    headers sent (the caller's, signing ones of its own dropped), the canonical request
    before and after the value of the date header it signs, the signed header names, the
    payload hash an ``X-Amz-Content-SHA256`` header gives, the index of a ``Date`` header
    (-1: none, ``X-Amz-Date`` is signed)."""
    kept: list[tuple[str, str]] = []
    canonical: dict[str, list[str]] = {}
    date_at = -1
    content_sha = None
    for name, value in headers:
        lower = name.lower()
        if lower in _DROPPED:
            continue
        if lower == "date":
            if date_at < 0:  # botocore keeps one Date, rewritten at signing time
                date_at = len(kept)
                kept.append((name, value))
            continue
        kept.append((name, value))
        if lower in UNSIGNED_HEADERS:
            continue
        values = canonical.get(lower)
        if values is None:
            canonical[lower] = [value]
        else:
            values.append(value)
        if content_sha is None and lower == "x-amz-content-sha256":
            content_sha = value
    date_name = "date" if date_at >= 0 else "x-amz-date"
    canonical[date_name] = []  # its value is the signing time, filled in per request
    if token:
        canonical["x-amz-security-token"] = [token]
    if "host" not in canonical:
        canonical["host"] = [plan.host]
    names = sorted(canonical)
    signed_names = ";".join(names)
    # Trimall: surrounding whitespace dropped, inner runs made one space
    lines = [f"{name}:" + ",".join(" ".join(v.split()) for v in canonical[name])
             for name in names]
    at = names.index(date_name)
    before = "\n".join([f"{method.upper()}\n{plan.uri}\n{plan.query}", *lines[:at + 1]])
    after = "".join(f"\n{line}" for line in lines[at + 1:]) + f"\n\n{signed_names}\n"
    return kept, before, after, signed_names, content_sha, date_at
