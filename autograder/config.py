"""The one typed reader of ``grading.toml``.

The file is described once, by the pydantic dataclasses below: each key's type, default,
constraints and description sit on its field. Validation, ``check-config --explain`` and the
generated reference (``docs/grading-toml.md``) all read those fields, so they cannot disagree.
A mistake is reported once, here, as one line with the file, line and dotted key (and a
suggestion for a misspelt name), before anything is generated or graded.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import re
import tomllib
import typing
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    TypeAdapter,
    ValidationError,
    WrapValidator,
    model_validator,
    with_config,
)
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUndefined
from typing_extensions import TypedDict, is_typeddict

from autograder.errors import ConfigError
from autograder.files import sha256_text
from autograder.paths import REPO_ROOT

DEFAULT_CONFIG = REPO_ROOT / "grading.toml"

__all__ = ["ConfigError", "GradingConfig", "load_config", "explain", "reference_markdown"]

TABLE = ConfigDict(extra="forbid")  # an unknown key is a typo, never ignored
TERM_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


# ---------------------------------------------------------------- value types (TOML, strictly)


def _simple_name(value: str) -> str:
    if not TERM_PATTERN.fullmatch(value) or ".." in value:
        raise PydanticCustomError(
            "simple_name",
            "must be a simple name (letters, digits, '.', '_', '-'; at most 64, no '..'), "
            "got {got}",
            {"got": repr(value)},
        )
    return value


def _time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "time_zone", "is an unknown time zone {got} (an IANA name like Asia/Shanghai)",
            {"got": repr(name)},
        ) from None  # fmt: skip
    return name


def _date_time(value: object) -> str | datetime.datetime:
    if not isinstance(value, (str, datetime.datetime)):
        raise PydanticCustomError(
            "date_time", "must be a date and time, e.g. 2026-10-15T23:59:00+08:00, got {got}",
            {"got": repr(value)},
        )  # fmt: skip
    return value


def _start_before_stop(value: list[int]) -> list[int]:
    if value[0] >= value[1]:
        raise PydanticCustomError("slice", "must be [start, stop] with start < stop, got {got}",
                                  {"got": repr(value)})  # fmt: skip
    return value


Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict()]  # an integer is read as a number too
Text = Annotated[str, Strict()]
PositiveInt = Annotated[int, Strict(), Field(gt=0)]
Count = Annotated[int, Strict(), Field(ge=0)]
Positive = Annotated[float, Strict(), Field(gt=0)]
NotNegative = Annotated[float, Strict(), Field(ge=0)]
Fraction = Annotated[float, Strict(), Field(ge=0, le=1)]
SimpleName = Annotated[str, Strict(), AfterValidator(_simple_name)]
TimeZone = Annotated[str, Strict(), AfterValidator(_time_zone)]
DateTime = Annotated[str | datetime.datetime, PlainValidator(_date_time)]
Penalty = Literal["none", "per_day", "per_hour", "zero"]
LATE_PENALTIES = typing.get_args(Penalty)

_TERM = TypeAdapter(SimpleName)


def check_term(term: str, where: str = "course.term") -> str:
    """A term names a folder (``build/TERM``): letters, digits, ``.``, ``_``, ``-`` only."""
    try:
        return _TERM.validate_python(term)
    except ValidationError as exc:
        raise ConfigError(_message(exc, SimpleName, where)) from None


# ---------------------------------------------------------------- the tables of grading.toml


@dataclass(frozen=True, kw_only=True, config=TABLE)
class Course:
    """[course]: who the notebooks are for and which term's variants they carry."""

    name: Text = Field("Keras course", description="The course's name, printed on every notebook.")
    term: SimpleName = Field(
        description="The term built and graded; it names a folder (build/TERM), so letters, "
        "digits, '.', '_', '-' only. A missing one would silently change what is built."
    )
    seed: Integer = Field(
        description="Picks this term's variants (see variants); a missing one would silently "
        "change what is built."
    )


@dataclass(frozen=True, kw_only=True, config=TABLE)
class DataSources:
    """[data]: extra local places to look first; empty means 'not configured'."""

    fashion_mnist_dir: Text = Field("", description="A folder holding the Fashion-MNIST files.")
    nltk_data_dir: Text = Field("", description="An NLTK data folder holding the KJV corpus.")
    imdb_dir: Text = Field("", description="A folder holding aclImdb (the IMDB reviews).")
    hub_dir: Text = Field("", description="A TF-Hub cache folder holding the text embedding.")
    text_embedding_handle: Text = Field(
        "", description="The text embedding's TF-Hub handle or local path (empty: the kit's)."
    )


@dataclass(frozen=True, kw_only=True, config=TABLE)
class Grading:
    """[grading]: how a batch is run."""

    jobs: PositiveInt = Field(2, description="Sandboxes run in parallel (`grade -j` overrides).")
    scheduler: Text = Field(
        "",
        description="A Dask scheduler's address (tcp://HOST:PORT) or scheduler file: grade on "
        "that cluster (empty: here; `grade --scheduler` overrides).",
    )


@dataclass(frozen=True, kw_only=True, config=TABLE)
class Budget:
    """The training budget the grader applies inside the sandbox, unknown to the student."""

    seed: Integer = Field(0, description="Seed of every training run the grader makes.")
    max_epochs: PositiveInt = Field(1, description="Epochs each training run is cut to.")
    max_train_samples: Count = Field(0, description="Training samples per run (0: no cap).")
    max_train_batches: Count = Field(0, description="train_on_batch calls per run (0: no cap).")


@dataclass(frozen=True, kw_only=True, config=TABLE)
class Limits:
    """Sandbox limits for one submission, enforced by the kernel."""

    timeout_s: Positive = Field(300.0, description="Seconds for the whole notebook.")
    cell_timeout_s: Positive = Field(120.0, description="Seconds for one cell.")
    memory_mb: PositiveInt = Field(
        3072, description="MB for everything the sandbox holds: heap, tmpfs, shm, memfd."
    )
    disk_mb: PositiveInt = Field(
        1024, description="MB of its working folder, /tmp and /dev/shm together."
    )
    files: PositiveInt = Field(20_000, description="Files and folders it may create.")
    processes: PositiveInt = Field(256, description="Processes and threads at once.")


@dataclass(frozen=True, kw_only=True, config=TABLE)
class LatePolicy:
    """The deadline and what lateness costs."""

    deadline: DateTime = Field(
        "", description='A TOML date-time or ISO text, e.g. 2026-10-15T23:59:00+08:00 ("": none).'
    )
    timezone: TimeZone = Field(
        "UTC", description="IANA time zone of a deadline or LMS time written without an offset."
    )
    grace_minutes: NotNegative = Field(0.0, description="Minutes after the deadline still on time.")
    penalty: Penalty = Field(
        "none",
        description="none; per_day or per_hour: `rate` off per started day or hour late; "
        "zero: a late submission gets no points. Anything but none needs a deadline.",
    )
    rate: Fraction = Field(
        0.0, description="Fraction of the points possible taken per started day or hour."
    )
    max_fraction: Fraction = Field(1.0, description="The most lateness can take, as a fraction.")

    @model_validator(mode="after")
    def _consistent(self) -> LatePolicy:
        from autograder.times import parse_time

        if self.deadline != "":
            try:
                parse_time(self.deadline, self.timezone)
            except ValueError as exc:
                raise _refuse("deadline", f": {exc}") from None
        if self.penalty != "none" and self.deadline == "":
            raise _refuse("penalty", f"{self.penalty!r} needs a deadline")
        if self.penalty in ("per_day", "per_hour") and self.rate == 0:
            raise _refuse("rate", f"must be above 0 for penalty {self.penalty!r}")
        return self

    def deadline_at(self) -> datetime.datetime | None:
        from autograder.times import parse_time

        return parse_time(self.deadline, self.timezone) if self.deadline != "" else None


@with_config(ConfigDict(extra="allow"))
class KnownParams(TypedDict, total=False):
    """[assignments.NAME.params]: the parameters the catalog knows are checked; any other key
    is passed to the master notebook's template as written."""

    hidden_sizes: Annotated[
        list[PositiveInt], Field(min_length=1, description="mlp: the hidden layers' widths.")
    ]
    dropout_rate: Annotated[
        float, Strict(), Field(ge=0, lt=1, description="mlp: the dropout layer's rate.")
    ]
    window_size: Annotated[PositiveInt, Field(description="word2vec: words on each side.")]
    embed_size: Annotated[PositiveInt, Field(description="word2vec: embedding width.")]
    bible_slice: Annotated[
        list[Count],
        Field(min_length=2, max_length=2, description="word2vec: [start, stop] verses used."),
        AfterValidator(_start_before_stop),
    ]
    train_reviews: Annotated[
        PositiveInt, Field(description="sentence_embeddings: reviews in the training subset.")
    ]
    data_seed: Annotated[Integer, Field(description="sentence_embeddings: picks that subset.")]
    eval_reviews: Annotated[
        PositiveInt, Field(description="sentence_embeddings: reviews the grader scores on.")
    ]
    eval_seed: Annotated[Integer, Field(description="sentence_embeddings: picks those.")]


_PARAMS = TypeAdapter(KnownParams)


def _as_written(value: Any, handler: Any) -> dict[str, Any]:
    handler(value)  # checked, but kept as written (key order, integers stay integers)
    return value


@dataclass(frozen=True, kw_only=True, config=TABLE)
class AssignmentSettings:
    """[assignments.NAME]: one assignment; NAME is its master notebook solutions/NAME.ipynb."""

    title: Text = Field("", description="Shown on the notebook and every page of grades.")
    points: dict[str, NotNegative] = Field(
        description="The points of every question of the master notebook, by question name.",
        json_schema_extra={"each": "QUESTION"},
    )
    manual: list[Text] = Field(
        default_factory=list,
        description="The questions graded by hand: exactly those the master notebook marks "
        "'manual: true'.",
    )
    params: Annotated[KnownParams, WrapValidator(_as_written)] = Field(
        default_factory=dict,
        description="The term's parameters, filled into the master notebook.",
        json_schema_extra={"each": "KEY"},
    )
    variants: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict,
        description="Values a parameter may take; the term seed picks one per key (and "
        "overrides params), so last term's answers do not fit.",
        json_schema_extra={"each": "KEY"},
    )
    thresholds: dict[str, Fraction] = Field(
        default_factory=dict,
        description="What the grader demands of a trained model (e.g. test_accuracy).",
        json_schema_extra={"each": "KEY"},
    )
    budget: Budget = Field(default_factory=Budget, description="The grader's training budget.")
    limits: Limits = Field(default_factory=Limits, description="The sandbox's limits.")
    late: LatePolicy = Field(default_factory=LatePolicy, description="Deadline and late penalty.")

    @model_validator(mode="after")
    def _consistent(self) -> AssignmentSettings:
        for i, question in enumerate(self.manual):
            if question not in self.points:
                close = _did_you_mean(question, self.points)
                raise _refuse(f"manual[{i}]", f"names {question!r}, which has no points{close}")
        for key, options in self.variants.items():
            if key not in self.params:
                raise _refuse(
                    f"variants.{key}",
                    f"overrides no parameter of params (those are: "
                    f"{', '.join(sorted(self.params)) or 'none'}){_did_you_mean(key, self.params)}",
                )
            for i, value in enumerate(options):
                try:
                    _PARAMS.validate_python({key: value})
                except ValidationError as exc:
                    words = _words(exc.errors()[0], KnownParams)
                    raise _refuse(f"variants.{key}[{i}]", words) from None
        return self


@dataclass(frozen=True, kw_only=True, config=TABLE)
class Assignment(AssignmentSettings):
    """One assignment as the kit uses it: its settings and its name (the table's name)."""

    name: Text = Field(description="The assignment's name: the key of its table.")

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


@dataclass(frozen=True, kw_only=True, config=TABLE)
class GradingFile:
    """grading.toml as written: the one file an instructor edits each term."""

    course: Course = Field(description="The course and term.")
    data: DataSources = Field(default_factory=DataSources, description="Local data folders.")
    grading: Grading = Field(default_factory=Grading, description="How a batch is run.")
    assignments: dict[str, AssignmentSettings] = Field(
        description="One table per assignment.", json_schema_extra={"each": "NAME"}
    )


@dataclasses.dataclass(frozen=True)
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


_FILE = TypeAdapter(GradingFile)


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
        try:
            written = _FILE.validate_python(raw)
        except ValidationError as exc:
            raise ConfigError(_message(exc, GradingFile)) from None
        assignments = {}
        for name, settings in written.assignments.items():
            assignment = Assignment(name=name, **_fields_of(settings))
            _check_against_master(assignment, f"assignments.{name}")
            assignments[name] = assignment
    except ConfigError as exc:
        raise ConfigError(_with_line(path, text, str(exc))) from None
    return GradingConfig(
        path=path,
        course=written.course,
        data=written.data,
        jobs=written.grading.jobs,
        assignments=assignments,
        scheduler=written.grading.scheduler.strip(),
    )


def _fields_of(table: object) -> dict[str, Any]:
    return {f.name: getattr(table, f.name) for f in dataclasses.fields(table)}


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


# ---------------------------------------------------------------- pydantic's errors, in one line


def _refuse(key: str, words: str) -> PydanticCustomError:
    """A rule across keys, broken: ``key`` (relative to the table) and what is wrong with it."""
    return PydanticCustomError("config", "{key} {words}", {"key": key, "words": words})


TYPE_WORDS = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "dataclass_type": "a table",
    "dataclass_exact_type": "a table",
    "typed_dict_type": "a table",
}
BOUNDS = ("gt", "ge", "lt", "le")
SIGNS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
UNKNOWN = ("unexpected_keyword_argument", "extra_forbidden")


def _message(exc: ValidationError, root: Any, prefix: str = "") -> str:
    """The first error as one line that starts with the dotted key it is about (a value written
    wrong before a key left out: the first is on a line the reader can go to)."""
    error = min(exc.errors(), key=lambda e: e["type"] in ("missing", "missing_argument"))
    loc = tuple(error["loc"])
    if error["type"] == "config":
        loc += tuple(_parse_key(error["ctx"]["key"]))
    where, words = _dotted(prefix, loc), _words(error, root)
    if error["type"] in UNKNOWN:
        return f"unknown key {where} {words}"
    return f"{where}{words}" if words[:1] in ":;" else f"{where} {words}"


def _words(error: dict, root: Any) -> str:
    """What is wrong with the key an error is about (the text after the key)."""
    kind, loc, value = error["type"], tuple(error["loc"]), error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "config":
        return ctx["words"]
    if kind in UNKNOWN:
        allowed = _keys_of(_node(root, loc[:-1])[0])
        return f"(allowed here: {', '.join(allowed)}){_did_you_mean(str(loc[-1]), allowed)}"
    if kind in ("missing", "missing_argument"):
        info = _node(root, loc)[2]
        why = info.description if info and info.description else ""
        return "is required" + (f": {why[0].lower()}{why[1:]}" if why else "")
    if kind in TYPE_WORDS:
        return f"must be {TYPE_WORDS[kind]}, got {value!r}"
    if kind == "literal_error":
        options = typing.get_args(_node(root, loc)[0])
        return f"must be one of {', '.join(map(str, options))}, got {value!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{_range_words(_bounds(_node(root, loc)[1]))}, got {value}"
    if kind == "too_short" and ctx.get("min_length") == 1:
        return f"must list at least one value, got {value!r}"
    if kind in ("too_short", "too_long"):
        return f"must hold {_length_words(_node(root, loc)[1])}, got {value!r}"
    return error["msg"] if kind in ("simple_name", "time_zone", "date_time", "slice") else (
        f"is not valid: {error['msg']}, got {value!r}"
    )  # fmt: skip


def _dotted(prefix: str, loc: tuple) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        parts.append(int(index) if index else name)
    return parts


def _unwrap(tp: Any, meta: list | None = None) -> tuple[Any, list]:
    """The base type under ``Annotated`` layers and every constraint found on the way."""
    meta = list(meta or [])
    while typing.get_origin(tp) is Annotated:
        tp, *extra = typing.get_args(tp)
        meta += extra
    flat = []
    for item in meta:
        flat += [item, *item.metadata] if isinstance(item, FieldInfo) else [item]
    return tp, flat


def _node(root: Any, loc: tuple) -> tuple[Any, list, FieldInfo | None]:
    """The type, constraints and field found at a path of keys below ``root``."""
    tp, meta = _unwrap(root)
    info = None
    for part in loc:
        fields = _fields(tp)
        if fields is not None:
            info = fields.get(part)
            if info is None:
                return None, [], None
            tp, meta = _unwrap(info.annotation, info.metadata)
        elif typing.get_origin(tp) is dict:
            tp, meta = _unwrap(typing.get_args(tp)[1])
            info = None
        elif typing.get_origin(tp) is list:
            tp, meta = _unwrap(typing.get_args(tp)[0])
            info = None
        else:
            return tp, meta, info
    return tp, meta, info


def _fields(tp: Any) -> dict[str, FieldInfo] | None:
    """A table type's fields by key: a pydantic dataclass's, or a TypedDict's."""
    if dataclasses.is_dataclass(tp) and hasattr(tp, "__pydantic_fields__"):
        return tp.__pydantic_fields__
    if is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return {k: FieldInfo.from_annotation(v) for k, v in hints.items()}
    return None


def _keys_of(tp: Any) -> list[str]:
    fields = _fields(tp)
    return sorted(fields) if fields else []


def _bounds(meta: list) -> dict[str, float]:
    return {b: getattr(m, b) for m in meta for b in BOUNDS if getattr(m, b, None) is not None}


def _range_words(bounds: dict[str, float]) -> str:
    low = ("[", bounds["ge"]) if "ge" in bounds else ("(", bounds["gt"]) if "gt" in bounds else None
    high = (
        (bounds["le"], "]") if "le" in bounds else (bounds["lt"], ")") if "lt" in bounds else None
    )
    if low and high:
        return f"must lie in {low[0]}{low[1]:g}, {high[0]:g}{high[1]}"
    if low == ("(", 0):
        return "must be positive"
    if low == ("[", 0):
        return "must not be negative"
    if low:
        return f"must be {'at least' if low[0] == '[' else 'above'} {low[1]:g}"
    if high:
        return f"must be {'at most' if high[1] == ']' else 'below'} {high[0]:g}"
    return "is out of range"


def _length_words(meta: list) -> str:
    low = next((m.min_length for m in meta if getattr(m, "min_length", None)), None)
    high = next((m.max_length for m in meta if getattr(m, "max_length", None)), None)
    if low is not None and low == high:
        return f"exactly {low} values"
    if high is None:
        return f"at least {low} value{'s' * (low != 1)}"
    return f"{low or 0} to {high} values"


def _did_you_mean(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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


# ---------------------------------------------------------------- every key, described


@dataclasses.dataclass(frozen=True)
class Key:
    """One key of grading.toml as its field describes it."""

    table: str  # e.g. "assignments.NAME.budget"
    name: str
    kind: str  # type and constraints, in words
    default: str  # "" when none
    description: str
    required: bool = False


def keys(root: Any = GradingFile, table: str = "") -> list[Key]:
    """Every key of grading.toml, table by table, from the fields' own descriptions."""
    out: list[Key] = []
    sub: list[Key] = []
    for name, info in (_fields(root) or {}).items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        tp, meta = _unwrap(info.annotation, info.metadata)
        here = f"{table}.{name}" if table else name
        if is_typeddict(tp):  # a table of free keys, some of them known
            sub += keys(tp, here)
            other = f"{info.description} Other keys than those above are passed as written."
            sub.append(Key(here, extra.get("each", "KEY"), "any TOML value", "", other))
            continue
        if _fields(tp) is not None:
            sub += keys(tp, here)
            continue
        if typing.get_origin(tp) is dict and _fields(_unwrap(typing.get_args(tp)[1])[0]):
            sub += keys(_unwrap(typing.get_args(tp)[1])[0], f"{here}.{extra.get('each', 'KEY')}")
            continue
        if typing.get_origin(tp) is dict:
            value, value_meta = _unwrap(typing.get_args(tp)[1])
            sub.append(Key(here, extra.get("each", "KEY"), _kind(value, value_meta), "",
                           info.description or ""))  # fmt: skip
            continue
        required = info.is_required() and not is_typeddict(root)
        out.append(Key(table, name, _kind(tp, meta), _default(info), info.description or "",
                       required))  # fmt: skip
    return out + sub


def _kind(tp: Any, meta: list) -> str:
    tp, meta = _unwrap(tp, meta)
    if typing.get_origin(tp) is Literal:
        words = "one of " + ", ".join(map(str, typing.get_args(tp)))
    elif typing.get_origin(tp) is list:
        item, item_meta = _unwrap(typing.get_args(tp)[0])
        words = f"list of {_kind(item, item_meta)}"
        if any(getattr(m, "min_length", None) or getattr(m, "max_length", None) for m in meta):
            words += f" ({_length_words(meta)})"
        return words
    elif tp == (str | datetime.datetime):
        words = "date-time"
    else:
        words = {int: "integer", float: "number", str: "string", bool: "true or false"}.get(
            tp, "any TOML value"
        )
    bounds = _bounds(meta)
    if bounds:
        words += ", " + ", ".join(f"{SIGNS[b]} {v:g}" for b, v in bounds.items())
    return words


def _default(info: FieldInfo) -> str:
    if info.default is not PydanticUndefined:
        return json.dumps(info.default, ensure_ascii=False)
    if info.default_factory is list:
        return "[]"
    if info.default_factory is dict:
        return "{}"
    return ""


def explain() -> str:
    """``check-config --explain``: every key, its type, default and description, as text."""
    lines: list[str] = []
    current = None
    for key in keys():
        if key.table != current:
            current = key.table
            lines += ["", f"[{current}]" if current else "(top level)"]
        default = f" = {key.default}" if key.default else " (required)" if key.required else ""
        lines.append(f"  {key.name}{default}   # {key.kind}")
        lines.append(f"      {key.description}")
    return "\n".join(lines).lstrip("\n") + "\n"


def reference_markdown() -> str:
    """The text of docs/grading-toml.md, written from the same fields as ``explain``."""
    lines = [
        "# grading.toml reference",
        "",
        "<!-- Generated from autograder/config.py by `autograder check-config --markdown`;",
        "     edit the fields' descriptions there, not this file. -->",
        "",
        "`grading.toml` is the one file an instructor edits each term. Every key is listed below",
        "with its type, its default and what it does. `autograder check-config` checks a file",
        "against exactly these rules and reports a mistake as one line with the file, the line",
        "and the key; an unknown key is refused, with a suggestion when it looks like a typo.",
        "NAME, QUESTION and KEY stand for names you choose.",
    ]
    current = None
    for key in keys():
        if key.table != current:
            current = key.table
            lines += ["", f"## `[{current}]`", "", "| key | type | default | what it does |",
                      "| --- | --- | --- | --- |"]  # fmt: skip
        default = f"`{key.default}`" if key.default else "required" if key.required else ""
        cells = [f"`{key.name}`", key.kind, default, key.description]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
