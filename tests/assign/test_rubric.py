"""The rubric: a question's points split over its hidden checks by the master's weights."""

from __future__ import annotations

from fractions import Fraction

import nbformat
import pytest

from autograder.assign.rubric import RubricError, apply_rubric, split_in_cents
from autograder.grade.verdict.testfiles import missing_or_leaking_hints


def test_points_split_in_whole_cents_that_add_up_exactly():
    for total, weights in [(2, [1, 1, 1]), (1, [1, 1, 1]), (2, [2, 1, 1, 1]), (3, [1] * 7)]:
        shares = split_in_cents(total, [Fraction(w) for w in weights])
        assert round(sum(shares) * 100) == total * 100
        assert all(round(s * 100) == s * 100 for s in shares)
    assert split_in_cents(2, [Fraction(1)] * 3) == [0.67, 0.67, 0.66]
    assert split_in_cents(2, [Fraction(2), Fraction(1), Fraction(1), Fraction(1)]) == [
        0.8, 0.4, 0.4, 0.4
    ]  # fmt: skip


def _question(points: float, *configs: str) -> list:
    cells = [nbformat.v4.new_raw_cell(f"# BEGIN QUESTION\nname: q_x\npoints: {points}")]
    for i, config in enumerate(configs):
        source = (
            f'""" # BEGIN TEST CONFIG\n{config}""" # END TEST CONFIG\ndef test_{i}(x):\n    pass'
        )
        cells.append(nbformat.v4.new_code_cell(source))
    cells.append(nbformat.v4.new_raw_cell("# END QUESTION"))
    return cells


def test_weights_become_otter_points_and_public_checks_keep_zero():
    cells = _question(3, "points: 0\n", "hidden: true\nweight: 2\n", "hidden: true\n")
    rubric = apply_rubric(cells, "m.ipynb")
    assert [(line.test, line.points) for line in rubric] == [("test_1", 2.0), ("test_2", 1.0)]
    assert "points: 2\n" in cells[2].source and "weight" not in cells[2].source
    assert "points: 1\n" in cells[3].source
    assert cells[1].source.startswith('""" # BEGIN TEST CONFIG\npoints: 0\n')


@pytest.mark.parametrize(
    "configs",
    [("hidden: true\npoints: 1\n",), ("points: 0\nweight: 2\n",), ("hidden: true\nweight: -1\n",)],
)
def test_a_rubric_that_cannot_be_applied_stops_the_build(configs):
    with pytest.raises(RubricError):
        apply_rubric(_question(2, *configs), "m.ipynb")


HIDDEN = '''from otter.test_files import test_case

@test_case(points=1, hidden=True)
def test_sizes(model):
    """{hint}"""
    expected = [300, 100]
    got = list(model)
    assert got == expected, {message}
'''


@pytest.mark.parametrize(
    ("hint", "message", "leaks"),
    [
        ("the hidden layer sizes", 'f"the sizes are {got}"', False),  # the student's own value
        ("the hidden layer sizes", 'f"the sizes are {got}, not {expected}"', True),  # expected
        ("the hidden layer sizes", '"the question asks for 300 then 100"', False),  # stated
        ("the hidden layer sizes", '"use 1234 units"', False),  # not a value of the test
        ("the hidden layer sizes, 300 then 100", '"x"', False),  # stated in the prompt
    ],
)
def test_messages_may_show_the_students_values_and_what_the_prompt_states(
    tmp_path, hint, message, leaks
):
    (tmp_path / "q_x.py").write_text(HIDDEN.format(hint=hint, message=message))
    problems = missing_or_leaking_hints(tmp_path, {"q_x": "Hidden layers: 300 then 100."})
    assert bool(problems) is leaks, problems


def test_a_value_the_prompt_does_not_state_may_not_be_quoted(tmp_path):
    (tmp_path / "q_x.py").write_text(
        HIDDEN.format(hint="the sizes", message='"the question asks for 300 then 100"')
    )
    assert missing_or_leaking_hints(tmp_path, {"q_x": "Build the MLP."})
