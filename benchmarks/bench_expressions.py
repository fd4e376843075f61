"""Micro-benchmark: microseconds per evaluation of typical compiled expressions and criteria.

Run: ``.venv/bin/python benchmarks/bench_expressions.py``. Not a test; numbers vary by machine.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

from arazzo.criteria import compile_criterion
from arazzo.expressions import (
    EvaluationContext,
    HttpMessage,
    compile_value,
    parse,
    parse_condition,
    parse_template,
)

CTX = EvaluationContext(
    inputs={"petId": 42, "customer": {"firstName": "Ann"}},
    steps={"login": {"token": "abc"}},
    status_code=200,
    response=HttpMessage(
        headers={"Content-Type": "application/json", "X-Rate": "10"},
        body={"a": {"b": [1, 2, 3]}, "TrainingJobStatus": "InProgress", "pets": [{"id": 1}]},
    ),
)

CASES: list[tuple[str, Callable[[EvaluationContext], Any]]] = [
    ("expression $response.body#/a/b", parse("$response.body#/a/b").evaluate),
    ("expression $statusCode", parse("$statusCode").evaluate),
    ("expression $steps.login.outputs.token", parse("$steps.login.outputs.token").evaluate),
    ("expression $response.header.x-rate", parse("$response.header.x-rate").evaluate),
    ("template 'Bearer {$steps.login.outputs.token}'",
     parse_template("Bearer {$steps.login.outputs.token}").evaluate),
    ("condition $statusCode == 200", parse_condition("$statusCode == 200").evaluate),
    ("criterion simple $statusCode == 200", compile_criterion("$statusCode == 200").evaluate),
    ("criterion simple (failing) $statusCode == 201",
     compile_criterion("$statusCode == 201").evaluate),
    ("criterion simple $response.body#/TrainingJobStatus == 'inprogress' && $statusCode < 300",
     compile_criterion(
         "$response.body#/TrainingJobStatus == 'inprogress' && $statusCode < 300").evaluate),
    ("criterion regex ^2\\d\\d$ on $statusCode",
     compile_criterion(r"^2\d\d$", "regex", "$statusCode").evaluate),
    ("criterion jsonpath $[?count(@.pets) > 0]",
     compile_criterion("$[?count(@.pets) > 0]", "jsonpath", "$response.body").evaluate),
    ('criterion jsonpath (non-RFC) $.TrainingJobStatus == "InProgress"',
     compile_criterion('$.TrainingJobStatus == "InProgress"', "jsonpath",
                       "$response.body").evaluate),
    ("value {id: $inputs.petId, name: 'x {$inputs.customer.firstName}'}",
     compile_value({"id": "$inputs.petId", "name": "x {$inputs.customer.firstName}"}).evaluate),
]


def _bind(fn: Callable[[EvaluationContext], Any]) -> Callable[[], Any]:
    return lambda: fn(CTX)


def main() -> None:
    width = max(len(name) for name, _ in CASES)
    for name, fn in CASES:
        timer = timeit.Timer(_bind(fn))
        number, _ = timer.autorange()
        best = min(timer.repeat(repeat=5, number=number)) / number
        print(f"{name:<{width}}  {best * 1e6:8.2f} us")


if __name__ == "__main__":
    main()
