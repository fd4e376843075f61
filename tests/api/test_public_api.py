"""The package's contract is ``arazzo.__all__`` (house style: private modules, curated exports)."""

from __future__ import annotations

import arazzo


def test_all_is_sorted_and_unique() -> None:
    # isort-style, as ruff's RUF022 keeps it: constants (DEFAULT_CRITERIA) first
    assert arazzo.__all__ == sorted(set(arazzo.__all__), key=lambda n: (n != n.upper(), n))


def test_every_exported_name_exists() -> None:
    missing = [name for name in arazzo.__all__ if not hasattr(arazzo, name)]
    assert missing == []


def test_core_entry_points_are_exported() -> None:
    for name in ("load", "validate", "run", "run_async", "Document", "Diagnostic",
                 "ArazzoError", "RunResult", "StepRecord"):
        assert name in arazzo.__all__, name


def test_every_error_derives_from_arazzo_error() -> None:
    errors = [getattr(arazzo, n) for n in arazzo.__all__
              if isinstance(getattr(arazzo, n), type) and issubclass(getattr(arazzo, n), Exception)]
    assert errors
    assert all(issubclass(e, arazzo.ArazzoError) for e in errors)
