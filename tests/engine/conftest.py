"""Both engine paths for the semantics tests: without hooks and with one.

With no hooks the engine builds no events and takes shortcuts (a simple criterion is tested
without building its result, the first records are appended inline, ...); with a hook it
builds every event. The modules below pin the spec's behaviour (the inventory ids, control
flow, failures, 1.1 steps and actions), so each of their tests runs twice: once with no hooks
(the user's default; pytest's log capture would otherwise add the logging hook to every run)
unless the test passes its own, and once with an observing hook added to every
``arazzo.run`` / ``arazzo.run_async`` call. A shortcut that changed an outcome fails the
test in one of the two modes. In the hook mode the events are also checked for their frame:
each run the hook saw opens with ``RunStarted`` and closes with ``RunFinished``, whose
``succeeded`` is the result's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import arazzo
from arazzo.engine._events import RunFinished, RunStarted
from arazzo.observers import _logging

#: the modules whose tests run in both modes (the rest test the hooks, or I/O, themselves)
BOTH_PATHS = frozenset({
    "test_inventory", "test_control", "test_failures", "test_state_machine",
    "test_v11_actions", "test_v11_steps", "test_v11_criteria", "test_v11_selectors",
    "test_v11_requests", "test_v11_rules_runtime", "test_v11_inputs_refs",
})
_MISSING = sorted(m for m in BOTH_PATHS if not (Path(__file__).parent / f"{m}.py").is_file())
assert not _MISSING, f"BOTH_PATHS names modules that are not here: {_MISSING}"


def _observed(kw: dict[str, Any]) -> list[Any]:
    """Add a recording hook to a run's keyword arguments (after the test's own); its list."""
    events: list[Any] = []
    own = kw.get("hooks")
    own_hooks = [] if own is None else [own] if callable(own) else list(own)
    kw["hooks"] = [*own_hooks, events.append]
    return events


def _with_hook(call: Callable[..., Any], seen: list[tuple[list[Any], Any]]
               ) -> Callable[..., Any]:
    def wrapped(*args: Any, **kw: Any) -> Any:
        events = _observed(kw)
        result = call(*args, **kw)
        seen.append((events, result))
        return result

    return wrapped


def _with_async_hook(call: Callable[..., Any], seen: list[tuple[list[Any], Any]]
                     ) -> Callable[..., Any]:
    async def wrapped(*args: Any, **kw: Any) -> Any:
        events = _observed(kw)
        result = await call(*args, **kw)
        seen.append((events, result))
        return result

    return wrapped


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if module in BOTH_PATHS and "engine_path" in metafunc.fixturenames:
        metafunc.parametrize("engine_path", ["no hooks", "a hook"], indirect=True)


@pytest.fixture(autouse=True)
def engine_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[str]:
    """``"no hooks"``: no hook unless the test passes one; ``"a hook"``: every run observed
    (see above); ``"as written"`` in the other modules."""
    mode: str | None = getattr(request, "param", None)
    if mode is None:  # a module outside BOTH_PATHS: as it always ran
        yield "as written"
        return
    if mode == "no hooks":
        if "caplog" not in request.fixturenames:  # a test of the log records keeps the hook
            # pytest's log capture puts handlers on the root logger (and on every logger that
            # does not propagate), so the ``arazzo`` logger "has handlers" and every run would
            # get the logging hook: the user's default (no logging configured, no hooks, no
            # events built) would never run here. The application configured no logging:
            monkeypatch.setattr(_logging, "logging_hooks", lambda: ())
        yield mode
        return
    seen: list[tuple[list[Any], Any]] = []
    monkeypatch.setattr(arazzo, "run", _with_hook(arazzo.run, seen))
    monkeypatch.setattr(arazzo, "run_async", _with_async_hook(arazzo.run_async, seen))
    yield mode
    for events, result in seen:
        if not events:  # refused before it started (validation), so nothing to report
            continue
        assert isinstance(events[0], RunStarted), events[:1]
        assert isinstance(events[-1], RunFinished), events[-1:]
        assert events[-1].succeeded == result.succeeded, (events[-1], result.error)
