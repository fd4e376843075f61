"""Pass rates of the installed JSONPath libraries on the RFC 9535 compliance suite.

Run: ``.venv/bin/python benchmarks/measure_jsonpath_cts.py [path/to/cts.json]``. Not a test;
it backs the library choice documented in docs/expressions.md. Each case gets 2 s (SIGALRM,
POSIX only).
"""

from __future__ import annotations

import json
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parents[1] / "tests/expressions/jsonpath-cts/cts.json"


class _Timeout(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise _Timeout


def measure(cases: list[dict[str, Any]], compile_: Callable[[str], Any],
            find: Callable[[Any, Any], list[Any]]) -> int:
    passed = 0
    signal.signal(signal.SIGALRM, _alarm)
    for case in cases:
        signal.alarm(2)
        try:
            try:
                query = compile_(case["selector"])
            except _Timeout:
                raise
            except Exception:
                passed += bool(case.get("invalid_selector"))
                continue
            if case.get("invalid_selector"):
                continue
            got = find(query, case["document"])
            expected = [case["result"]] if "result" in case else case["results"]
            passed += any(got == option for option in expected)
        except Exception:  # timeouts and evaluation errors count as failures
            pass
        finally:
            signal.alarm(0)
    return passed


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    cases = json.loads(path.read_text(encoding="utf-8"))["tests"]
    warnings.simplefilter("ignore")
    import jsonpath_rfc9535  # imported late: measurement targets
    from jsonpath_ng.ext.parser import parse as parse_ext
    from jsonpath_ng.parser import parse as parse_plain

    libraries: list[tuple[str, Callable[[str], Any], Callable[[Any, Any], list[Any]]]] = [
        ("jsonpath-ng (jsonpath_ng.parse)", parse_plain,
         lambda q, d: [m.value for m in q.find(d)]),
        ("jsonpath-ng (jsonpath_ng.ext.parse)", parse_ext,
         lambda q, d: [m.value for m in q.find(d)]),
        ("jsonpath-rfc9535", jsonpath_rfc9535.compile,
         lambda q, d: [n.value for n in q.find(d)]),
    ]
    try:
        import jsonpath  # python-jsonpath, if installed

        libraries.append(("python-jsonpath (strict)", jsonpath.JSONPathEnvironment(
            strict=True).compile, lambda q, d: [m.obj for m in q.finditer(d)]))
    except (ImportError, TypeError):
        pass
    for name, compile_, find in libraries:
        passed = measure(cases, compile_, find)
        print(f"{name:<38} {passed:>4}/{len(cases)}  {100 * passed / len(cases):5.1f} %")


if __name__ == "__main__":
    main()
