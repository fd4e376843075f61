"""The engine builds every StepRecord and RunResult with :func:`~arazzo.engine._results.maker`
(one slot write per field instead of ``object.__setattr__``): what it makes is what the
class's own constructor makes, field for field, and as frozen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from arazzo.engine._makers import maker
from arazzo.engine._requests import Masker
from arazzo.engine._results import (
    ActionRecord,
    Failure,
    RunResult,
    StepRecord,
    make_run_result,
    make_step_record,
)

FAILURE = Failure("criteria", "no", step_id="s", workflow_id="w", criterion="$statusCode == 200",
                  criterion_index=0, status_code=500)
STEP_VALUES: tuple[Any, ...] = (
    "read", "wf", 2, False, "GET", "http://api.test/things/7?k=v", 500, 0.25, {"name": "x"},
    ActionRecord("again", "retry", "read"), ("no",), "Throttled", "slow down", 3, (FAILURE,))
RUN_VALUES: tuple[Any, ...] = (
    "wf", False, {"name": "x"}, [], "step 'read' failed", "stop", 1.5,
    {"wf": {"name": "x"}}, 4, FAILURE, Masker(["secret-value"]))


def _fields(obj: Any) -> list[Any]:
    return [getattr(obj, f.name) for f in dataclasses.fields(obj)]


@pytest.mark.parametrize(("cls", "make", "values"), [
    (StepRecord, make_step_record, STEP_VALUES),
    (RunResult, make_run_result, RUN_VALUES),
    (Failure, maker(Failure), ("status", "HTTP 500", "s", "w", None, None, 500, None, FAILURE)),
    (ActionRecord, maker(ActionRecord), ("again", "retry", "read")),
])
def test_made_is_what_the_constructor_gives(cls: type, make: Any, values: tuple[Any, ...]
                                            ) -> None:
    made, built = make(*values), cls(*values)
    assert type(made) is cls
    assert made == built
    assert repr(made) == repr(built)
    for got, want, given in zip(_fields(made), _fields(built), values, strict=True):
        assert got is want is given  # the very values, not copies
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, "changed")
    assert hasattr(made, "__dict__") == hasattr(built, "__dict__")
    if cls.__hash__ is not None and cls is not StepRecord and cls is not RunResult:
        assert hash(made) == hash(built)
    # each call makes a new instance: nothing is shared between two records
    assert make(*values) is not made


def test_a_made_result_masks_and_replaces_as_a_built_one() -> None:
    record = make_step_record(*STEP_VALUES)
    result = make_run_result(*RUN_VALUES[:3], [record], *RUN_VALUES[4:])
    built = RunResult(*RUN_VALUES[:3], [StepRecord(*STEP_VALUES)],  # type: ignore[call-arg]
                      *RUN_VALUES[4:])
    assert result == built
    assert result.masked() == built.masked()
    assert result.to_dict() == built.to_dict()
    assert dataclasses.replace(result, succeeded=True).succeeded is True
    assert result.step("read") is record


def test_maker_refuses_what_it_cannot_make() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise AssertionError

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Derived):
        with pytest.raises(TypeError, match="maker"):
            maker(cls)
