"""The one typed reader of ``grading.toml``.

Every other module asks this one for settings, so a typo in the file is caught once, here,
with the key and its line number, before anything is generated or graded.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import ConfigError
from autograder.files import sha256_text
from autograder.paths import REPO_ROOT

DEFAULT_CONFIG = REPO_ROOT / "grading.toml"

__all__ = ["ConfigError", "GradingConfig", "load_config"]


TERM_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
REQUIRED = {"": ("course", "assignments"), "course": ("term", "seed")}  # plus each points table


def check_term(term: str, where: str = "course.term") -> str:
    """A term names a folder (``build/TERM``): letters, digits, ``.``, ``_``, ``-`` only."""
    if not isinstance(term, str) or not TERM_PATTERN.fullmatch(term) or ".." in term:
        raise ConfigError(
            f"{where} must be a simple name (letters, digits, '.', '_', '-'; at most 64, "
            f"no '..'), got {term!r}"
        )
    return term


@dataclass(frozen=True)
class Course:
    name: str = "Keras course"
    term: str = "default"
    seed: int = 0


@dataclass(frozen=True)
class DataSources:
    """Extra local places to look first; empty means 'not configured'."""

    fashion_mnist_dir: str = ""
    nltk_data_dir: str = ""
    imdb_dir: str = ""
    hub_dir: str = ""
    text_embedding_handle: str = ""


@dataclass(frozen=True)
class Limits:
    """Sandbox limits for one submission."""

    timeout_s: float = 300.0
    cell_timeout_s: float = 120.0
    memory_mb: int = 3072  # everything the sandbox holds: heap, tmpfs, shm, memfd
    disk_mb: int = 1024  # its working folder, /tmp and /dev/shm together
    files: int = 20_000  # files and folders it may create
    processes: int = 256  # processes and threads at once

    def validate(self, where: str) -> None:
        _positive(self.timeout_s, f"{where}.timeout_s")
        _positive(self.cell_timeout_s, f"{where}.cell_timeout_s")
        _positive(self.memory_mb, f"{where}.memory_mb")
        _positive(self.disk_mb, f"{where}.disk_mb")
        _positive(self.files, f"{where}.files")
        _positive(self.processes, f"{where}.processes")


@dataclass(frozen=True)
class Budget:
    """The training budget the grader applies inside the sandbox, unknown to the student."""

    seed: int = 0
    max_epochs: int = 1
    max_train_samples: int = 0  # 0: no cap
    max_train_batches: int = 0  # caps train_on_batch calls per run; 0: no cap

    def validate(self, where: str) -> None:
        _positive(self.max_epochs, f"{where}.max_epochs")
        _not_negative(self.max_train_samples, f"{where}.max_train_samples")
        _not_negative(self.max_train_batches, f"{where}.max_train_batches")


LATE_PENALTIES = ("none", "per_day", "per_hour", "zero")


@dataclass(frozen=True)
class LatePolicy:
    """The deadline and what lateness costs. ``rate`` is the fraction of the points possible
    taken per started day or hour past the deadline and its grace period, up to
    ``max_fraction``; ``zero`` gives a late submission no points."""

    deadline: typing.Any = ""  # a TOML date-time (or ISO text); "" = no deadline
    timezone: str = "UTC"  # for a deadline or LMS time without an offset
    grace_minutes: float = 0.0
    penalty: str = "none"  # none | per_day | per_hour | zero
    rate: float = 0.0
    max_fraction: float = 1.0

    def validate(self, where: str) -> None:
        from autograder.times import parse_time, zone

        zone(self.timezone)
        if self.deadline != "":
            if not isinstance(self.deadline, (str, datetime.datetime)):
                raise ConfigError(f"{where}.deadline must be a date and time, e.g. "
                                  f"2026-10-15T23:59:00+08:00")  # fmt: skip
            try:
                parse_time(self.deadline, self.timezone)
            except ValueError as exc:
                raise ConfigError(f"{where}.deadline: {exc}") from None
        if self.penalty not in LATE_PENALTIES:
            raise ConfigError(
                f"{where}.penalty must be one of {', '.join(LATE_PENALTIES)}, got {self.penalty!r}"
            )
        if self.penalty != "none" and self.deadline == "":
            raise ConfigError(f"{where}.penalty {self.penalty!r} needs a deadline")
        _not_negative(self.grace_minutes, f"{where}.grace_minutes")
        if not 0 <= self.rate <= 1:
            raise ConfigError(f"{where}.rate must lie in [0, 1], got {self.rate}")
        if not 0 <= self.max_fraction <= 1:
            raise ConfigError(f"{where}.max_fraction must lie in [0, 1], got {self.max_fraction}")
        if self.penalty in ("per_day", "per_hour") and self.rate == 0:
            raise ConfigError(f"{where}.rate must be above 0 for penalty {self.penalty!r}")

    def deadline_at(self) -> datetime.datetime | None:
        from autograder.times import parse_time

        return parse_time(self.deadline, self.timezone) if self.deadline != "" else None


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str = ""
    points: dict[str, float] = field(default_factory=dict)
    manual: list[str] = field(default_factory=list)
    params: dict[str, typing.Any] = field(default_factory=dict)
    variants: dict[str, list] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)
    limits: Limits = field(default_factory=Limits)
    late: LatePolicy = field(default_factory=LatePolicy)

    def validate(self, where: str) -> None:
        for i, question in enumerate(self.manual):
            if question not in self.points:
                raise ConfigError(
                    f"{where}.manual[{i}] names {question!r}, which has no points"
                    f"{_did_you_mean(question, self.points)}"
                )
        for key in self.variants:
            if key not in self.params:
                raise ConfigError(
                    f"{where}.variants.{key} overrides no parameter of [{where}.params] "
                    f"(those are: {', '.join(sorted(self.params)) or 'none'})"
                    f"{_did_you_mean(key, self.params)}"
                )
        for key, value in self.params.items():
            _check_param(key, value, f"{where}.params.{key}")
        for key, options in self.variants.items():
            if not options:
                raise ConfigError(f"{where}.variants.{key} must list at least one value")
            for i, value in enumerate(options):
                _check_param(key, value, f"{where}.variants.{key}[{i}]")
        for question, value in self.points.items():
            _not_negative(value, f"{where}.points.{question}")
        for key, value in self.thresholds.items():
            if not 0 <= value <= 1:
                raise ConfigError(f"{where}.thresholds.{key} must lie in [0, 1], got {value}")
        self.budget.validate(f"{where}.budget")
        self.limits.validate(f"{where}.limits")
        self.late.validate(f"{where}.late")

    @property
    def manual_points(self) -> dict[str, float]:
        """Points of the questions graded by hand, in grading.toml's order."""
        return {q: float(self.points[q]) for q in self.manual}

    def for_term(self, course: Course) -> Assignment:
        """The parameters of this term: each variant picked by the term seed, reproducibly."""
        chosen = {}
        for key, options in sorted(self.variants.items()):
            digest = sha256_text(f"{course.seed}:{self.name}:{key}")
            chosen[key] = options[int(digest, 16) % len(options)]
        return dataclasses.replace(self, params={**self.params, **chosen})


def _check_param(key: str, value: typing.Any, where: str) -> None:
    """Known assignment parameters must make sense; unknown ones are passed through."""

    def positive_int(v: typing.Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    rules = {
        "hidden_sizes": (
            lambda v: isinstance(v, list) and v and all(positive_int(u) for u in v),
            "a non-empty list of positive integers",
        ),
        "dropout_rate": (
            lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1,
            "a number in [0, 1)",
        ),
        "window_size": (positive_int, "a positive integer"),
        "embed_size": (positive_int, "a positive integer"),
        "bible_slice": (
            lambda v: (
                isinstance(v, list)
                and len(v) == 2
                and all(isinstance(i, int) and i >= 0 for i in v)
                and v[0] < v[1]
            ),
            "[start, stop] with 0 <= start < stop",
        ),
    }
    if key in rules and not rules[key][0](value):
        raise ConfigError(f"{where} must be {rules[key][1]}, got {value!r}")


@dataclass(frozen=True)
class GradingConfig:
    path: Path
    course: Course
    data: DataSources
    jobs: int
    assignments: dict[str, Assignment]
    scheduler: str = ""  # a Dask scheduler's address or scheduler file: grade on that cluster

    def assignment(self, name: str) -> Assignment:
        try:
            return self.assignments[name]
        except KeyError:
            known = ", ".join(sorted(self.assignments)) or "none"
            raise ConfigError(f"unknown assignment {name!r} (configured: {known})") from None


def load_config(path: Path | str | None = None) -> GradingConfig:
    """Read and validate grading.toml; raise ConfigError naming key and line on any problem."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        raise ConfigError(f"{path}:{at.group(1)}: {exc}" if at else f"{path}: {exc}") from None
    try:
        return _build(path, raw)
    except ConfigError as exc:
        raise ConfigError(_with_line(path, text, str(exc))) from None


def _build(path: Path, raw: dict) -> GradingConfig:
    _only_keys(raw, {"course", "data", "grading", "assignments"}, "")
    for key in ("course", "data", "grading", "assignments"):
        _table(raw, key)
    _required(raw, "")
    _required(_table(raw, "course"), "course")
    course = _dataclass_from(Course, raw.get("course", {}), "course")
    check_term(course.term)
    data = _dataclass_from(DataSources, raw.get("data", {}), "data")
    grading = _table(raw, "grading")
    _only_keys(grading, {"jobs", "scheduler"}, "grading")
    jobs = _typed(grading.get("jobs", 2), int, "grading.jobs")
    _positive(jobs, "grading.jobs")
    scheduler = _typed(grading.get("scheduler", ""), str, "grading.scheduler").strip()
    assignments = {}
    for name, table in _table(raw, "assignments").items():
        where = f"assignments.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        if "points" not in table:
            raise ConfigError(f"{where}.points is required: the points of every question")
        assignment = _dataclass_from(Assignment, {"name": name, **table}, where)
        assignment.validate(where)
        _check_against_master(assignment, where)
        assignments[name] = assignment
    return GradingConfig(
        path=path,
        course=course,
        data=data,
        jobs=jobs,
        assignments=assignments,
        scheduler=scheduler,
    )


def _table(raw: dict, key: str) -> dict:
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{key} must be a table, got {table!r}")
    return table


def _dataclass_from(cls: type, table: dict, where: str):
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _only_keys(table, set(fields), where)
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in table.items():
        values[key] = _coerce(value, hints[key], f"{where}.{key}" if where else key)
    return cls(**values)


def _coerce(value, hint, where: str):
    if dataclasses.is_dataclass(hint):
        return _dataclass_from(hint, value, where)
    origin = typing.get_origin(hint)
    if origin is dict:
        _, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table")
        return {k: _coerce(v, value_type, f"{where}.{k}") for k, v in value.items()}
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list")
        return [_coerce(v, item_type, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is typing.Any:
        return value
    return _typed(value, hint, where)


def _typed(value, hint, where: str):
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) != (hint is bool) or not isinstance(value, hint):
        raise ConfigError(f"{where} must be {_type_name(hint)}, got {value!r}")
    return value


def _type_name(hint) -> str:
    if isinstance(hint, types.UnionType):
        return " or ".join(_type_name(h) for h in typing.get_args(hint))
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        hint, str(hint)
    )


def _only_keys(table: dict, allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise ConfigError(
                f"unknown key {prefix}{key} (allowed here: {', '.join(sorted(allowed))})"
                f"{_did_you_mean(key, allowed)}"
            )


def _did_you_mean(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _required(table: dict, where: str) -> None:
    for key in REQUIRED.get(where, ()):
        if key not in table:
            prefix = f"{where}." if where else ""
            raise ConfigError(f"{prefix}{key} is required (a missing one would silently "
                              "change what is built)")  # fmt: skip


def _check_against_master(assignment: Assignment, where: str) -> None:
    """Points and manual questions must name exactly the master notebook's questions (an
    assignment without a master notebook here, e.g. an installed kit, is not checked)."""
    from autograder import paths
    from autograder.master import questions

    master = paths.SOLUTIONS_DIR / f"{assignment.name}.ipynb"
    if not master.is_file():
        return
    found = questions(master)
    names = [q.name for q in found]
    for question in assignment.points:
        if question not in names:
            raise ConfigError(
                f"{where}.points.{question}: {master.name} has no question {question!r}"
                f"{_did_you_mean(question, names)} (its questions: {', '.join(names)})"
            )
    missing = [n for n in names if n not in assignment.points]
    if missing:
        raise ConfigError(f"{where}.points has no points for {', '.join(missing)} "
                          f"(every question of {master.name} needs its points)")  # fmt: skip
    marked = {q.name for q in found if q.manual}
    if set(assignment.manual) != marked:
        raise ConfigError(
            f"{where}.manual must list exactly the questions {master.name} marks "
            f"'manual: true' ({', '.join(sorted(marked)) or 'none'}), got "
            f"{', '.join(assignment.manual) or 'none'}"
        )


def _positive(value: float, where: str) -> None:
    if value <= 0:
        raise ConfigError(f"{where} must be positive, got {value}")


def _not_negative(value: float, where: str) -> None:
    if value < 0:
        raise ConfigError(f"{where} must not be negative, got {value}")


def _with_line(path: Path, text: str, message: str) -> str:
    """Prefix the message with 'file:line' of the dotted key it names, when it can be found."""
    # Every message starts with the dotted key, or with "unknown key " and then the dotted key.
    match = re.match(r"(?:unknown key )?([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_\[\]-]+)*)", message)
    line = _line_of(text, match.group(1)) if match else None
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


def _line_of(text: str, dotted: str) -> int | None:
    parts = re.sub(r"\[\d+\]", "", dotted).split(".")
    table: list[str] = []
    best = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[+\s*([^\]]+?)\s*\]+", stripped)
        if header:
            table = [p.strip().strip('"') for p in header.group(1).split(".")]
            if table == parts:
                best = best or number
            continue
        key = re.match(r"([A-Za-z0-9_\"-]+)\s*=", stripped)
        if key and table + [key.group(1).strip('"')] == parts[: len(table) + 1]:
            if len(table) + 1 == len(parts) or best is None:
                best = number
    return best
