"""One self-contained HTML page per manual question: the prompt and every student's answer.

Answers are student text: the template (``autograder/html/templates/review.html.j2``) escapes
every character, and the kit's page skeleton has a Content-Security-Policy that allows no
script, no request and no form, so even a mistake in escaping could run nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.gradebook.tally import FinalGrade
from autograder.html import render as render_page


@dataclass(frozen=True)
class Answer:
    name: str
    key: str
    submission: str
    given: str  # "2 / 3" or "not graded yet"
    answer: str


def render(
    *, title: str, question: str, possible: float, prompt: str, grades: list[FinalGrade]
) -> str:
    answers = []
    for grade in grades:
        answer = grade.result.answers.get(question)
        if answer is None:
            answer = f"(no answer: the submission was not read; status {grade.result.status})"
        score = grade.scores.get(question)
        given = (
            "not graded yet" if score is None or score.points is None
            else f"{score.points:g} / {possible:g}"
        )  # fmt: skip
        answers.append(Answer(grade.who.name or grade.who.key, grade.who.key,
                              grade.result.submission, given, answer))  # fmt: skip
    return render_page(
        "review.html.j2", title=f"{title}: {question}", heading=title, question=question,
        possible=possible, prompt=prompt, answers=answers,
    )  # fmt: skip
