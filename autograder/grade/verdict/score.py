"""Score one sandbox answer by running the otter test files in a trusted process.

No student code has run, or ever runs, in this process: it reads the sandbox's checked JSON and
bounded arrays, rebuilds stand-ins (``standins``), and runs the tests against them. It writes
its ``Verdict`` (``record``) for the pipeline; a refused answer is a ``Verdict.refusal``.

    python -I -m autograder.grade.verdict.score TESTS_DIR RESPONSE_DIR RESULT_JSON
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from autograder.grade.protocol import ArrayStore, write_json
from autograder.grade.verdict.record import CaseVerdict, CellVerdict, QuestionVerdict, Verdict
from autograder.grade.verdict.response import Answer, BadResponse, load_response
from autograder.grade.verdict.standins import Missing, decode
from autograder.grade.verdict.testfiles import (
    case_hint,
    import_test_runner_only,
    load_test_files,
)

HIDDEN_FAILED = "hidden test failed"  # a hidden case without an authored hint


def plain_message(message: str) -> str:
    """A public check's message in the student's terms: the check's line (public tests are the
    student's to read) and the reason, without the grader's internal type names."""
    message = message.removeprefix("❌ Test case failed\n").removeprefix("✅ ")
    message = re.sub(r"^Error at line \d+ in test (\w+):", r"The check in \1 that failed:", message)
    message = re.sub(r"(?m)^RemoteValueError: ", "", message)
    message = re.sub(r"(?m)^AssertionError: ?$", "AssertionError (the check's condition is false)",
                     message)  # fmt: skip
    return re.sub(r"<missing (\w+): ([^>]*)>", r"\1 (\2)", message)


GRADER_NAMES = re.compile(
    r"\b(RemoteObject|RemoteModel|RemoteLayer|RemoteFunction|RemoteHistory|ArrayDigest|Missing"
    r"|InvalidModel|RemoteValueError)\b"
)
OTTER_FAILURE = re.compile(r"Error at line \d+ in test [^\n]*:\n[^\n]*\n(?P<found>.*)\Z", re.S)


def hidden_message(hint: str, passed: bool, message: str) -> str:
    """A hidden case's text for the student: its hint and, when it failed, what it found.

    Only the exception's own message is kept (never the line of the test); assertion messages
    are written in the prompt's terms, other errors name what the check could not do, without
    the grader's own class names."""
    hint = hint or HIDDEN_FAILED
    if passed:
        return hint
    match = OTTER_FAILURE.search(message)
    found = match["found"].strip() if match else ""
    kind, _, text = found.partition(":")
    text = text.strip()
    if text and text[0] != "'" and "'" in text.split(" ", 1)[0]:
        text = "'" + text  # otter strips the quotes around a message: 'x' object is not ...
        text += "'" if text.count("'") % 2 else ""
    if kind in ("AssertionError", "RemoteValueError"):
        found = text
    elif kind:
        found = f"the check could not use your answer ({kind}: {text})"
    found = GRADER_NAMES.sub("the value the grader received", found)[:1000]
    return f"{hint}\n{found}" if found else hint


def build_environment(response_dir: Path) -> tuple[dict, Answer]:
    answer = load_response(response_dir)
    store = ArrayStore(response_dir / "arrays")
    env = {}
    for name, node in answer.values.items():
        try:
            env[name] = decode(node, store, name, calls=answer.calls)
        except Exception as exc:  # one unusable value costs only the tests that read it
            env[name] = Missing(name, f"could not be read ({str(exc)[:200]})")
    return env, answer


def score(tests_dir: Path, response_dir: Path) -> Verdict:
    env, answer = build_environment(response_dir)
    questions = {}
    for test_file in load_test_files(tests_dir):
        test_file.run(env)
        cases = []
        for result in test_file.test_case_results:
            hidden = bool(result.test_case.hidden)
            # hidden tests: their authored hint (what was checked) and, when one failed, what
            # it found in the student's terms (the build refuses messages that quote a value
            # the question does not state); never the test's source
            message = (
                hidden_message(case_hint(result.test_case), result.passed, str(result.message))
                if hidden
                else plain_message(str(result.message))[:4000]
            )
            points = result.test_case.points
            cases.append(
                CaseVerdict(
                    name=str(result.test_case.name),
                    hidden=hidden,
                    passed=bool(result.passed),
                    points=None if points is None else float(points),
                    message=message,
                )
            )
        questions[test_file.name] = QuestionVerdict(
            score=float(test_file.score), possible=float(test_file.possible), cases=tuple(cases)
        )
    cells = tuple(
        CellVerdict(c["index"], c["status"], c.get("error", ""), float(c.get("seconds", 0)))
        for c in answer.cells
    )
    return Verdict(questions=questions, cells=cells, notes=answer.notes)


def main(tests_dir: str, response_dir: str, result_path: str) -> int:
    try:
        verdict = score(Path(tests_dir), Path(response_dir))
    except BadResponse as exc:
        verdict = Verdict.refusal(str(exc))
    write_json(Path(result_path), verdict.to_json())
    return 0


if __name__ == "__main__":
    import_test_runner_only()
    raise SystemExit(main(*sys.argv[1:4]))
