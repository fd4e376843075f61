"""Shared base for every model: frozen, camelCase aliases, ``x-`` extensions, locations."""

# No ``from __future__ import annotations`` in the model modules: pydantic would then evaluate
# every field annotation from its string (a compile() each), which made importing the models
# ~20 ms slower on the CLI's cold start (tests/cli/test_cold_start.py checks).

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

from arazzo._exceptions import Location

if TYPE_CHECKING:
    from arazzo.documents._yaml import SourceMap

__all__ = ["ArazzoModel", "LenientModel", "assign_locations", "iter_models", "spec_minor",
           "v11_only"]


class _Located(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        arbitrary_types_allowed=True,
    )

    _source_map: "SourceMap | None" = PrivateAttr(default=None)
    _pointer: str = PrivateAttr(default="")
    _compiled: Any = PrivateAttr(default=None)

    @property
    def extensions(self) -> dict[str, Any]:
        """The ``x-`` specification extensions of this object (EXT-01)."""
        extra = self.model_extra or {}
        return {k: v for k, v in extra.items() if k.startswith("x-")}

    @property
    def pointer(self) -> str:
        """JSON pointer of this object inside its document ('' for the root)."""
        return self._pointer

    @property
    def location(self) -> Location:
        """File, 1-based line and column, and pointer of this object."""
        if self._source_map is None:
            return Location(None, None, None, self._pointer)
        return self._source_map.locate(self._pointer)

    def location_of(self, field: str, *, key: bool = False) -> Location:
        """Location of one of this object's fields, by its document (camelCase) name."""
        pointer = f"{self._pointer}/{field}"
        if self._source_map is None:
            return Location(None, None, None, pointer)
        return self._source_map.locate(pointer, key=key)


def spec_minor(info: ValidationInfo) -> str | None:
    """The ``major.minor`` Arazzo version a document is being validated as (``"1.0"``,
    ``"1.1"``), passed by the loader as the validation context; None when not known (a model
    validated directly), which then applies no version rule."""
    context = info.context
    if isinstance(context, Mapping):
        version = context.get("arazzo")
        return version if isinstance(version, str) else None
    return None


def v11_only(what: str) -> str:
    """The message for an Arazzo 1.1 feature in a 1.0 document (V11-VER-01)."""
    return (f"{what} is Arazzo 1.1; this document declares Arazzo 1.0 (its 'arazzo' field), "
            "which does not have it: declare 'arazzo: 1.1.0' to use it, or remove it "
            "(V11-VER-01)")


class ArazzoModel(_Located):
    """Arazzo objects: unknown fields other than ``x-`` extensions are errors (EXT-02).

    ``since_1_1`` names (by their document names) the fields Arazzo 1.1 added to the object: in
    a document validated as 1.0 they are errors that say so (V11-VER-01)."""

    model_config = ConfigDict(defer_build=True)

    allow_unknown: ClassVar[bool] = False
    since_1_1: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_unknown_fields(self, info: ValidationInfo) -> "ArazzoModel":
        if self.since_1_1 and spec_minor(info) == "1.0":
            fields = type(self).model_fields
            added = sorted(alias for name in self.model_fields_set if name in fields
                           and (alias := fields[name].alias or name) in self.since_1_1)
            if added:
                raise ValueError(v11_only(f"the field {added[0]!r}"))
        if not self.allow_unknown and self.model_extra:
            unknown = sorted(k for k in self.model_extra if not k.startswith("x-"))
            if unknown:
                names = ", ".join(repr(k) for k in unknown)
                raise ValueError(
                    f"unknown field {names}: only the fields of the specification and "
                    "'x-' extensions are allowed (EXT-02)"
                )
        return self


class LenientModel(_Located):
    """OpenAPI objects: we read what an engine needs and keep everything else untouched."""


def iter_models(value: Any, pointer: str = "") -> Iterator[tuple[_Located, str]]:
    """Yield (model, pointer) for every model reachable from ``value``, depth first."""
    if isinstance(value, _Located):
        yield value, pointer
        for name, field in type(value).model_fields.items():
            child = getattr(value, name)
            if child is None:
                continue
            alias = field.alias or name
            yield from iter_models(child, f"{pointer}/{_escape(alias)}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from iter_models(item, f"{pointer}/{i}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from iter_models(item, f"{pointer}/{_escape(str(key))}")


def assign_locations(root: _Located, source_map: "SourceMap", base: str = "") -> None:
    """Give every model under ``root`` its pointer and the document's source map."""
    for model, pointer in iter_models(root, base):
        model._source_map = source_map
        model._pointer = pointer


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
