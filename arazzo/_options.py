"""``RunOptions``: the one frozen value for the options :func:`~arazzo.run`,
:func:`~arazzo.run_async`, :func:`~arazzo.prepare`, :func:`~arazzo.check_run` and
:func:`~arazzo.dry_run` share.

Checked when it is made (a bad value is an :class:`~arazzo.InputError` there, not at the
first step), immutable once made (mappings are read-only copies, hooks and providers
tuples), so one value can be built once and given to many runs, threads and tasks.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from arazzo._diagnostics import close_matches
from arazzo._exceptions import InputError
from arazzo.criteria import DEFAULT_CRITERIA, CriterionTypes
from arazzo.engine._auth import AuthArg
from arazzo.engine._events import Hook
from arazzo.engine._machine import DEFAULT_RECORD_LIMIT
from arazzo.engine._providers import DEFAULT_PROVIDERS, Provider, check_providers
from arazzo.transports._httpx import DEFAULT_MAX_RESPONSE_BYTES, AnyTransport

__all__ = ["RunOptions", "RunOptionsArgs", "resolve_options"]

_EMPTY: Mapping[str, Any] = types.MappingProxyType({})


@dataclass(frozen=True)
class RunOptions:
    """How to run a workflow, apart from the document, the workflow and its inputs.

    Give it as ``options=``, and any of its fields as keyword arguments beside it (they
    replace the option's value for that call)::

        options = arazzo.RunOptions(servers={"petstore": url}, timeout=30)
        arazzo.check_run("flow.arazzo.yaml", "buy", inputs, options=options)
        result = arazzo.run("flow.arazzo.yaml", "buy", inputs, options=options)
        quick = arazzo.run("flow.arazzo.yaml", "buy", inputs, options=options, max_steps=5)

    ``timeout`` and ``max_response_bytes`` belong to the drivers (:func:`~arazzo.run`,
    :func:`~arazzo.run_async`); :func:`~arazzo.prepare` leaves them to whoever drives the
    engine it returns. Not hashable (its mappings and transports are not).
    """

    #: ``{source: base URL}`` replacing the servers the OpenAPI descriptions give
    servers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: ``{source: httpx transport}`` for the sources that should not use the default client
    transports: Mapping[str, AnyTransport] = field(default_factory=lambda: _EMPTY)
    #: credentials for the security schemes, ``{source: {scheme: credential}}`` (docs/auth.md)
    auth: AuthArg | None = field(default=None, repr=False)  # secrets: never shown
    #: callables given every event of the run (docs/observability.md); kept as a tuple
    hooks: Sequence[Hook] = ()
    #: the most steps a run may execute, retries and loops included (None: the default)
    max_steps: int | None = None
    #: seconds between iterations of a loop without its own pacing (None: the default)
    loop_delay: float | None = None
    #: seconds the whole run may take (None: no limit)
    timeout: float | None = None
    #: step records kept in the result; a long poll keeps its start and its latest (None: all)
    record_limit: int | None = DEFAULT_RECORD_LIMIT
    #: a larger response is a step error
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: the criterion types the document may use
    criteria: CriterionTypes = DEFAULT_CRITERIA
    #: who is asked about sources beyond their OpenAPI (SigV4 signing...); ``()``: nobody;
    #: kept as a tuple
    providers: Sequence[Provider] = DEFAULT_PROVIDERS

    def __post_init__(self) -> None:
        for name, check in _CHECKS.items():
            object.__setattr__(self, name, check(getattr(self, name)))

    def replace(self, **changes: Any) -> RunOptions:
        """A copy with ``changes`` (fields by name); an unknown name is a ``TypeError``."""
        _check_names("RunOptions.replace", changes)
        return _with(self, changes)


class RunOptionsArgs(TypedDict, total=False):
    """The fields of :class:`RunOptions` as keyword arguments (for ``**`` typing)."""

    servers: Mapping[str, str] | None
    transports: Mapping[str, AnyTransport] | None
    auth: AuthArg | None
    hooks: Hook | Iterable[Hook] | None
    max_steps: int | None
    loop_delay: float | None
    timeout: float | None
    record_limit: int | None
    max_response_bytes: int
    criteria: CriterionTypes
    providers: Sequence[Provider]


def resolve_options(caller: str, options: RunOptions | None,
                    overrides: Mapping[str, Any]) -> RunOptions:
    """``options`` (default: :class:`RunOptions`'s defaults) with the keyword arguments a
    call gave beside it; a name that is no option is a ``TypeError`` naming ``caller``."""
    if options is not None and not isinstance(options, RunOptions):
        raise InputError(f"options must be RunOptions, not {type(options).__name__}")
    base = DEFAULT_OPTIONS if options is None else options
    if not overrides:
        return base
    _check_names(caller, overrides)
    return _with(base, overrides)


def _with(base: RunOptions, changes: Mapping[str, Any]) -> RunOptions:
    # what dataclasses.replace does, checking only the changed fields (a run given keyword
    # arguments pays for those, not for re-checking every option)
    new = object.__new__(RunOptions)
    new.__dict__.update(base.__dict__)
    for name, value in changes.items():
        object.__setattr__(new, name, _CHECKS[name](value))
    return new


def _check_names(caller: str, given: Mapping[str, Any]) -> None:
    if given.keys() <= _FIELDS:
        return
    for name in given:
        if name not in _FIELDS:
            close = close_matches(name, sorted(_FIELDS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}{hint}")


def _servers(value: Any) -> Mapping[str, str]:
    servers = _mapping("servers", value, "{source: base URL}")
    for name, url in servers.items():
        if not isinstance(url, str):
            raise InputError(f"servers: the URL of {name!r} must be a string, "
                             f"not {type(url).__name__}")
    return servers


def _auth(value: Any) -> Any:
    if value is not None and not isinstance(value, Mapping):
        raise InputError(f"auth must be a mapping {{source: {{scheme: credential}}}}, not "
                         f"{type(value).__name__}")
    return value


def _providers(value: Any) -> Any:
    return value if value is DEFAULT_PROVIDERS else check_providers(value)


def _criteria(value: Any) -> Any:
    if not isinstance(value, CriterionTypes):
        raise InputError(f"criteria must be CriterionTypes (DEFAULT_CRITERIA.with_type(...)),"
                         f" not {type(value).__name__}")
    return value


def _mapping(label: str, value: Any, shape: str) -> Mapping[str, Any]:
    if value is None:
        return _EMPTY
    if not isinstance(value, Mapping):
        raise InputError(f"{label} must be a mapping {shape}, not {type(value).__name__}")
    if value is _EMPTY:
        return value
    return types.MappingProxyType(dict(value))


def _hooks(hooks: Any) -> tuple[Hook, ...]:
    if hooks is None:
        return ()
    if callable(hooks):
        return (hooks,)
    if isinstance(hooks, (str, bytes, Mapping)) or not isinstance(hooks, Iterable):
        raise InputError(f"hooks must be a callable or an iterable of callables, not "
                         f"{type(hooks).__name__}")
    out = tuple(hooks)
    for hook in out:
        if not callable(hook):
            raise InputError(f"hooks must be callables, got {type(hook).__name__}")
    return out


def _number(label: str, *, least: float, text: str, integer: bool = False,
            strict: bool = False, optional: bool = True) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and optional:
            return value
        _check_number(label, value, least=least, text=text, integer=integer, strict=strict)
        return value

    return check


def _check_number(label: str, value: Any, *, least: float, text: str, integer: bool,
                  strict: bool) -> None:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (integer and not isinstance(value, int))):
        kind = "an integer" if integer else "a number"
        raise InputError(f"{label} must be {kind}, not {type(value).__name__}")
    if value < least or (strict and value == least):
        raise InputError(f"{label} must be {text}")


#: each field's check, which returns the value kept (a read-only copy, a tuple)
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "servers": _servers,
    "transports": lambda value: _mapping("transports", value, "{source: httpx transport}"),
    "auth": _auth,
    "hooks": _hooks,
    "max_steps": _number("max_steps", integer=True, least=1, text="at least 1"),
    "loop_delay": _number("loop_delay", least=0, text=">= 0 seconds"),
    "timeout": _number("timeout", least=0, text="> 0 seconds", strict=True),
    "record_limit": _number("record_limit", integer=True, least=0, text=">= 0"),
    "max_response_bytes": _number("max_response_bytes", integer=True, least=1,
                                  text="at least 1", optional=False),
    "criteria": _criteria,
    "providers": _providers,
}
_FIELDS = frozenset(f.name for f in dataclasses.fields(RunOptions))
#: the options of a call that gives none
DEFAULT_OPTIONS = RunOptions()
