"""What runtime expressions are evaluated against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo.expressions._common import MISSING

__all__ = ["AsyncMessage", "EvaluationContext", "HttpMessage", "lookup_header"]

_EMPTY: Mapping[str, Any] = {}


@dataclass(slots=True)
class HttpMessage:
    """A request or response as expressions see it.

    ``headers`` is looked up case-insensitively (a plain ``dict`` or ``httpx.Headers``).
    Body convention: parsed JSON -> Python values; XML -> ``str`` (the raw text);
    other text -> ``str``; binary -> ``bytes``; no body -> :data:`MISSING`.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    path: Mapping[str, Any] = field(default_factory=dict)
    body: Any = MISSING


@dataclass(slots=True)
class AsyncMessage:
    """An AsyncAPI message as ``$message`` expressions see it (Arazzo 1.1, V11-RTE-09): the
    message sent by a send step or received by a receive step (V11-AMB-14).

    ``headers`` is looked up case-insensitively; ``payload`` follows the body convention of
    :class:`HttpMessage` (parsed JSON -> Python values, XML and other text -> ``str``).
    """

    headers: Mapping[str, Any] = field(default_factory=dict)
    payload: Any = MISSING


@dataclass(slots=True)
class EvaluationContext:
    """Everything a runtime expression can reach. Every field is optional.

    - ``inputs`` / ``outputs``: the current workflow's inputs and outputs
    - ``steps``: step id -> that step's outputs
    - ``workflows``: workflow id -> ``{"inputs": {...}, "outputs": {...}}``
    - ``source_descriptions``: name -> raw Source Description fields (``name``, ``url``, ``type``)
    - ``components``: ``"parameters"``, ``"successActions"``, ``"failureActions"`` or
      ``"inputs"`` -> key -> raw component
    - ``url``, ``method``, ``status_code``, ``request``, ``response``: the current step's call
    - ``message``: the current AsyncAPI message (``$message``, Arazzo 1.1); ``None`` outside
      an AsyncAPI step
    - ``self_uri``: the canonical URI of the current document (``$self``, Arazzo 1.1): its
      ``$self`` resolved against its base URI, else the base URI (V11-AMB-02)
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    workflows: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    source_descriptions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    components: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    url: str | None = None
    method: str | None = None
    status_code: int | None = None
    request: HttpMessage | None = None
    response: HttpMessage | None = None
    message: AsyncMessage | None = None
    self_uri: str | None = None


def lookup_header(headers: Mapping[str, str], name: str, lower: str) -> Any:
    """Case-insensitive header lookup; ``lower`` is ``name.lower()`` (precomputed by callers)."""
    value = headers.get(name)
    if value is not None:
        return value
    value = headers.get(lower)
    if value is not None:
        return value
    for key in headers:
        if isinstance(key, str) and key.lower() == lower:
            return headers[key]
    return MISSING
