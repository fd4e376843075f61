"""A fast, one-sided JSON Schema 2020-12 check: "certainly valid", or "ask jsonschema".

``jsonschema`` costs ~60 ms to import, and its first validation of an Arazzo document is slow:
every ``inputs`` schema is checked against the 2020-12 meta-schema, whose ``$dynamicRef``
resolution through ``referencing`` dominates. A document or an inputs object is nearly always
valid, and then jsonschema reports nothing. This module answers the yes/no question only:

- ``True``: ``jsonschema.Draft202012Validator`` (no format checker, as the callers use it)
  reports no error for the instance;
- ``False``: invalid, *or not sure*. The caller then runs jsonschema as before, which produces
  every message (and raises whatever it raises, e.g. for an unresolvable ``$ref``).

Only ``True`` is a claim, so the verdicts cannot drift apart: whenever this module is unsure it
says ``False``. It mirrors jsonschema's keyword functions (``jsonschema/_keywords.py``), its
type checker, its ``equal`` and its evaluated-properties rules for ``unevaluatedProperties``.
Unsure, hence ``False``: an exception of any kind (an invalid regex, a comparison between
unlike types, a pointer to nowhere, deep recursion), ``unevaluatedItems``, a ``$schema`` other
than 2020-12's, and in caller-supplied schemas ``$id``, anchors and ``$dynamicRef``. The
inputs check (:class:`InputsCheck`, once per run) runs a compiled form of the inputs schema
(:class:`_Compiler`), the interpreter deciding what it does not compile. The differential tests
in ``tests/documents/test_schemacheck.py`` and ``test_schemacheck_compiled.py`` hold both to
jsonschema.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import numbers
import re
from collections.abc import Callable, Mapping, Sequence, Sized
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import unquote, urldefrag, urljoin

__all__ = ["InputsCheck", "document_is_valid", "inputs_are_valid"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_VOCABULARIES = ("applicator", "content", "core", "format-annotation", "meta-data",
                 "unevaluated", "validation")
#: nested subschema checks decided here at most (each is a few Python frames, as in jsonschema)
_MAX_DEPTH = 100
#: the base URI the inputs validator (``arazzo.engine._plan``) registers the document under
DOCUMENT_URI: Final = "urn:arazzo:document"


class _Unsure(Exception):
    """Outside what this module decides: the caller asks jsonschema."""


class _Every:
    """Annotation: every property of the object instance was evaluated."""

    __slots__ = ()


class _Unknown:
    """Annotation: valid, but which properties were evaluated is not known (an ``anyOf``
    branch after the first valid one was not decided; jsonschema never looks at it)."""

    __slots__ = ()


_EVERY: Final = _Every()
_UNKNOWN: Final = _Unknown()
_NOTHING: frozenset[str] = frozenset()
#: the properties a valid subschema evaluated (for ``unevaluatedProperties``)
_Keys = frozenset[str] | set[str] | _Every | _Unknown
#: valid (with the keys it evaluated), or None: invalid
_Result = _Keys | None


def _union(one: _Keys, two: _Keys) -> _Keys:
    if isinstance(one, _Every) or isinstance(two, _Every):
        return _EVERY
    if isinstance(one, _Unknown) or isinstance(two, _Unknown):
        return _UNKNOWN
    if not two:
        return one
    if not one:
        return two
    return set(one) | set(two)


# -- jsonschema's type checker and equality (jsonschema/_types.py, jsonschema/_utils.py) ------


def _is_type(instance: Any, name: Any) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "string":
        return isinstance(instance, str)
    if name == "array":
        return isinstance(instance, list)
    if name == "null":
        return instance is None
    if name == "boolean":
        return isinstance(instance, bool)
    if isinstance(instance, bool):
        if name in ("number", "integer"):
            return False
        raise _Unsure
    if name == "number":
        return isinstance(instance, numbers.Number)
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float)
                                             and instance.is_integer())
    raise _Unsure  # an unknown type: jsonschema raises UnknownType


def _is_number(instance: Any) -> bool:
    return not isinstance(instance, bool) and isinstance(instance, numbers.Number)


_TRUE = object()
_FALSE = object()


def _unbool(element: Any) -> Any:
    if element is True:
        return _TRUE
    if element is False:
        return _FALSE
    return element


def _equal(one: Any, two: Any) -> bool:
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(i, j) for i, j in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def _has_duplicates(items: list[Any]) -> bool:
    """Whether two items are ``equal``. jsonschema's ``uniq`` only ever reports a pair that is,
    so "no such pair" means it finds the items unique."""
    kinds = {type(item) for item in items}
    if kinds in ({str}, {int}):  # equal is == here, and == agrees with hashing
        return len(set(items)) < len(items)
    seen: list[Any] = []
    for each in items:
        item = _unbool(each)
        for other in seen:
            if _equal(other, item):
                return True
        seen.append(item)
    return False


# -- the checker ---------------------------------------------------------------------------


class _Checker:
    """Decides validity against the schemas of one set of resources.

    ``trusted``: the resources are this package's schemas (the corrected Arazzo schema and
    the 2020-12 meta-schemas): ``$id`` at their roots, anchors and the meta-schema's
    ``$dynamicRef`` are followed. Otherwise (a document's own inputs schemas) those are
    unsure.
    """

    def __init__(self, resources: dict[str, Any], *, trusted: bool,
                 refs: dict[tuple[str, str], tuple[Any, str]] | None = None) -> None:
        self.resources = resources
        self.trusted = trusted
        #: resolved references, ``(ref, base) -> (target, uri)``: a checker made per call
        #: shares the dict of the resources (what a reference points at never changes)
        self.refs: dict[tuple[str, str], tuple[Any, str]] = {} if refs is None else refs
        self.anchors: dict[tuple[str, str], Any] = {}
        self.dynamic: set[tuple[str, str]] = set()
        self.depth = 0
        if trusted:
            for uri, root in resources.items():
                self._index(uri, root)

    def _index(self, uri: str, node: Any) -> None:
        if isinstance(node, dict):
            for keyword in ("$anchor", "$dynamicAnchor"):
                name = node.get(keyword)
                if isinstance(name, str):
                    self.anchors[(uri, name)] = node
                    if keyword == "$dynamicAnchor":
                        self.dynamic.add((uri, name))
            for value in node.values():
                self._index(uri, value)
        elif isinstance(node, list):
            for value in node:
                self._index(uri, value)

    # -- references (referencing's Resolver.lookup and Resource.pointer) -----------------

    def _pointer(self, root: Any, pointer: str) -> Any:
        contents = root
        if not pointer:
            return contents
        for segment in unquote(pointer[1:]).split("/"):
            if isinstance(contents, Sequence):
                contents = contents[int(segment)]
            else:
                contents = contents[segment.replace("~1", "/").replace("~0", "~")]
            if not self.trusted and isinstance(contents, dict) and "$id" in contents:
                raise _Unsure
        return contents

    def resolve(self, ref: str, base: str, scope: tuple[str, ...]
                ) -> tuple[Any, str, tuple[str, ...]]:
        found = self.refs.get((ref, base))
        if found is None:
            found = self.refs[(ref, base)] = self._lookup(ref, base)
        target, uri = found
        if base and (not scope or uri != base):
            scope = (*scope, base)
        return target, uri, scope

    def _lookup(self, ref: str, base: str) -> tuple[Any, str]:
        """What ``ref`` points at from ``base``, and the URI of its resource (raises
        ``_Unsure`` or a lookup error, which are not kept: they make the verdict unsure)."""
        if ref.startswith("#"):
            uri, fragment = base, ref[1:]
        else:
            uri, fragment = urldefrag(urljoin(base, ref))
        root = self.resources.get(uri)
        if root is None:
            raise _Unsure
        if fragment.startswith("/"):
            target = self._pointer(root, fragment)
        elif fragment:
            if not self.trusted:
                raise _Unsure
            target = self.anchors[(uri, fragment)]
        else:
            target = root
        return target, uri

    def resolve_dynamic(self, ref: str, base: str, scope: tuple[str, ...]
                        ) -> tuple[Any, str, tuple[str, ...]]:
        name = ref[1:] if ref.startswith("#") else ""
        if not self.trusted or not name or name.startswith("/") or (base, name) not in \
                self.dynamic:
            raise _Unsure
        if not scope:
            scope = (base,)
        # the outermost resource of the dynamic scope with a dynamic anchor of that name
        uri = next((u for u in scope if (u, name) in self.dynamic), base)
        return self.resources[uri], uri, scope

    # -- validation ----------------------------------------------------------------------

    def check(self, schema: Any, instance: Any, base: str, scope: tuple[str, ...]) -> _Result:
        if schema is True:
            return _NOTHING
        if schema is False:
            return None
        if type(schema) is not dict:
            raise _Unsure
        if self.depth >= _MAX_DEPTH:
            raise _Unsure  # far below the depth at which jsonschema's recursion gives out
        self.depth += 1
        try:
            return self._check(schema, instance, base, scope)
        finally:
            self.depth -= 1

    def _check(self, schema: dict[str, Any], instance: Any, base: str,
               scope: tuple[str, ...]) -> _Result:
        obj = isinstance(instance, dict)
        evaluated: _Keys = _NOTHING
        for keyword, value in schema.items():
            handler = _KEYWORDS.get(keyword)
            if handler is None:
                if keyword in _UNSURE:
                    raise _Unsure
                if keyword == "$id":
                    if not self.trusted or self.resources.get(base) is not schema:
                        raise _Unsure
                elif keyword == "$schema" and value != _DRAFT:
                    raise _Unsure
                continue
            result = handler(self, value, instance, schema, base, scope)
            if result is None:
                return None
            if obj and result:
                evaluated = _union(evaluated, result)
        if "unevaluatedProperties" in schema and obj:
            if not self.trusted or "additionalProperties" in schema:
                # jsonschema's evaluated-properties walk re-checks subschemas (every value
                # against additionalProperties, say): only this package's schemas, known to
                # be well-formed there, are decided here
                raise _Unsure
            if isinstance(evaluated, _Unknown):
                raise _Unsure
            if not isinstance(evaluated, _Every):
                rest = schema["unevaluatedProperties"]
                for key, value in instance.items():
                    if key not in evaluated and self.check(rest, value, base, scope) is None:
                        return None
            return _EVERY
        return evaluated


_Handler = Any  # (checker, value, instance, schema, base, scope) -> _Result


def _ref(c: _Checker, ref: Any, instance: Any, _schema: Any, base: str,
         scope: tuple[str, ...]) -> _Result:
    target, uri, scope = c.resolve(ref, base, scope)
    return c.check(target, instance, uri, scope)


def _dynamic_ref(c: _Checker, ref: Any, instance: Any, _schema: Any, base: str,
                 scope: tuple[str, ...]) -> _Result:
    target, uri, scope = c.resolve_dynamic(ref, base, scope)
    return c.check(target, instance, uri, scope)


def _properties(c: _Checker, properties: Any, instance: Any, _schema: Any, base: str,
                scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, dict):
        return _NOTHING
    if type(properties) is not dict:
        raise _Unsure
    for name, sub in properties.items():
        if name in instance and c.check(sub, instance[name], base, scope) is None:
            return None
    return properties.keys() & instance.keys()


def _pattern_properties(c: _Checker, patterns: Any, instance: Any, _schema: Any, base: str,
                        scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, dict):
        return _NOTHING
    matched: set[str] = set()
    for pattern, sub in patterns.items():
        for key, value in instance.items():
            if re.search(pattern, key):
                if c.check(sub, value, base, scope) is None:
                    return None
                matched.add(key)
    return matched


def _additional_properties(c: _Checker, additional: Any, instance: Any, schema: Any,
                           base: str, scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, dict):
        return _NOTHING
    properties = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    extras = [key for key in instance if key not in properties
              and not (patterns and re.search(patterns, key))]
    if isinstance(additional, dict):
        for key in extras:
            if c.check(additional, instance[key], base, scope) is None:
                return None
    elif not additional and extras:
        return None
    return _EVERY


def _property_names(c: _Checker, names: Any, instance: Any, _schema: Any, base: str,
                    scope: tuple[str, ...]) -> _Result:
    if isinstance(instance, dict):
        for key in instance:
            if c.check(names, key, base, scope) is None:
                return None
    return _NOTHING


def _required(_c: _Checker, required: Any, instance: Any, _schema: Any, _base: str,
              _scope: tuple[str, ...]) -> _Result:
    if isinstance(instance, dict):
        for name in required:
            if name not in instance:
                return None
    return _NOTHING


def _dependent_required(_c: _Checker, dependent: Any, instance: Any, _schema: Any,
                        _base: str, _scope: tuple[str, ...]) -> _Result:
    if isinstance(instance, dict):
        for name, dependency in dependent.items():
            if name in instance:
                for each in dependency:
                    if each not in instance:
                        return None
    return _NOTHING


def _dependent_schemas(c: _Checker, dependent: Any, instance: Any, _schema: Any, base: str,
                       scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, dict):
        return _NOTHING
    # the subschemas of the properties present, as an allOf
    return _all_of(c, [sub for name, sub in dependent.items() if name in instance], instance,
                   None, base, scope)


def _type(_c: _Checker, types: Any, instance: Any, _schema: Any, _base: str,
          _scope: tuple[str, ...]) -> _Result:
    names = [types] if isinstance(types, str) else types
    return _NOTHING if any(_is_type(instance, name) for name in names) else None


def _enum(_c: _Checker, enums: Any, instance: Any, _schema: Any, _base: str,
          _scope: tuple[str, ...]) -> _Result:
    return _NOTHING if any(_equal(each, instance) for each in enums) else None


def _const(_c: _Checker, const: Any, instance: Any, _schema: Any, _base: str,
           _scope: tuple[str, ...]) -> _Result:
    return _NOTHING if _equal(instance, const) else None


def _ok(condition: bool) -> _Result:
    return None if condition else _NOTHING


def _min_length(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, str) and len(instance) < limit)


def _max_length(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, str) and len(instance) > limit)


def _pattern(_c: _Checker, pattern: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, str) and not re.search(pattern, instance))


def _minimum(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(_is_number(instance) and instance < limit)


def _maximum(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(_is_number(instance) and instance > limit)


def _exclusive_minimum(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(_is_number(instance) and instance <= limit)


def _exclusive_maximum(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(_is_number(instance) and instance >= limit)


def _multiple_of(_c: _Checker, divisor: Any, instance: Any, *_: Any) -> _Result:
    if not _is_number(instance):
        return _NOTHING
    if isinstance(divisor, float):
        quotient = instance / divisor
        try:
            failed = int(quotient) != quotient
        except OverflowError:
            from fractions import Fraction

            failed = (Fraction(instance) / Fraction(divisor)).denominator != 1
    else:
        failed = bool(instance % divisor)
    return _ok(failed)


def _min_items(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, list) and len(instance) < limit)


def _max_items(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, list) and len(instance) > limit)


def _min_properties(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, dict) and len(instance) < limit)


def _max_properties(_c: _Checker, limit: Any, instance: Any, *_: Any) -> _Result:
    return _ok(isinstance(instance, dict) and len(instance) > limit)


def _unique_items(_c: _Checker, unique: Any, instance: Any, *_: Any) -> _Result:
    return _ok(bool(unique) and isinstance(instance, list) and _has_duplicates(instance))


def _items(c: _Checker, items: Any, instance: Any, schema: Any, base: str,
           scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, list):
        return _NOTHING
    prefix = len(schema.get("prefixItems", []))
    if len(instance) - prefix <= 0:
        return _NOTHING
    if items is False:
        return None
    for index in range(prefix, len(instance)):
        if c.check(items, instance[index], base, scope) is None:
            return None
    return _NOTHING


def _prefix_items(c: _Checker, prefix: Any, instance: Any, _schema: Any, base: str,
                  scope: tuple[str, ...]) -> _Result:
    if isinstance(instance, list):
        for item, sub in zip(instance, prefix, strict=False):
            if c.check(sub, item, base, scope) is None:
                return None
    return _NOTHING


def _contains(c: _Checker, contains: Any, instance: Any, schema: Any, base: str,
              scope: tuple[str, ...]) -> _Result:
    if not isinstance(instance, list):
        return _NOTHING
    matches = 0
    min_contains = schema.get("minContains", 1)
    max_contains = schema.get("maxContains", len(instance))
    for each in instance:
        if c.check(contains, each, base, scope) is not None:
            matches += 1
            if matches > max_contains:
                return None
    return _ok(matches < min_contains)


def _all_of(c: _Checker, subschemas: Any, instance: Any, _schema: Any, base: str,
            scope: tuple[str, ...]) -> _Result:
    evaluated: _Keys = _NOTHING
    for sub in subschemas:
        result = c.check(sub, instance, base, scope)
        if result is None:
            return None
        evaluated = _union(evaluated, result)
    return evaluated


def _any_of(c: _Checker, subschemas: Any, instance: Any, _schema: Any, base: str,
            scope: tuple[str, ...]) -> _Result:
    evaluated: _Result = None
    for sub in subschemas:  # every branch: the valid ones all count as evaluated
        if evaluated is None:
            result = c.check(sub, instance, base, scope)
        else:
            # Already valid: jsonschema stops here, so a later branch it cannot decide (a
            # $ref loop, say) leaves the verdict valid, with its annotations unknown.
            try:
                result = c.check(sub, instance, base, scope)
            except _Unsure:
                result = _UNKNOWN
        if result is not None:
            evaluated = result if evaluated is None else _union(evaluated, result)
    return evaluated


def _one_of(c: _Checker, subschemas: Any, instance: Any, _schema: Any, base: str,
            scope: tuple[str, ...]) -> _Result:
    found: _Result = None
    valid = 0
    for sub in subschemas:
        result = c.check(sub, instance, base, scope)
        if result is not None:
            valid += 1
            found = result
    return found if valid == 1 else None


def _not(c: _Checker, sub: Any, instance: Any, _schema: Any, base: str,
         scope: tuple[str, ...]) -> _Result:
    return None if c.check(sub, instance, base, scope) is not None else _NOTHING


def _if(c: _Checker, condition: Any, instance: Any, schema: Any, base: str,
        scope: tuple[str, ...]) -> _Result:
    result = c.check(condition, instance, base, scope)
    if result is not None:
        if "then" in schema:
            then = c.check(schema["then"], instance, base, scope)
            return None if then is None else _union(result, then)
        return result
    if "else" in schema:
        return c.check(schema["else"], instance, base, scope)
    return _NOTHING


def _nothing(*_: Any) -> _Result:
    return _NOTHING


_KEYWORDS: dict[str, _Handler] = {
    "$ref": _ref,
    "$dynamicRef": _dynamic_ref,
    "additionalProperties": _additional_properties,
    "allOf": _all_of,
    "anyOf": _any_of,
    "const": _const,
    "contains": _contains,
    "dependentRequired": _dependent_required,
    "dependentSchemas": _dependent_schemas,
    "enum": _enum,
    "exclusiveMaximum": _exclusive_maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "format": _nothing,  # an annotation: the callers' validators have no format checker
    "if": _if,
    "items": _items,
    "maxItems": _max_items,
    "maxLength": _max_length,
    "maxProperties": _max_properties,
    "maximum": _maximum,
    "minItems": _min_items,
    "minLength": _min_length,
    "minProperties": _min_properties,
    "minimum": _minimum,
    "multipleOf": _multiple_of,
    "not": _not,
    "oneOf": _one_of,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "prefixItems": _prefix_items,
    "properties": _properties,
    "propertyNames": _property_names,
    "required": _required,
    "type": _type,
    "uniqueItems": _unique_items,
    "unevaluatedProperties": _nothing,  # checked last, by _Checker.check
}
#: keywords jsonschema acts on that this module does not decide
_UNSURE = frozenset({"unevaluatedItems", "$recursiveRef", "$recursiveAnchor"})


def _verdict(checker: _Checker, schema: Any, instance: Any, base: str) -> bool:
    try:
        return checker.check(schema, instance, base, ()) is not None
    except Exception:  # unsure (including RecursionError): jsonschema decides
        return False


# -- the two callers -----------------------------------------------------------------------


def _meta_schema_files() -> dict[str, Any] | None:
    """The 2020-12 meta-schema and its vocabularies, read from the files jsonschema itself
    uses (``jsonschema_specifications``, located without importing it)."""
    spec = importlib.util.find_spec("jsonschema_specifications")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "schemas" / "draft202012"
    out: dict[str, Any] = {}
    try:
        for path in [folder / "metaschema.json",
                     *(folder / "vocabularies" / name for name in _VOCABULARIES)]:
            contents = json.loads(path.read_text(encoding="utf-8"))
            out[contents["$id"]] = contents
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return out if _DRAFT in out else None


def arazzo_schema_text(version: str = "1.0") -> str:
    """The corrected Arazzo JSON Schema of ``version`` (``"1.0"`` or ``"1.1"``), from
    ``arazzo/documents/schemas/arazzo-<version>.json`` (made by ``scripts/make_schema.py``)."""
    name = f"arazzo-{version}.json"
    path = Path(__file__).with_name("schemas") / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:  # pragma: no cover - not a plain directory install (a zip)
        from importlib import resources

        schemas = resources.files("arazzo.documents.schemas")
        return schemas.joinpath(name).read_text("utf-8")


@functools.cache
def _document_checker(version: str) -> tuple[_Checker, Any, str] | None:
    metas = _meta_schema_files()
    if metas is None:
        return None
    schema = json.loads(arazzo_schema_text(version))
    uri = schema["$id"]
    return _Checker({uri: schema, **metas}, trusted=True), schema, uri


def document_is_valid(raw: Any, version: str = "1.0") -> bool:
    """True when the corrected Arazzo schema of ``version`` (``arazzo/documents/schemas``)
    certainly accepts ``raw``: jsonschema would report no error. False: ask jsonschema."""
    found = _document_checker(version)
    if found is None:
        return False
    checker, schema, uri = found
    return _verdict(checker, schema, raw, uri)


# -- the inputs check, compiled -----------------------------------------------------------

#: a compiled subschema: True valid, False invalid (both certain), or raises (unsure)
_Check = Callable[[Any], bool]
#: subschema nodes compiled per inputs schema at most; past it, the interpreter decides
_MAX_NODES = 2000
_NUMBER_TYPES = (int, float)


def _unsure(_instance: Any) -> bool:
    raise _Unsure


def _valid(_instance: Any) -> bool:
    return True


def _invalid(_instance: Any) -> bool:
    return False


def _is_object(instance: Any) -> bool:
    return isinstance(instance, dict)


def _is_string(instance: Any) -> bool:
    return isinstance(instance, str)


def _is_array(instance: Any) -> bool:
    return isinstance(instance, list)


def _is_null(instance: Any) -> bool:
    return instance is None


def _is_boolean(instance: Any) -> bool:
    return isinstance(instance, bool)


def _is_number_type(instance: Any) -> bool:
    kind = type(instance)
    if kind is int or kind is float:
        return True
    return _is_number(instance)


def _is_integer_type(instance: Any) -> bool:
    kind = type(instance)
    if kind is int:
        return True
    if kind is float:
        return bool(instance.is_integer())
    if kind is bool:
        return False
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


_TYPE_TESTS: dict[str, _Check] = {
    "object": _is_object, "string": _is_string, "array": _is_array, "null": _is_null,
    "boolean": _is_boolean, "number": _is_number_type, "integer": _is_integer_type,
}


def _every(checks: list[_Check]) -> _Check:
    """All of ``checks``, in order (the first False or exception ends it)."""
    if not checks:
        return _valid
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda instance: first(instance) and second(instance)
    if len(checks) == 3:
        first, second, third = checks
        return lambda instance: first(instance) and second(instance) and third(instance)
    frozen = tuple(checks)

    def run(instance: Any) -> bool:
        for check in frozen:  # noqa: SIM110 - no generator on the hot path
            if not check(instance):
                return False
        return True
    return run


def _is_limit(value: Any) -> bool:
    return type(value) in _NUMBER_TYPES


def _names(value: Any) -> bool:
    return type(value) is list and all(type(name) is str for name in value)


class _Compiler:
    """Compiles an inputs schema (a document's own: not trusted) into closures of the
    keyword values, their compiled subschemas and resolved ``$ref`` targets, so a call walks
    no schema dicts. Each compiled node decides exactly what :meth:`_Checker.check` decides
    at the same depth, but ``anyOf`` stops at its first valid branch (as jsonschema does;
    the interpreter looks on for annotations, which only ``unevaluatedProperties`` reads, and
    that is never decided for a document's own schemas). A node outside the well-formed
    shapes compiled here (a ``$ref`` loop, an odd keyword value, ``$id``, ...) is left to the
    interpreter: the compiled node calls it."""

    def __init__(self, resources: dict[str, Any],
                 refs: dict[tuple[str, str], tuple[Any, str]]) -> None:
        self.resources = resources
        self.refs = refs
        self.made: dict[tuple[int, str, int], _Check] = {}
        #: the (schema, base) nodes being compiled: a $ref back to one is a loop
        self.active: set[tuple[int, str]] = set()

    def _checker(self) -> _Checker:
        return _Checker(self.resources, trusted=False, refs=self.refs)

    def interpreted(self, schema: Any, base: str, scope: tuple[str, ...], depth: int
                    ) -> _Check:
        """The interpreter's verdict on ``schema`` at ``depth`` (a fresh checker per call)."""
        resources, refs = self.resources, self.refs

        def run(instance: Any) -> bool:
            checker = _Checker(resources, trusted=False, refs=refs)
            checker.depth = depth
            return checker.check(schema, instance, base, scope) is not None
        return run

    def compile(self, schema: Any, base: str, scope: tuple[str, ...], depth: int) -> _Check:
        if schema is True:
            return _valid
        if schema is False:
            return _invalid
        if type(schema) is not dict or depth >= _MAX_DEPTH:
            return _unsure
        key = (id(schema), base, depth)
        found = self.made.get(key)
        if found is not None:
            return found
        if len(self.made) >= _MAX_NODES:
            return self.interpreted(schema, base, scope, depth)
        self.active.add((id(schema), base))
        try:
            found = self._node(schema, base, scope, depth)
        except _Interpret:
            found = self.interpreted(schema, base, scope, depth)
        finally:
            self.active.discard((id(schema), base))
        self.made[key] = found
        return found

    def _node(self, schema: dict[str, Any], base: str, scope: tuple[str, ...],
              depth: int) -> _Check:
        checks: list[_Check] = []
        for keyword, value in schema.items():
            build = _BUILDERS.get(keyword)
            if build is not None:
                check = build(self, value, schema, base, scope, depth + 1)
                if check is not None:
                    checks.append(check)
            elif keyword in _KEYWORDS or keyword in _UNSURE or keyword == "$id" or (
                    keyword == "$schema" and value != _DRAFT):
                raise _Interpret  # decided (or found unsure) by the interpreter
        if "unevaluatedProperties" in schema:
            checks.append(_not_object)  # never decided for an object: unsure
        return _every(checks)

    def ref_target(self, ref: Any, base: str, scope: tuple[str, ...], depth: int) -> _Check:
        if type(ref) is not str:
            raise _Interpret
        try:
            target, uri, scope = self._checker().resolve(ref, base, scope)
        except Exception:
            raise _Interpret from None  # unsure or unresolvable, as the interpreter finds
        if (id(target), uri) in self.active:
            raise _Interpret  # a loop
        return self.compile(target, uri, scope, depth)


class _Interpret(Exception):
    """The node is left to the interpreter (:meth:`_Compiler.interpreted`)."""


def _not_object(instance: Any) -> bool:
    if isinstance(instance, dict):
        raise _Unsure
    return True


# each builder: (compiler, value, schema, base, scope, depth of subschemas) -> check, None
# (nothing to check), or raises _Interpret; each check mirrors the interpreter's handler


def _build_ref(c: _Compiler, ref: Any, _schema: Any, base: str, scope: tuple[str, ...],
               depth: int) -> _Check:
    return c.ref_target(ref, base, scope, depth)


def _build_type(_c: _Compiler, types: Any, *_: Any) -> _Check:
    names = [types] if isinstance(types, str) else types
    if type(names) is not list or not names or any(
            type(name) is not str or name not in _TYPE_TESTS for name in names):
        raise _Interpret
    tests = tuple(_TYPE_TESTS[name] for name in names)
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda instance: first(instance) or second(instance)
    return lambda instance: any(test(instance) for test in tests)


def _build_enum(_c: _Compiler, enums: Any, *_: Any) -> _Check:
    if type(enums) is not list:
        raise _Interpret
    values = tuple(enums)
    if any(type(value) not in _ATOMS for value in values):
        return lambda instance: any(_equal(each, instance) for each in values)
    # atoms only: equal is == within str and within numbers, identity for booleans and null
    strings = frozenset(value for value in values if type(value) is str)
    numbers_ = frozenset(value for value in values if type(value) in _NUMBER_TYPES)
    others = tuple(value for value in values if type(value) not in (str, int, float))

    def run(instance: Any) -> bool:
        kind = type(instance)
        if kind is str:
            return instance in strings
        if kind is int or kind is float:
            return instance in numbers_  # equal numbers hash alike
        if kind is bool or instance is None:
            return any(each is instance for each in others)
        return any(_equal(each, instance) for each in values)
    return run


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _build_const(_c: _Compiler, const: Any, *_: Any) -> _Check:
    if type(const) is str:
        return lambda instance: instance == const if type(instance) is str else \
            _equal(instance, const)
    return lambda instance: _equal(instance, const)


def _length_limit(kind: type[Sized], *, least: bool) -> Any:
    """A builder of ``minLength`` (``least``) or ``maxLength`` and their like for ``kind``."""
    def builder(_c: _Compiler, limit: Any, *_: Any) -> _Check:
        if not _is_limit(limit):
            raise _Interpret
        if least:
            return lambda instance: not (isinstance(instance, kind) and len(instance) < limit)
        return lambda instance: not (isinstance(instance, kind) and len(instance) > limit)
    return builder


def _build_minimum(_c: _Compiler, limit: Any, *_: Any) -> _Check:
    if not _is_limit(limit):
        raise _Interpret

    def run(instance: Any) -> bool:
        kind = type(instance)
        if kind is int or kind is float:
            return not instance < limit
        return not (_is_number(instance) and instance < limit)
    return run


def _build_maximum(_c: _Compiler, limit: Any, *_: Any) -> _Check:
    if not _is_limit(limit):
        raise _Interpret

    def run(instance: Any) -> bool:
        kind = type(instance)
        if kind is int or kind is float:
            return not instance > limit
        return not (_is_number(instance) and instance > limit)
    return run


def _build_exclusive_minimum(_c: _Compiler, limit: Any, *_: Any) -> _Check:
    if not _is_limit(limit):
        raise _Interpret

    def run(instance: Any) -> bool:
        kind = type(instance)
        if kind is int or kind is float:
            return not instance <= limit
        return not (_is_number(instance) and instance <= limit)
    return run


def _build_exclusive_maximum(_c: _Compiler, limit: Any, *_: Any) -> _Check:
    if not _is_limit(limit):
        raise _Interpret

    def run(instance: Any) -> bool:
        kind = type(instance)
        if kind is int or kind is float:
            return not instance >= limit
        return not (_is_number(instance) and instance >= limit)
    return run


def _build_multiple_of(_c: _Compiler, divisor: Any, *_: Any) -> _Check:
    if not _is_limit(divisor) or not divisor:
        raise _Interpret
    return lambda instance: _multiple_of(cast(_Checker, None), divisor, instance) is not None


def _build_pattern(_c: _Compiler, pattern: Any, *_: Any) -> _Check:
    if type(pattern) is not str:
        raise _Interpret
    try:
        search = re.compile(pattern).search
    except Exception:
        raise _Interpret from None
    return lambda instance: not isinstance(instance, str) or search(instance) is not None


def _build_unique_items(_c: _Compiler, unique: Any, *_: Any) -> _Check | None:
    if type(unique) is not bool:
        raise _Interpret
    if not unique:
        return None
    return lambda instance: not (isinstance(instance, list) and _has_duplicates(instance))


def _build_required(_c: _Compiler, required: Any, *_: Any) -> _Check | None:
    if not _names(required):
        raise _Interpret
    if not required:
        return None
    names = tuple(required)

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for name in names:
                if name not in instance:
                    return False
        return True
    return run


def _build_dependent_required(_c: _Compiler, dependent: Any, *_: Any) -> _Check:
    if type(dependent) is not dict or not all(
            type(name) is str and _names(each) for name, each in dependent.items()):
        raise _Interpret
    pairs = tuple((name, tuple(each)) for name, each in dependent.items())

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for name, dependency in pairs:
                if name in instance:
                    for each in dependency:
                        if each not in instance:
                            return False
        return True
    return run


def _subschemas(c: _Compiler, value: Any, base: str, scope: tuple[str, ...], depth: int
                ) -> tuple[_Check, ...]:
    if type(value) is not list:
        raise _Interpret
    return tuple(c.compile(sub, base, scope, depth) for sub in value)


def _build_properties(c: _Compiler, properties: Any, _schema: Any, base: str,
                      scope: tuple[str, ...], depth: int) -> _Check:
    if type(properties) is not dict or not all(type(name) is str for name in properties):
        raise _Interpret
    pairs = tuple((name, c.compile(sub, base, scope, depth))
                  for name, sub in properties.items())

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for name, check in pairs:
                if name in instance and not check(instance[name]):
                    return False
        return True
    return run


def _build_pattern_properties(c: _Compiler, patterns: Any, _schema: Any, base: str,
                              scope: tuple[str, ...], depth: int) -> _Check:
    if type(patterns) is not dict or not all(type(pattern) is str for pattern in patterns):
        raise _Interpret
    try:
        pairs = tuple((re.compile(pattern).search, c.compile(sub, base, scope, depth))
                      for pattern, sub in patterns.items())
    except re.error:
        raise _Interpret from None

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for search, check in pairs:
                for key, value in instance.items():
                    if search(key) and not check(value):
                        return False
        return True
    return run


def _build_additional_properties(c: _Compiler, additional: Any, schema: Any, base: str,
                                 scope: tuple[str, ...], depth: int) -> _Check:
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    if type(properties) is not dict or type(patterns) is not dict or not all(
            type(pattern) is str for pattern in patterns):
        raise _Interpret
    try:
        joined = "|".join(patterns)
        search = re.compile(joined).search if joined else None
    except re.error:
        raise _Interpret from None
    declared = frozenset(properties) if all(type(k) is str for k in properties) else None
    if declared is None:
        raise _Interpret
    check = c.compile(additional, base, scope, depth) if isinstance(additional, dict) else None
    forbidden = check is None and not additional

    def run(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        extras = [key for key in instance if key not in declared
                  and not (search is not None and search(key))]
        if check is not None:
            for key in extras:  # noqa: SIM110 - no generator on the hot path
                if not check(instance[key]):
                    return False
            return True
        return not (forbidden and extras)
    return run


def _build_property_names(c: _Compiler, names: Any, _schema: Any, base: str,
                          scope: tuple[str, ...], depth: int) -> _Check:
    check = c.compile(names, base, scope, depth)

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for key in instance:
                if not check(key):
                    return False
        return True
    return run


def _build_dependent_schemas(c: _Compiler, dependent: Any, _schema: Any, base: str,
                             scope: tuple[str, ...], depth: int) -> _Check:
    if type(dependent) is not dict:
        raise _Interpret
    pairs = tuple((name, c.compile(sub, base, scope, depth))
                  for name, sub in dependent.items())

    def run(instance: Any) -> bool:
        if isinstance(instance, dict):
            for check in [check for name, check in pairs if name in instance]:
                if not check(instance):
                    return False
        return True
    return run


def _build_items(c: _Compiler, items: Any, schema: Any, base: str, scope: tuple[str, ...],
                 depth: int) -> _Check:
    prefix_items = schema.get("prefixItems", [])
    if type(prefix_items) is not list:
        raise _Interpret
    prefix = len(prefix_items)
    check = c.compile(items, base, scope, depth)
    closed = items is False

    def run(instance: Any) -> bool:
        if not isinstance(instance, list) or len(instance) - prefix <= 0:
            return True
        if closed:
            return False
        for index in range(prefix, len(instance)):  # noqa: SIM110 - no generator
            if not check(instance[index]):
                return False
        return True
    return run


def _build_prefix_items(c: _Compiler, prefix: Any, _schema: Any, base: str,
                        scope: tuple[str, ...], depth: int) -> _Check:
    checks = _subschemas(c, prefix, base, scope, depth)

    def run(instance: Any) -> bool:
        if isinstance(instance, list):
            for item, check in zip(instance, checks, strict=False):
                if not check(item):
                    return False
        return True
    return run


def _build_contains(c: _Compiler, contains: Any, schema: Any, base: str,
                    scope: tuple[str, ...], depth: int) -> _Check:
    least = schema.get("minContains", 1)
    most = schema.get("maxContains")
    if not _is_limit(least) or ("maxContains" in schema and not _is_limit(most)):
        raise _Interpret
    check = c.compile(contains, base, scope, depth)

    def run(instance: Any) -> bool:
        if not isinstance(instance, list):
            return True
        limit = len(instance) if most is None else most
        matches = 0
        for each in instance:
            if check(each):
                matches += 1
                if matches > limit:
                    return False
        return not matches < least
    return run


def _build_all_of(c: _Compiler, subschemas: Any, _schema: Any, base: str,
                  scope: tuple[str, ...], depth: int) -> _Check:
    return _every(list(_subschemas(c, subschemas, base, scope, depth)))


def _build_any_of(c: _Compiler, subschemas: Any, _schema: Any, base: str,
                  scope: tuple[str, ...], depth: int) -> _Check:
    checks = _subschemas(c, subschemas, base, scope, depth)

    def run(instance: Any) -> bool:
        # jsonschema too stops at the first valid branch
        for check in checks:  # noqa: SIM110 - no generator on the hot path
            if check(instance):
                return True
        return False
    return run


def _build_one_of(c: _Compiler, subschemas: Any, _schema: Any, base: str,
                  scope: tuple[str, ...], depth: int) -> _Check:
    checks = _subschemas(c, subschemas, base, scope, depth)

    def run(instance: Any) -> bool:
        valid = 0
        for check in checks:  # every branch, as jsonschema looks at every one
            if check(instance):
                valid += 1
        return valid == 1
    return run


def _build_not(c: _Compiler, sub: Any, _schema: Any, base: str, scope: tuple[str, ...],
               depth: int) -> _Check:
    check = c.compile(sub, base, scope, depth)
    return lambda instance: not check(instance)


def _build_if(c: _Compiler, condition: Any, schema: Any, base: str, scope: tuple[str, ...],
              depth: int) -> _Check:
    test = c.compile(condition, base, scope, depth)
    then = c.compile(schema["then"], base, scope, depth) if "then" in schema else _valid
    otherwise = c.compile(schema["else"], base, scope, depth) if "else" in schema else _valid
    return lambda instance: then(instance) if test(instance) else otherwise(instance)


def _skip(*_: Any) -> None:
    return None


_BUILDERS: dict[str, Any] = {
    "$ref": _build_ref,
    "additionalProperties": _build_additional_properties,
    "allOf": _build_all_of,
    "anyOf": _build_any_of,
    "const": _build_const,
    "contains": _build_contains,
    "dependentRequired": _build_dependent_required,
    "dependentSchemas": _build_dependent_schemas,
    "enum": _build_enum,
    "exclusiveMaximum": _build_exclusive_maximum,
    "exclusiveMinimum": _build_exclusive_minimum,
    "format": _skip,
    "if": _build_if,
    "items": _build_items,
    "maxItems": _length_limit(list, least=False),
    "maxLength": _length_limit(str, least=False),
    "maxProperties": _length_limit(dict, least=False),
    "maximum": _build_maximum,
    "minItems": _length_limit(list, least=True),
    "minLength": _length_limit(str, least=True),
    "minProperties": _length_limit(dict, least=True),
    "minimum": _build_minimum,
    "multipleOf": _build_multiple_of,
    "not": _build_not,
    "oneOf": _build_one_of,
    "pattern": _build_pattern,
    "patternProperties": _build_pattern_properties,
    "prefixItems": _build_prefix_items,
    "properties": _build_properties,
    "propertyNames": _build_property_names,
    "required": _build_required,
    "type": _build_type,
    "uniqueItems": _build_unique_items,
    "unevaluatedProperties": _skip,  # checked last, by _Compiler._node
}


class InputsCheck:
    """The fast check of one workflow's inputs (:func:`inputs_are_valid`), made once per
    document and workflow (``arazzo.engine._plan`` keeps it): on first use the inputs schema
    is compiled (:class:`_Compiler`: every ``$ref`` resolved, every keyword value bound),
    then each call runs the compiled closures. Calling it is thread-safe (the compiled form
    is immutable; a node left to the interpreter makes its own :class:`_Checker`)."""

    __slots__ = ("_compiled", "_refs", "_resources", "_start")

    def __init__(self, raw_document: Any, index: int) -> None:
        self._resources: dict[str, Any] = {DOCUMENT_URI: raw_document}
        self._refs: dict[tuple[str, str], tuple[Any, str]] = {}
        #: the inputs schema, its base URI and scope; None: never sure (jsonschema decides)
        self._start: tuple[Any, str, tuple[str, ...]] | None = None
        self._compiled: _Check | None = None
        if not isinstance(raw_document, dict) or "$schema" in raw_document or \
                "$id" in raw_document:
            return
        try:
            self._start = _Checker(self._resources, trusted=False, refs=self._refs).resolve(
                f"{DOCUMENT_URI}#/workflows/{index}/inputs", "", ())
        except Exception:  # unsure, or a pointer to nowhere: jsonschema decides
            self._start = None

    def _compile(self) -> _Check:
        start = self._start
        if start is None:
            return _invalid
        schema, base, scope = start
        try:
            # depth 1: as below the ``{"$ref": ...}`` that jsonschema starts from
            return _Compiler(self._resources, self._refs).compile(schema, base, scope, 1)
        except Exception:  # a schema too deep to compile (RecursionError): interpret it
            return self.interpret

    def interpret(self, inputs: Any) -> bool:
        """The interpreter's verdict (:class:`_Checker`), as before compilation: what the
        compiled form is held to (``tests/documents/test_schemacheck_compiled.py``)."""
        start = self._start
        if start is None:
            return False
        schema, base, scope = start
        checker = _Checker(self._resources, trusted=False, refs=self._refs)
        checker.depth = 1
        try:
            return checker.check(schema, inputs, base, scope) is not None
        except Exception:  # unsure (including RecursionError): jsonschema decides
            return False

    def __call__(self, inputs: Any) -> bool:
        """True when the inputs schema certainly accepts ``inputs``; False: ask jsonschema."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = self._compile()
        try:
            return compiled(inputs)
        except Exception:  # unsure (including RecursionError): jsonschema decides
            return False


def inputs_are_valid(raw_document: Any, index: int, inputs: Any) -> bool:
    """True when the inputs schema of workflow ``index`` certainly accepts ``inputs``, as
    ``arazzo.engine._plan`` checks it: ``{"$ref": "urn:arazzo:document#/workflows/INDEX/inputs"}``
    with the document registered as a 2020-12 resource. False: ask jsonschema. (A run keeps
    an :class:`InputsCheck` per workflow instead of calling this.)"""
    return InputsCheck(raw_document, index)(inputs)
