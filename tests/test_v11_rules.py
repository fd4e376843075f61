"""Every rule of the Arazzo 1.1 inventory (docs/spec-1.1.md) is cited by a test or listed in
``NOT_TESTED`` with the reason.

A rule is cited when its id appears anywhere under tests/ (a test name, a docstring, a
parameter id), spelled ``V11-STP-14``, ``V11_STP_14`` or ``v11_stp_14``; the compact form
``V11_ACT02`` and chains after one prefix (``V11_ACT04_ACT05`` cites V11-ACT-04 and
V11-ACT-05) count too. Ranges (``V11-STP-08..15``) cite only the ids written out.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "docs" / "spec-1.1.md"
TESTS = ROOT / "tests"

_ROW = re.compile(r"^\| (V11-[A-Z]{3}-\d{2}) \|", re.M)
_CITE = re.compile(r"V11[-_]([A-Z]{3})[-_]?(\d{2})((?:[-_][A-Z]{3}[-_]?\d{2})*)(?![0-9])",
                   re.I)
_CHAINED = re.compile(r"([A-Z]{3})[-_]?(\d{2})", re.I)
_ASYNC = "AsyncAPI execution is not available: a run stops before any message (V11-ASY-01)"

#: rules no test can check today, with the reason; a rule leaves this table with its test
NOT_TESTED: dict[str, str] = {
    # -- executing AsyncAPI steps (docs/arazzo-1.1.md, "Not available yet")
    "V11-ASY-02": _ASYNC,
    "V11-ASY-03": _ASYNC,
    "V11-ASY-06": _ASYNC,
    "V11-ASY-07": _ASYNC,
    "V11-ASY-08": _ASYNC,
    "V11-AMB-11": _ASYNC + "; the static half of the reading (a correlationId on a receive "
                  "step whose messages define no correlation location is an error) is "
                  "not implemented either",
    "V11-AMB-13": _ASYNC + ": when a receive step subscribes is a matter of execution",
    # -- guidance for authors: nothing an engine can observe or check
    "V11-ASY-04": "informative: authoring guidance (define successCriteria on receive "
                  "steps); receive steps do not run yet (V11-ASY-01) and the validator "
                  "does not warn",
    "V11-ASY-05": "informative: authoring guidance on when successCriteria MAY be omitted",
    "V11-STP-10": "informative: authoring guidance (declare dependsOn on async work); the "
                  "engine honours whatever dependsOn is declared (V11-STP-12)",
    "V11-STP-11": "informative: authoring guidance (order synchronous steps without "
                  "dependsOn), no engine behaviour",
    "V11-VER-11": "informative: relative links in CommonMark fields resolve where the text "
                  "is rendered; the engine renders no CommonMark",
    "V11-VER-15": "informative: fragmentary parsing is discouraged; the loader parses whole "
                  "documents only and has no fragmentary mode to test against "
                  "(V11-VER-13 is tested)",
    "V11-VER-18": "informative: referencing by retrieval URI MAY be supported; the loader "
                  "reads sources by location (tested under V11-VER-07 and V11-AMB-44)",
    "V11-CRI-02": "authoring rule on YAML quoting: an unquoted condition is a YAML mapping, "
                  "which the schema rejects as a non-string condition like any other "
                  "non-string (CRI-01); nothing 1.1-specific to test",
    # -- readings the engine does not act on
    "V11-AMB-03": "a reading the engine does not act on: it neither sends nor recognises "
                  "Arazzo media types (documents are read from files and URLs by content)",
}


def inventory_ids() -> list[str]:
    return _ROW.findall(INVENTORY.read_text(encoding="utf-8"))


def cited_ids() -> set[str]:
    found: set[str] = set()
    for path in TESTS.rglob("*"):
        if path.suffix not in {".py", ".yaml", ".yml", ".json"} or not path.is_file():
            continue
        if path.resolve() == Path(__file__).resolve():
            continue  # this table is not a citation
        for match in _CITE.finditer(path.read_text(encoding="utf-8", errors="replace")):
            found.add(f"V11-{match[1].upper()}-{match[2]}")
            for area, number in _CHAINED.findall(match[3]):
                found.add(f"V11-{area.upper()}-{number}")
    return found


def test_the_inventory_has_its_rules() -> None:
    ids = inventory_ids()
    assert len(ids) == len(set(ids)), "an id is listed twice in docs/spec-1.1.md"
    assert {"V11-VER-01", "V11-AMB-44", "V11-CMP-01"} <= set(ids)


def test_every_v11_rule_is_tested_or_listed_as_not_tested() -> None:
    missing = sorted(set(inventory_ids()) - cited_ids() - set(NOT_TESTED))
    assert missing == [], ("rules of docs/spec-1.1.md that no test under tests/ cites and "
                           "NOT_TESTED does not list: " + ", ".join(missing))


def test_not_tested_is_honest() -> None:
    ids = set(inventory_ids())
    unknown = sorted(set(NOT_TESTED) - ids)
    assert unknown == [], "NOT_TESTED lists ids that docs/spec-1.1.md does not have: " + \
        ", ".join(unknown)
    tested = sorted(set(NOT_TESTED) & cited_ids())
    assert tested == [], "NOT_TESTED lists ids that tests cite (remove them from the " \
        "table): " + ", ".join(tested)
    assert all(reason.strip() for reason in NOT_TESTED.values())


def test_citations_are_recognised() -> None:
    """The spellings the module docstring promises, and no more."""
    text = ("test_V11_STP_14_x v11_rte_09 'V11-AMB-06' test_V11_ACT04_ACT05_ACT03_y "
            "test_V11_PAR01_querystring V11-STP-08..15 V11_RFC9535")
    found = {f"V11-{m[1].upper()}-{m[2]}" for m in _CITE.finditer(text)}
    found |= {f"V11-{a.upper()}-{n}" for m in _CITE.finditer(text)
              for a, n in _CHAINED.findall(m[3])}
    assert found == {"V11-STP-14", "V11-RTE-09", "V11-AMB-06", "V11-ACT-04", "V11-ACT-05",
                     "V11-ACT-03", "V11-PAR-01", "V11-STP-08"}
