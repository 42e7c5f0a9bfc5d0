"""``autograder build`` (package ``assign``): regenerate assignments from solutions/, reference/
and grading.toml.

For each assignment: render the master notebook with the term's parameters and the expected
values computed by ``reference/``, run ``otter assign``, normalise everything to be reproducible,
publish the student notebook to ``assignments/NAME/``, write the student handout
(``build/TERM/NAME/NAME-student.zip``: notebook, public tests, student wheel), plan what the
grader will ask of a notebook, and self-check (solution full marks, skeleton zero).
"""

from __future__ import annotations

import dataclasses
import json
import shutil

from autograder import paths
from autograder.assign import uptodate
from autograder.assign.gradescope_zip import write_gradescope_zip
from autograder.assign.otter_assign import otter_assign, publish_student
from autograder.assign.render import render_master
from autograder.assign.selfcheck import self_check
from autograder.catalog import kit_for
from autograder.config import Assignment, GradingConfig, check_term, load_config
from autograder.errors import BuildError
from autograder.files import sha256_text
from autograder.grade.answers import write_manual_questions
from autograder.grade.feedback import QuestionInfo, title_of, write_question_info
from autograder.grade.plan import write_plan
from autograder.grade.verdict import compute
from autograder.grade.verdict.testfiles import missing_or_leaking_hints
from autograder.handout.write import write_handout
from autograder.master import questions


def main(
    *,
    config: str | None = None,
    assignment: list[str] | None = None,
    term: str | None = None,
    no_check: bool = False,
    force: bool = False,
) -> int:
    """Build (and self-check) each assignment; one whose build is up to date (``uptodate``)
    is skipped, saying so, unless ``force``."""
    cfg = load_config(config)
    term = check_term(term, "--term") if term else cfg.course.term
    names = assignment or buildable(cfg)
    digests = {name: uptodate.inputs_digest(cfg, name, term) for name in names}
    todo = []
    for name in names:
        build_dir = paths.BUILD_DIR / term / name
        built = None if force else uptodate.state(build_dir, digests[name])
        if built is not None:
            checked = built == "checked"
            print(f"{name} for term {term} is up to date (build/{term}/{name}): not rebuilt"
                  f"{'' if checked or no_check else ', self-checked again'}; --force rebuilds "
                  "it")  # fmt: skip
            if not checked:
                todo.append(name)
            continue
        build_assignment(cfg, name, term)
        uptodate.record(build_dir, digests[name], checked=False)
        print(f"built {name} for term {term}: assignments/{name}/{name}.ipynb")
        todo.append(name)
    if no_check:
        return 0
    for name in todo:
        build_dir = paths.BUILD_DIR / term / name
        summary = self_check(cfg, name, term, build_dir, progress=True)
        uptodate.record(build_dir, digests[name], checked=True)
        print("self-check", summary)
    return 0


def buildable(cfg: GradingConfig) -> list[str]:
    """Configured assignments that have a master notebook."""
    return [n for n in cfg.assignments if (paths.SOLUTIONS_DIR / f"{n}.ipynb").exists()]


def variant_of(spec: Assignment) -> str:
    """A short fingerprint of the term's parameters, stamped into every generated notebook:
    a notebook made for other parameters (another term, a changed variant) is refused."""
    return sha256_text(json.dumps(spec.params, sort_keys=True, default=str))[:12]


def build_assignment(cfg: GradingConfig, name: str, term: str, *, publish: bool = True) -> None:
    """Generate build/TERM/NAME; publish the skeleton to assignments/ for the configured term."""
    from autograder.data.environment import apply_notebook_environment

    apply_notebook_environment(cfg)  # the reference reads the data as notebooks do
    course = dataclasses.replace(cfg.course, term=term)
    spec = cfg.assignment(name).for_term(course)
    context = {
        "course": dataclasses.asdict(course),
        "params": spec.params,
        "points": spec.points,
        "thresholds": spec.thresholds,
        "budget": dataclasses.asdict(spec.budget),
        "expected": kit_for(name).expected(spec, course),
    }
    build_dir = paths.BUILD_DIR / term / name
    if build_dir.exists():
        shutil.rmtree(build_dir)
    master = render_master(
        paths.SOLUTIONS_DIR / f"{name}.ipynb", context, build_dir / "master" / f"{name}.ipynb"
    )
    otter_assign(master, build_dir / "otter", assignment=name, term=term, variant=variant_of(spec))
    for part in ("autograder", "student"):
        shutil.move(build_dir / "otter" / part, build_dir / part)
    shutil.rmtree(build_dir / "otter")
    told = " ".join(  # what the student is told besides the prompt: grading.toml's values
        str(v) for v in (*spec.params.values(), *spec.thresholds.values(),
                         *context["budget"].values())
    )  # fmt: skip
    stated = {q.name: f"{q.prompt} {told}" for q in questions(master)}
    problems = missing_or_leaking_hints(build_dir / "autograder" / "tests", stated)
    if problems:
        raise BuildError(f"{name}: hidden checks need a hint for the student (a docstring in "
                         f"solutions/{name}.ipynb): {'; '.join(problems[:5])}")  # fmt: skip
    plan_dir = build_dir / "autograder" / "plan"
    write_plan(build_dir / "autograder" / "tests", plan_dir)
    if kit_for(name).reference_model is not None:  # the verdict bounds budgeted copies by it
        compute.write_reference(plan_dir, kit_for(name).reference_model(spec))
    write_manual_questions(master, plan_dir)
    write_question_info(
        [QuestionInfo(q.name, title_of(q.prompt, q.name), float(spec.points.get(q.name, 0)),
                      q.manual) for q in questions(master)],
        plan_dir,
    )  # fmt: skip
    write_gradescope_zip(cfg, name, term, build_dir)
    write_handout(build_dir, name, title=spec.title or name, expected=context["expected"])
    if publish and term == cfg.course.term:
        publish_student(build_dir, paths.ASSIGNMENTS_DIR / name, assignment=name)
