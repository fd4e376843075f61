"""Live progress of a run on a terminal: one line, redrawn in place.

:class:`Progress` is a hook (``run(..., hooks=progress)``). It shows the step running now, its
iteration when a step is polled again, the last HTTP status and the polled status (its first
output named ``...Status``, the rule of ``_timeline``), and the elapsed time; a small thread
redraws the line a few times a second so the clock moves during long waits. It writes only to
the stream it was given and only when :func:`wanted` says the stream is a terminal; the line is
erased when the run ends, so what follows (the timeline) prints on a clean line.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, TextIO

from arazzo.engine._events import (
    LoopIteration,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    RunFinished,
    RunResumed,
    RunStarted,
    StepFinished,
    StepStarted,
)

__all__ = ["Progress", "polled_state", "wanted"]

_SPINNER = "|/-\\"
_CLEAR = "\r\x1b[2K"


def wanted(stream: TextIO) -> bool:
    """True when ``stream`` is an interactive terminal (and ``TERM`` is not ``dumb``)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM") != "dumb"


def polled_state(outputs: dict[str, Any]) -> str | None:
    """The value of the step's first status output (``_timeline``: names ending in
    ``Status``/``status``), as text; ``None`` when it has none."""
    from arazzo.engine._timeline import status_outputs

    for _, value in status_outputs(outputs):
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        return None
    return None


class Progress:
    """Draws ``| pollTrainingJob  iteration 3  200 InProgress  waiting 5s  12.4s  (4 steps)``."""

    def __init__(self, stream: TextIO, *, interval: float = 0.25, width: int | None = None
                 ) -> None:
        self.stream = stream
        self.interval = interval
        self.width = width
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        self._frame = 0
        self._count = 0
        self._step = ""
        self._iteration = 1
        self._phase = "starting"
        self._status = ""
        self._state = ""
        self._drawn = False
        self._root = ""
        self._last_draw = 0.0
        #: events redraw at most this often (seconds); the ticker thread fills the gaps
        self.min_redraw = 0.05

    # -- the hook --------------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        with self._lock:
            if isinstance(event, StepStarted):
                self._count += 1
                step = event.step_id if event.workflow_id == self._root else \
                    f"{event.workflow_id}/{event.step_id}"
                if step != self._step:  # a new step: forget the previous one's status
                    self._status = self._state = ""
                self._step = step
                self._iteration = event.attempt
                self._phase = "building"
            elif isinstance(event, RequestSent):
                self._phase = f"{event.method} sent"
            elif isinstance(event, ResponseReceived):
                self._status = str(event.status_code)
                self._phase = "checking"
            elif isinstance(event, StepFinished):
                state = polled_state(event.outputs)
                if state is not None:
                    self._state = state
                self._phase = "done" if event.succeeded else "failed"
            elif isinstance(event, LoopIteration):
                self._phase = f"waiting {event.delay:g}s" if event.delay else "again"
            elif isinstance(event, RetryScheduled):
                self._phase = f"retry {event.attempt} in {event.delay:g}s"
            elif isinstance(event, RunStarted):
                self._root = event.workflow_id
                self._started = time.monotonic()
                self._start_thread()
                return
            elif isinstance(event, RunResumed):  # a durable run goes on (its replay is silent)
                self._root = event.workflow_id
                self._started = time.monotonic()
                self._step = event.step_id or "-"
                self._iteration = max(event.poll, 1)
                self._phase = "resumed"
                where = f"at step {event.step_id}, poll {event.poll}" if event.step_id \
                    else "at its start"
                try:
                    self.stream.write(f"{_CLEAR if self._drawn else ''}resumed run "
                                      f"{event.run_id} {where} ({event.replayed} recorded "
                                      f"answers replayed)\n")
                    self.stream.flush()
                except (OSError, ValueError):  # pragma: no cover - terminal went away
                    return
                self._drawn = False
                self._start_thread()
                return
            elif isinstance(event, RunFinished):
                self._root_done()
                return
            else:
                return
            now = time.monotonic()
            if now - self._last_draw >= self.min_redraw:
                self._draw()

    # -- drawing ---------------------------------------------------------------------------

    def line(self) -> str:
        """The current progress line (without control characters)."""
        elapsed = time.monotonic() - self._started
        spinner = _SPINNER[self._frame % len(_SPINNER)]
        parts = [f"{spinner} {self._step or '-'}"]
        if self._iteration > 1:
            parts.append(f"iteration {self._iteration}")
        status = " ".join(p for p in (self._status, self._state) if p)
        if status:
            parts.append(status)
        parts.append(self._phase)
        parts.append(f"{elapsed:.1f}s")
        parts.append(f"({self._count} step{'s' if self._count != 1 else ''} run)")
        text = "  ".join(parts)
        width = self.width or _terminal_width(self.stream)
        return text if len(text) < width else text[: max(width - 4, 10)] + "..."

    def _draw(self) -> None:
        try:
            self.stream.write(_CLEAR + self.line())
            self.stream.flush()
        except (OSError, ValueError):  # pragma: no cover - terminal went away
            return
        self._drawn = True
        self._last_draw = time.monotonic()

    def _start_thread(self) -> None:
        if self._thread is not None or self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._tick, name="arazzo-progress", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                self._frame += 1
                self._draw()

    def _root_done(self) -> None:
        # called with the lock held: stop redrawing and erase the line
        self._stop.set()
        if self._drawn:
            try:
                self.stream.write(_CLEAR)
                self.stream.flush()
            except (OSError, ValueError):  # pragma: no cover
                pass
            self._drawn = False

    def close(self) -> None:
        """Stop the redraw thread and erase the line (safe to call more than once)."""
        with self._lock:
            self._root_done()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)
            self._thread = None


def _terminal_width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns >= 20 else 100
