"""Durable runs on DBOS Transact: the store (``_store``), the replaying driver (``_driver``),
the DBOS runtime (``_runtime``) and the API behind :func:`arazzo.run` ``run_id=`` and
:mod:`arazzo.runs` (``_api``). Nothing here is imported by a plain run."""
