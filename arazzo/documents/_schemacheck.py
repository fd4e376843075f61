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
differential tests in ``tests/documents/test_schemacheck.py`` hold it to jsonschema.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import numbers
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final
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


class InputsCheck:
    """The fast check of one workflow's inputs (:func:`inputs_are_valid`), made once per
    document and workflow (``arazzo.engine._plan`` keeps it): the inputs schema's ``$ref``
    and every reference below it are resolved once, then each call only walks the schema.
    Calling it is thread-safe (each call has its own :class:`_Checker`)."""

    __slots__ = ("_refs", "_resources", "_start")

    def __init__(self, raw_document: Any, index: int) -> None:
        self._resources: dict[str, Any] = {DOCUMENT_URI: raw_document}
        self._refs: dict[tuple[str, str], tuple[Any, str]] = {}
        #: the inputs schema, its base URI and scope; None: never sure (jsonschema decides)
        self._start: tuple[Any, str, tuple[str, ...]] | None = None
        if not isinstance(raw_document, dict) or "$schema" in raw_document or \
                "$id" in raw_document:
            return
        try:
            self._start = self._checker().resolve(
                f"{DOCUMENT_URI}#/workflows/{index}/inputs", "", ())
        except Exception:  # unsure, or a pointer to nowhere: jsonschema decides
            self._start = None

    def _checker(self) -> _Checker:
        return _Checker(self._resources, trusted=False, refs=self._refs)

    def __call__(self, inputs: Any) -> bool:
        """True when the inputs schema certainly accepts ``inputs``; False: ask jsonschema."""
        start = self._start
        if start is None:
            return False
        schema, base, scope = start
        checker = self._checker()
        checker.depth = 1  # as below the ``{"$ref": ...}`` that jsonschema starts from
        try:
            return checker.check(schema, inputs, base, scope) is not None
        except Exception:  # unsure (including RecursionError): jsonschema decides
            return False


def inputs_are_valid(raw_document: Any, index: int, inputs: Any) -> bool:
    """True when the inputs schema of workflow ``index`` certainly accepts ``inputs``, as
    ``arazzo.engine._plan`` checks it: ``{"$ref": "urn:arazzo:document#/workflows/INDEX/inputs"}``
    with the document registered as a 2020-12 resource. False: ask jsonschema. (A run keeps
    an :class:`InputsCheck` per workflow instead of calling this.)"""
    return InputsCheck(raw_document, index)(inputs)
