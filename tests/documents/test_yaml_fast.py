"""The YAML fast path (data straight from parser events) against the reference path (compose,
check the graph, construct): same data, same errors, and no node tree unless a position is asked."""

from __future__ import annotations

import math
from typing import Any

import pytest

import arazzo
from arazzo.documents import _yaml

SAME = [
    "a: 1\nb: [1, 1.5, -2, +3, 0o17, 0x1F, 1e3, .5, 1., .inf, -.Inf, .NaN]\n",
    "flags: [on, off, yes, no, y, n, true, False, TRUE, null, Null, ~, '']\n",
    "date: 2023-09-07\ntime: 12:30:00\nver: 1.0\nquoted: '1'\ndq: \"true\"\n",
    "empty:\nnested: {x: {y: [[], {}, [[1]]]}}\n",
    "200: ok\n1.5: x\ntrue: y\nnull: z\n~: w\n'q': v\n",
    "? complex\n: value\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: [*b, *b]\n",
    "s: &s text\nt: *s\n*s : as key\n",
    "n: &n 12\nm: *n\n*n : key\n",
    "big: 123456789012345678901234567890\nneg: -0\nzero: 00\n",
    "block: |\n  line 1\n  line 2\nfolded: >\n  a\n  b\n",
    "- just\n- a list\n",
    "just a string\n",
    "42\n",
    "{\"a\": 1, b: 2}\n",
    "---\na: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: !!str 1\nb: !!int '12'\nc: !!float 1\n",
    "a: !custom x\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!timestamp 2001-12-14\n",
    "t: !!map {a: 1}\nu: !!seq [1]\nv: !!set {a}\n",
    "a: &a {x: 1}\nb:\n  !!merge <<: *a\n  y: 2\n",
    "<<: {x: 1}\n",
    "a: 1\na: 2\n",
    "a: 1\n? [x]\n: 2\n",
    "? {x: 1}\n: 2\n",
    "a: *nope\n",
    "a: &x 1\nb: &x 2\n",
    "loop: &x\n  - *x\n",
    "m: &m\n  k: *m\n",
    "a: 1\n---\nb: 2\n",
    "",
    "# only a comment\n",
    "a: [unclosed\nb: x\n",
    "a: b: c\n",
    "a:\n  - 1\n - 2\n",
    "\t- tab\n",
    "a: 1\n  b: 2\n",
    "&a [*a]\n",
    "key: @reserved\n",
    "x: &s ok\n*s : 1\n*s : 2\n",
    "x: &c [1]\n*c : 1\n",
    "[" * 150 + "]" * 150 + "\n",
    "a:\n" + "".join("  " * i + "- \n" for i in range(1, 120)),
    "[" * 80 + "1" + "]" * 80 + "\n",
]


def _outcome(func: Any) -> tuple[str, Any]:
    try:
        return "data", func().data
    except arazzo.LoadError as exc:
        return "error", (str(exc), exc.location)
    except Exception as exc:
        return "raised", (type(exc), str(exc))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("text", SAME)
def test_fast_path_gives_what_the_reference_path_gives(text: str) -> None:
    fast = _outcome(lambda: _yaml.parse_text(text, "doc.yaml"))
    reference = _outcome(lambda: _yaml._parse_reference(text, "doc.yaml",
                                                        _yaml.DEFAULT_MAX_NODES))
    assert fast[0] == reference[0]
    assert _same(fast[1], reference[1]), (fast, reference)


def test_alias_bomb_goes_to_the_reference_path_and_is_refused_at_the_same_place() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join(lines) + "\n"
    assert _yaml._fast_data(text, _yaml.DEFAULT_MAX_NODES) is _yaml._FALLBACK
    assert _outcome(lambda: _yaml.parse_text(text, max_nodes=1000)) == _outcome(
        lambda: _yaml._parse_reference(text, None, 1000))


def test_node_limit_counts_expanded_nodes_like_the_reference_path() -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"  # 1 + (1+4) + (1 + (1 + 4 + 4)) = 16 nodes
    assert _yaml._fast_data(text, 16) == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    assert _yaml._fast_data(text, 15) is _yaml._FALLBACK
    with pytest.raises(arazzo.LoadError, match="more than 15 nodes"):
        _yaml.parse_text(text, max_nodes=15)
    # without any anchor nothing can expand: neither path counts
    assert _yaml._fast_data("a: [1, 2, 3]\n", None) == {"a": [1, 2, 3]}


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, 'y', \"z\", {c: ~}]\n",
    "base: &b {x: 1}\nuse: *b\n",
    "- 1\n- two\n",
])
def test_ordinary_documents_take_the_fast_path(text: str) -> None:
    assert _yaml._fast_data(text, _yaml.DEFAULT_MAX_NODES) is not _yaml._FALLBACK


def test_aliases_share_one_object_as_before() -> None:
    data = _yaml.parse_text("a: &a {x: 1}\nb: *a\n").data
    assert data["a"] is data["b"]


def test_loading_composes_no_node_tree_until_a_position_is_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    compose = _yaml._compose

    def counting(text: str) -> Any:
        calls.append(text)
        return compose(text)

    monkeypatch.setattr(_yaml, "_compose", counting)
    parsed = _yaml.parse_text("openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\n", "api.yaml")
    assert parsed.data["info"]["version"] == "1"
    assert calls == []
    location = parsed.source_map.locate("/info/version")
    assert (location.line, location.column) == (4, 12)
    assert parsed.source_map.scalar_style("/info/version") == "'"
    assert parsed.source_map.locate("/info/title", key=True).line == 3
    assert len(calls) == 1  # composed once, then kept
