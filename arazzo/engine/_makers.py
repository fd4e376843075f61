"""Building frozen dataclass instances without their ``__init__``'s setattr calls.

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``; what the
engine builds for every step and run (records, results, the ``Send`` effect) is made here
with one slot write per field instead. Kept apart from the classes so that any engine module
can use it (it imports nothing of the engine).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["maker"]

_T = TypeVar("_T")


def maker(cls: type[_T]) -> Callable[..., _T]:
    """A function ``make(*values)`` that gives what ``cls(*values)`` gives when every field
    of the frozen dataclass ``cls`` is passed, in field order, for classes without
    ``__post_init__``: the instance with those fields. The frozen ``__init__`` sets each
    field through ``object.__setattr__``; ``make`` sets a slotted field through its slot
    and an unslotted class's fields in its ``__dict__``, so the engine builds the records
    of every step and run with a fraction of the calls. The instance is as frozen as one
    ``cls(...)`` makes (``tests/engine/test_result_makers.py``)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if getattr(cls, "__post_init__", None) is not None or not all(f.init for f in fields):
        raise TypeError(f"{cls.__name__}: a maker needs every field in __init__ and no "
                        "__post_init__")
    names = [f"v{i}" for i in range(len(fields))]
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    if "__slots__" in cls.__dict__:
        lines = []
        for i, f in enumerate(fields):
            env[f"set{i}"] = getattr(cls, f.name).__set__
            lines.append(f"    set{i}(made, v{i})")
        body = "\n".join(lines)
    else:
        body = "    made.__dict__.update({" + ", ".join(
            f"{f.name!r}: v{i}" for i, f in enumerate(fields)) + "})"
    source = (f"def make({', '.join(names)}):\n    made = new(cls)\n{body}\n"
              "    return made\n")
    exec(source, env)  # generated from the field names only, as dataclasses does
    make: Callable[..., _T] = env["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make
