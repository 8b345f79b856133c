from __future__ import annotations

import pytest

from batchops.errors import InvalidInput
from batchops.transform.jsonpath import Names, Positions, Wildcard, parse


def _positions(expression: str, width: int) -> list[int]:
    (segment,) = parse(expression).segments
    assert isinstance(segment, Positions)
    return segment.resolve(width, expression)


@pytest.mark.parametrize(
    ("expression", "width", "expected"),
    [
        ("$[1:]", 5, [1, 2, 3, 4]),
        ("$[:2]", 5, [0, 1, 2]),  # SageMaker: "[:5]" is the first through the sixth column
        ("$[1:3]", 5, [1, 2, 3]),  # and "$[1:4]" the second through the fifth
        ("$[0,3:]", 5, [0, 3, 4]),
        ("$[-1]", 5, [4]),
        ("$[0,-1]", 5, [0, 4]),
        ("$[1,3,4]", 5, [1, 3, 4]),
        ("$[-2:]", 5, [3, 4]),
    ],
)
def test_index_filters(expression, width, expected):
    assert _positions(expression, width) == expected


def test_root_names_and_wildcards():
    assert parse("$").is_root and parse(None).is_root and parse("$[*]").is_root
    assert parse("$.features").segments == (Names(("features",), single=True),)
    assert parse("$['id','SageMakerOutput']").segments == (
        Names(("id", "SageMakerOutput"), single=False),
    )
    assert parse("$.field1.['child1','child2']").segments[1] == Names(
        ("child1", "child2"), single=False
    )
    assert parse("$.id.*").segments[1] == Wildcard()
    assert parse("$[1:]").index_only and not parse("$.a").index_only


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("features", "must start with \\$"),
        ("$[1", "a closing \\]"),
        ("$[a]", "an integer"),
        ("$[1:2:3]", "without a step"),
        ("$['a.b']", "no nesting"),
        ("$" + "[0]" * 30, "at most 63"),
    ],
)
def test_unsupported_expressions_are_refused(expression, message):
    with pytest.raises(InvalidInput, match=message):
        parse(expression)


def test_index_outside_the_record():
    with pytest.raises(InvalidInput, match="index 5 is outside the record, which has 5"):
        _positions("$[0,5]", 5)
    with pytest.raises(InvalidInput, match="index -6 is outside"):
        _positions("$[-6:]", 5)
