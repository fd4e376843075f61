"""Derive arazzo/documents/schemas/arazzo-1.{0,1}.json from the official Arazzo JSON Schemas.

Source: https://spec.openapis.org/arazzo/1.0/schema/2025-10-15 (a verbatim copy lives in the
shared reference folder as schemas/arazzo-1.0-schema-2025-10-15.json). The spec text wins over
the schema where they disagree (inventory section Q), so these fixes are applied:

1. Criterion ``type`` may be a Criterion Expression Type Object (the official ``anyOf`` sits on
   the criterion instead of on its ``type``, rejecting the spec's own form).
2. Payload Replacement ``value`` may be any JSON value (official: string only).
3. Reusable Object: extra properties MUST be ignored (REU-03), not rejected; we warn instead.
4. Source Description ``name`` pattern is a SHOULD (SRC-01): checked as a warning, not here.
5. ``type`` without ``context`` (dependentRequired) is checked semantically (CRI-04): an error
   for regex/jsonpath/xpath, a warning for an explicit ``simple``.
6. Criterion Expression Type ``version``: ``rfc9535`` and ``xpath-31`` (the defaults, nameable
   from 1.1 on) are accepted here and warned about semantically (inventory S-20).
7. Criterion ``type`` (and a Criterion Expression Type's ``type``) may name any type: which
   types exist is decided by the criterion types a document is validated and run with
   (``arazzo.CriterionTypes``), checked semantically (``criterion-type``, CRI-03). The
   versions of ``jsonpath`` and ``xpath`` stay enumerated; a type object cannot name
   ``simple`` or ``regex`` (they have no versions).

The Arazzo 1.1 schema (https://spec.openapis.org/arazzo/1.1/schema/2026-04-15, a verbatim copy
in the shared reference folder as schemas/arazzo-1.1-schema-2026-04-15.json) gets fixes 3, 4, 5
and 7 as above, and (rule ids of docs/spec-1.1.md):

8. Parameter ``value`` and Payload Replacement ``value`` may be any JSON value (V11-AMB-23; the
   official schema rejects object parameter values and the spec's own ``value: 10``). An object
   value with both ``context`` and ``selector`` is read as a Selector Object and must be a valid
   one (V11-AMB-22), so a broken selector is still an error.
9. ``in: channel`` is not in the text (V11-AMB-15): removed.
10. Criterion ``type`` keeps the Expression Type Object for jsonpath and xpath; a custom type
    may be given as an object with any other type name and a version (fix 7); ``jsonpointer``
    as a criterion type is reported semantically (V11-AMB-27).

Usage: python scripts/make_schema.py OFFICIAL.json > arazzo/documents/schemas/arazzo-1.0.json
       python scripts/make_schema.py OFFICIAL-1.1.json > arazzo/documents/schemas/arazzo-1.1.json
"""

from __future__ import annotations

import json
import sys
from typing import Any


def corrected(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema["$defs"]
    criterion = defs["criterion-object"]
    criterion.pop("anyOf")
    criterion.pop("dependentRequired")
    criterion["properties"]["type"] = {
        "description": "The type of condition to be applied",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"$ref": "#/$defs/criterion-expression-type-object"},
        ],
    }
    expression_type = defs["criterion-expression-type-object"]
    expression_type["properties"]["type"] = {
        "description": "The type of condition to be applied",
        "type": "string",
        "minLength": 1,
        "not": {"enum": ["simple", "regex"]},
    }
    rules = expression_type["allOf"]
    rules[0]["then"]["properties"]["version"] = {
        "enum": ["draft-goessner-dispatch-jsonpath-00", "rfc9535"]
    }
    rules[1]["then"]["properties"]["version"] = {
        "enum": ["xpath-10", "xpath-20", "xpath-30", "xpath-31"]
    }
    expression_type["unevaluatedProperties"] = False
    replacement = defs["payload-replacement-object"]
    replacement["properties"]["value"].pop("type")
    defs["reusable-object"].pop("unevaluatedProperties")
    defs["source-description-object"]["properties"]["name"].pop("pattern")
    schema["$comment"] = (
        "Corrected copy of https://spec.openapis.org/arazzo/1.0/schema/2025-10-15 made by "
        "scripts/make_schema.py; see that script for the list of fixes."
    )
    return schema


def _value_or_selector() -> dict[str, Any]:
    """Any JSON value; an object with ``context`` and ``selector`` must be a Selector."""
    return {
        "if": {"type": "object", "required": ["context", "selector"]},
        "then": {"$ref": "#/$defs/selector-object"},
    }


def corrected_1_1(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema["$defs"]
    criterion = defs["criterion-object"]
    criterion.pop("dependentRequired")
    criterion["properties"]["type"] = {
        "description": "The type of condition to be applied, or an Expression Type Object",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"$ref": "#/$defs/expression-type-object"},
            {
                "description": "a custom criterion type with a version (not a built-in type)",
                "type": "object",
                "properties": {
                    "type": {"type": "string", "minLength": 1,
                             "not": {"enum": ["simple", "regex", "jsonpath", "xpath",
                                              "jsonpointer"]}},
                    "version": {"type": "string"},
                },
                "required": ["type", "version"],
                "$ref": "#/$defs/specification-extensions",
                "unevaluatedProperties": False,
            },
        ],
    }
    defs["expression-type-object"]["unevaluatedProperties"] = False
    parameter = defs["parameter-object"]
    parameter["properties"]["value"] = {
        "description": "The value to pass in the parameter: any value, a runtime expression "
                       "or a Selector Object", **_value_or_selector()}
    parameter["properties"]["in"]["enum"].remove("channel")
    replacement = defs["payload-replacement-object"]
    replacement["properties"]["value"] = {
        "description": "The value to set at the target: any value, a runtime expression or a "
                       "Selector Object", **_value_or_selector()}
    defs["reusable-object"].pop("unevaluatedProperties")
    defs["source-description-object"]["properties"]["name"].pop("pattern")
    schema["$comment"] = (
        "Corrected copy of https://spec.openapis.org/arazzo/1.1/schema/2026-04-15 made by "
        "scripts/make_schema.py; see that script for the list of fixes."
    )
    return schema


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        official = json.load(fh)
    is_1_1 = str(official.get("$id", "")).startswith("https://spec.openapis.org/arazzo/1.1/")
    json.dump(corrected_1_1(official) if is_1_1 else corrected(official), sys.stdout, indent=2)
    sys.stdout.write("\n")
