"""The messages of the sans-I/O engine (:class:`~arazzo.engine._machine.Engine`) and its drivers.

:meth:`Engine.run <arazzo.engine._machine.Engine.run>` yields effects and receives their results::

    Send(request)  ->  ResponseData | TransportFailure
    Sleep(seconds) ->  None

They are defined here, beside the engine's one header container, :class:`Headers`, so that
the engine, the drivers (``_run``), the transports (``_transports``) and the default client
(``_http``) share them without any of them depending on another's internals: a transport
turns what its client got into :class:`ResponseData` (an httpx response's headers become a
:class:`Headers`), and the engine never sees a client's own types. All of them are small
slotted objects, frozen except :class:`Headers` (read-only by its interface).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from arazzo.expressions import MISSING

__all__ = [
    "Effect", "Headers", "RequestSpec", "ResponseData", "Send", "Sleep", "TransportFailure",
]


@dataclass(slots=True)
class RequestSpec:
    """A request ready to send, plus what ``$request.*`` expressions see."""

    source: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query_params: dict[str, Any] = field(default_factory=dict)
    header_params: dict[str, str] = field(default_factory=dict)
    body: Any = MISSING


class Headers(Mapping[str, str]):
    """Response headers: a case-insensitive, read-only mapping (repeated fields joined with
    ``", "``, as httpx joins them) that keeps every field in order (:meth:`multi_items`,
    names lower-cased; :meth:`raw_items`, names as sent)."""

    __slots__ = ("_fields", "_joined")

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields = list(fields)
        joined: dict[str, str] = {}
        for name, value in self._fields:
            key = name.lower()
            previous = joined.get(key)
            joined[key] = value if previous is None else f"{previous}, {value}"
        self._joined = joined

    def __getitem__(self, key: str) -> str:
        return self._joined[key.lower()]

    def get(self, key: str, default: Any = None) -> Any:
        return self._joined.get(key.lower(), default) if isinstance(key, str) else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._joined

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined)

    def __len__(self) -> int:
        return len(self._joined)

    def get_list(self, key: str) -> list[str]:
        key = key.lower()
        return [value for name, value in self._fields if name.lower() == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return [(name.lower(), value) for name, value in self._fields]

    def raw_items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self.multi_items() == other.multi_items()
        if isinstance(other, Mapping):
            return dict(self._joined) == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:  # names only: values may be secrets (Set-Cookie, tokens)
        return f"Headers({sorted(self._joined)!r})"


@dataclass(frozen=True, slots=True)
class ResponseData:
    """What came back: status, headers (in order, looked up case-insensitively) and the raw
    body; ``elapsed`` in seconds."""

    status_code: int
    headers: Headers
    content: bytes
    elapsed: float


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """No usable response: ``code`` is ``connect``, ``timeout``, ``too-large``, ``transport``."""

    code: str
    message: str
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``request``; the driver answers with ResponseData or TransportFailure."""

    request: RequestSpec
    workflow_id: str
    step_id: str
    #: seconds the step may take (Arazzo 1.1 step ``timeout``, V11-STP-07); None: the
    #: driver's own request timeout (and the run's ``timeout=``) apply
    timeout: float | None = None
    #: an OAuth2 token request the engine made for the step (its answer is a credential:
    #: durable runs never record it)
    token: bool = False


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds``; the driver answers with None."""

    seconds: float


Effect = Union[Send, Sleep]  # noqa: UP007
