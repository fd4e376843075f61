"""Durable runs in a store: list, show, resume, cancel, submit to workers, work on them.

A durable run is started by :func:`arazzo.run` with ``run_id=`` (``store=``: where it is
kept; default ``$ARAZZO_STORE``, else ``./.arazzo/runs.sqlite``)::

    result = arazzo.run(path, "trainThenDeploy", inputs, run_id="train-42")
    arazzo.runs.show("train-42")          # status, step, poll, steps done, outputs
    arazzo.runs.cancel("train-42")
    arazzo.runs.resume("train-42")        # the result, once finished

Needs DBOS Transact (``pip install 'arazzo[durable]'``); see ``docs/durable.md``. Listing
and showing runs read the store only (no DBOS).
"""

from __future__ import annotations

from arazzo.durable._api import (
    RunBusy,
    RunChanged,
    RunInfo,
    RunNotFound,
    cancel,
    resume,
    show,
    submit,
    wait,
    worker,
)
from arazzo.durable._api import list_runs as list  # arazzo.runs.list()
from arazzo.durable._driver import DurableError, RunCancelled, RunDiverged, RunInDoubt
from arazzo.durable._store import DEFAULT_STORE, STORE_ENV

__all__ = ["DEFAULT_STORE", "STORE_ENV", "DurableError", "RunBusy", "RunCancelled",
           "RunChanged", "RunDiverged", "RunInDoubt", "RunInfo", "RunNotFound", "cancel",
           "list", "resume", "resume_async", "show", "submit", "wait", "worker"]


async def resume_async(*args: object, **kwargs: object) -> object:
    """The async twin of :func:`resume` (the run goes on in a worker thread; transports must
    be sync ones)."""
    import asyncio

    return await asyncio.to_thread(resume, *args, **kwargs)  # type: ignore[arg-type]
