"""What a failed hidden check tells the student: its hint and what it found, nothing else."""

from __future__ import annotations

from autograder.grade.verdict.score import HIDDEN_FAILED, hidden_message


def otter(found: str) -> str:
    line = "      assert x == [300, 100], m"
    return f"❌ Test case failed\nError at line 7 in test q_x:\n{line}\n{found}"


def test_an_assertion_message_follows_the_hint_and_the_tests_line_never_does():
    text = hidden_message("the hidden layers", False, otter("AssertionError: sizes are [300, 300]"))
    assert text == "the hidden layers\nsizes are [300, 300]"
    assert "[300, 100]" not in text and "line" not in text


def test_a_passed_check_or_a_bare_assert_shows_the_hint_alone():
    assert hidden_message("the loss", True, "") == "the loss"
    assert hidden_message("the loss", False, otter("AssertionError: ")) == "the loss"
    assert hidden_message("", False, otter("AssertionError: ")) == HIDDEN_FAILED


def test_other_errors_say_what_the_check_could_not_do_without_grader_names():
    text = hidden_message("x", False, otter("TypeError: RemoteObject' object is not iterable"))
    assert text == (
        "x\nthe check could not use your answer (TypeError: 'the value the grader received' "
        "object is not iterable)"
    )
    attribute = hidden_message("x", False, otter("AttributeError: int' object has no attribute 'f"))
    assert attribute.endswith("(AttributeError: 'int' object has no attribute 'f')")
    missing = hidden_message("x", False, otter("RemoteValueError: model: is not defined"))
    assert missing == "x\nmodel: is not defined"
