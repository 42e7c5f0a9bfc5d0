"""One self-contained HTML page per manual question: the prompt and every student's answer.

Answers are student text: every character is escaped, and the page (``feedback.page``, the one
page skeleton of the kit) has a Content-Security-Policy that allows no script, no request and
no form, so even a mistake in escaping could run nothing.
"""

from __future__ import annotations

import html

from autograder.grade.feedback import page
from autograder.gradebook.tally import FinalGrade

STYLE = """
header { border-bottom: 2px solid #3b75af; margin-bottom: 1em; }
.prompt { background: #f3f6fa; padding: .8em 1em; border-radius: 4px; }
article { border: 1px solid #ccc; border-radius: 4px; margin: 1em 0; padding: .5em 1em; }
article h2 { font-size: 1em; margin: .3em 0; }
.meta { color: #666; font-size: .9em; }
.points { font-weight: bold; }
"""


def render(
    *, title: str, question: str, possible: float, prompt: str, grades: list[FinalGrade]
) -> str:
    def e(text: object) -> str:
        return html.escape(str(text), quote=True)

    articles = []
    for number, grade in enumerate(grades, start=1):
        answer = grade.result.answers.get(question)
        if answer is None:
            answer = f"(no answer: the submission was not read; status {grade.result.status})"
        score = grade.scores.get(question)
        given = (
            "not graded yet" if score is None or score.points is None
            else f"{score.points:g} / {possible:g}"
        )  # fmt: skip
        articles.append(
            f'<article id="s{number}"><h2>{number}. {e(grade.who.name or grade.who.key)}</h2>'
            f'<div class="meta">student <code>{e(grade.who.key)}</code>, submission '
            f"<code>{e(grade.result.submission)}</code> &middot; "
            f'<span class="points">{e(given)}</span></div>'
            f"<pre>{e(answer)}</pre></article>"
        )
    return page(
        f"{title}: {question}",
        f"<style>{STYLE}</style>"
        f"<header><h1>{e(title)}: {e(question)} ({possible:g} points)</h1>"
        f'<p class="prompt">{e(prompt)}</p>'
        f"<p>{len(grades)} answers. Enter points and a comment per student in "
        "<code>manual.csv</code>, then run <code>autograder tally</code>.</p></header>"
        + "".join(articles),
    )
