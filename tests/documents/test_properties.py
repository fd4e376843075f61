"""Totality: random bytes and mutated documents give a Document or an ArazzoError, nothing else.

Runs on a few in-repo documents always, and on corpus files when the shared corpus is present.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arazzo

from ._util import DATA

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

_SEEDS: list[bytes] = [p.read_bytes() for p in sorted(DATA.glob("*.arazzo.*"))]
if CORPUS.is_dir():
    _SEEDS += [p.read_bytes() for p in sorted(CORPUS.rglob("*.arazzo.yaml"))[:25]]
    _SEEDS += [p.read_bytes() for p in sorted(CORPUS.rglob("*.arazzo.json"))[:10]]

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _total(text: bytes) -> None:
    """load() and validate() never raise anything but ArazzoError (validate never raises)."""
    try:
        doc = arazzo.load(text, allow_dirs=[DATA])
    except arazzo.ArazzoError:
        pass
    else:
        assert isinstance(doc, arazzo.Document)
        assert isinstance(arazzo.validate(doc), list)
    assert isinstance(arazzo.validate(text, allow_dirs=[DATA]), list)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _total(data)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    seed = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        if not seed:
            break
        at = draw(st.integers(0, len(seed) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
        if op == "flip":
            seed[at] = draw(st.sampled_from(b"{}[]:$#'\"\n -.&*!|>0aZ~/%"))
        elif op == "delete":
            del seed[at:at + draw(st.integers(1, 40))]
        elif op == "insert":
            seed[at:at] = draw(st.sampled_from(
                [b"$steps.", b"{$", b"}", b"\n  - ", b": ", b"&a ", b"*a", b"'", b"\t", b"\x00"]))
        else:
            end = min(len(seed), at + draw(st.integers(1, 200)))
            seed[at:at] = seed[at:end]
    return bytes(seed)


@SETTINGS
@given(_mutated())
def test_mutated_documents(data: bytes) -> None:
    _total(data)
