"""grading.toml: the repository's file loads; every mistake is reported with its key and line."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from autograder.cli import main as cli_main
from autograder.config import DEFAULT_CONFIG, Budget, ConfigError, Limits, load_config

FULL_TEXT = DEFAULT_CONFIG.read_text(encoding="utf-8")


def _without_other_assignments(text: str) -> str:
    """The repository's file with only the mlp assignment, so each edited line is unique."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        header = line.split("#", 1)[0].strip()
        if header.startswith("["):
            name = header.strip("[]").strip()
            skipping = name.startswith("assignments.") and not name.startswith("assignments.mlp")
        if not skipping:
            kept.append(line)
    return "".join(kept)


TEXT = _without_other_assignments(FULL_TEXT)
RAW = tomllib.loads(TEXT)


def key_line(table: str, key: str) -> str:
    """The repository's own line `key = ...` inside `[table]` (whatever its value today)."""
    current = None
    for line in TEXT.splitlines():
        code = line.split("#", 1)[0].strip()
        if code.startswith("["):
            current = code.strip("[]").strip()
        elif current == table and re.match(rf"{re.escape(key)}\s*=", code):
            return line
    raise AssertionError(f"no {key} in [{table}] of {DEFAULT_CONFIG}")


def variant(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    """The repository's grading.toml with its one line `old` replaced by `new`, in tmp_path."""
    assert TEXT.splitlines().count(old) == 1, f"{old!r} is not a unique line of {DEFAULT_CONFIG}"
    text = TEXT.replace(old + "\n", new + "\n")
    path = tmp_path / "grading.toml"
    path.write_text(text, encoding="utf-8")
    return path, text


def line_of(text: str, line: str) -> int:
    """1-based number of the one line of `text` that reads `line` (comments and spaces aside)."""
    numbers = [
        number
        for number, candidate in enumerate(text.splitlines(), start=1)
        if candidate.split("#", 1)[0].strip() == line.split("#", 1)[0].strip()
    ]
    assert len(numbers) == 1, f"{line!r} occurs {len(numbers)} times"
    return numbers[0]


MLP = "assignments.mlp"
EPOCHS = key_line(f"{MLP}.budget", "max_epochs")
BUDGET_SEED = key_line(f"{MLP}.budget", "seed")
SAMPLES = key_line(f"{MLP}.budget", "max_train_samples")
MANUAL = key_line(MLP, "manual")
TIMEOUT = key_line(f"{MLP}.limits", "timeout_s")
ACCURACY = key_line(f"{MLP}.thresholds", "test_accuracy")
NEURON_POINTS = key_line(f"{MLP}.points", "q_neuron")
JOBS = key_line("grading", "jobs")


# ---------------------------------------------------------------- the repository's file


def test_repository_config_loads():
    config = load_config()
    assert config.path == DEFAULT_CONFIG
    assert config.course.name == RAW["course"]["name"]
    assert config.course.term == RAW["course"]["term"]
    assert config.course.seed == RAW["course"]["seed"]
    assert config.jobs == RAW["grading"]["jobs"]
    assert set(config.assignments) == set(tomllib.loads(FULL_TEXT)["assignments"])


def test_repository_config_has_the_mlp_assignment():
    raw = RAW["assignments"]["mlp"]
    mlp = load_config().assignment("mlp")
    assert mlp.name == "mlp"
    assert mlp.title == raw["title"]
    assert mlp.manual == raw["manual"]
    assert mlp.params == raw["params"]
    assert mlp.points == raw["points"]
    assert mlp.thresholds == raw["thresholds"]
    assert mlp.budget == Budget(**raw["budget"])
    assert mlp.limits == Limits(**raw["limits"])
    # every manual question is a graded question
    assert set(mlp.manual) <= set(mlp.points)
    assert all(value > 0 for value in mlp.points.values())


def test_unknown_assignment_names_the_configured_ones():
    config = load_config()
    with pytest.raises(ConfigError, match="unknown assignment 'nope'") as info:
        config.assignment("nope")
    for name in config.assignments:
        assert name in str(info.value)


def test_config_is_frozen():
    mlp = load_config().assignment("mlp")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mlp.budget.max_epochs = 99  # type: ignore[misc]


# ---------------------------------------------------------------- mistakes, with key and line

# (repository line, edited line, dotted key the message must name, extra text it must contain)
BAD = {
    "unknown key": (
        EPOCHS,
        f"{EPOCHS}\nmax_epoch = 1",
        f"{MLP}.budget.max_epoch",
        "unknown key",
    ),
    "unknown table": (
        f"[{MLP}.thresholds]",
        f"[{MLP}.threshold]",
        f"{MLP}.threshold",
        "unknown key",
    ),
    "unknown key in a top-level table": (
        JOBS,
        f"{JOBS}\nthreads = 2",
        "grading.threads",
        "unknown key",
    ),
    "wrong type": (EPOCHS, 'max_epochs = "3"', f"{MLP}.budget.max_epochs", "must be an integer"),
    # `seed` also sits in [course] above: the line must be the budget's, not the course's
    "wrong type, key name also in another table": (
        BUDGET_SEED,
        "seed = 4.2",
        f"{MLP}.budget.seed",
        "must be an integer",
    ),
    "bool is not an integer": (
        SAMPLES,
        "max_train_samples = true",
        f"{MLP}.budget.max_train_samples",
        "must be an integer",
    ),
    "wrong list item type": (
        MANUAL,
        'manual = ["q_why_popular", 3]',
        f"{MLP}.manual[1]",
        "must be a string",
    ),
    "negative epochs": (EPOCHS, "max_epochs = -1", f"{MLP}.budget.max_epochs", "must be positive"),
    "zero timeout": (TIMEOUT, "timeout_s = 0", f"{MLP}.limits.timeout_s", "must be positive"),
    "threshold above 1": (
        ACCURACY,
        "test_accuracy = 1.5",
        f"{MLP}.thresholds.test_accuracy",
        "must lie in [0, 1]",
    ),
    "negative points": (
        NEURON_POINTS,
        "q_neuron = -2",
        f"{MLP}.points.q_neuron",
        "must not be negative",
    ),
    "zero jobs": (JOBS, "jobs = 0", "grading.jobs", "must be positive"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_config_names_key_and_line(tmp_path: Path, case: str):
    old, new, key, words = BAD[case]
    path, text = variant(tmp_path, old, new)
    line = line_of(text, new.splitlines()[-1])  # the line the edit added or changed
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert key in message
    assert words in message
    assert f"grading.toml:{line}:" in message
    assert message.startswith(f"{path}:{line}: ")


def test_invalid_toml_names_the_line(tmp_path: Path):
    path, text = variant(tmp_path, EPOCHS, "max_epochs = = 1")
    line = line_of(text, "max_epochs = = 1")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"grading.toml:{line}:" in str(info.value)


def test_unclosed_table_header_names_the_line(tmp_path: Path):
    path, text = variant(tmp_path, f"[{MLP}.limits]", f"[{MLP}.limits")
    line = line_of(text, f"[{MLP}.limits")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"grading.toml:{line}:" in str(info.value)


def test_line_numbers_follow_the_edit(tmp_path: Path):
    """The same mistake three lines further down is reported three lines further down."""
    lines = []
    for padding in ("", "\n\n\n"):
        path, text = variant(tmp_path, f"[{MLP}.limits]", f"{padding}[{MLP}.limits]")
        text = text.replace(TIMEOUT + "\n", "timeout_s = 0\n")
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        found = re.search(r"grading\.toml:(\d+):", str(info.value))
        assert found, str(info.value)
        lines.append(int(found.group(1)))
        assert lines[-1] == line_of(text, "timeout_s = 0")
    assert lines[1] == lines[0] + 3


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "verb",
    [["data", "--check"], ["build", "--no-check"]],
    ids=["data --check", "build --no-check"],
)
def test_cli_reports_bad_config_and_exits_2(tmp_path: Path, capsys, verb: list[str]):
    path, text = variant(tmp_path, EPOCHS, "max_epochs = -1")
    line = line_of(text, "max_epochs = -1")
    assert cli_main(["--config", str(path), *verb]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # failed before doing any work
    assert captured.err.startswith("autograder ")
    assert f"grading.toml:{line}:" in captured.err
    assert f"{MLP}.budget.max_epochs must be positive" in captured.err


def test_cli_reports_unknown_key_with_line(tmp_path: Path, capsys):
    path, text = variant(tmp_path, EPOCHS, f"{EPOCHS}\nmax_epoch = 1")
    line = line_of(text, "max_epoch = 1")
    assert cli_main(["--config", str(path), "data", "--check"]) == 2
    err = capsys.readouterr().err
    assert f"grading.toml:{line}: unknown key {MLP}.budget.max_epoch" in err


@pytest.mark.parametrize("key", ["assignments", "grading"])
def test_a_top_level_value_where_a_table_belongs_is_a_config_error(tmp_path, key):
    bad = tmp_path / "grading.toml"
    bad.write_text(f"{key} = 3\n")
    with pytest.raises(ConfigError, match=rf"grading.toml:1: {key} must be a table"):
        load_config(bad)


# ---------------------------------------------------------------- what an instructor gets wrong

TERM = key_line("course", "term")
SEED = key_line("course", "seed")
MORE = {
    "term that leaves build/": (TERM, 'term = "../evil"', "course.term", "simple name"),
    "term with a slash": (TERM, 'term = "2026/fall"', "course.term", "simple name"),
    "points for a question the notebook lacks": (
        NEURON_POINTS, f"{NEURON_POINTS}\nq_neurons = 1", f"{MLP}.points.q_neurons",
        "did you mean 'q_neuron'",
    ),
    "a manual question that does not exist": (
        MANUAL, 'manual = ["q_why_populr"]', f"{MLP}.manual[0]", "did you mean 'q_why_popular'"
    ),
    "a manual list that leaves out the notebook's": (
        MANUAL, "manual = []", f"{MLP}.manual", "must list exactly",
    ),
    "unknown key, with a suggestion": (
        EPOCHS, f"{EPOCHS}\nmax_epoch = 1", f"{MLP}.budget.max_epoch", "did you mean 'max_epochs'"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", MORE, ids=list(MORE))
def test_instructor_mistakes_name_key_and_line(tmp_path: Path, case: str):
    old, new, key, words = MORE[case]
    path, text = variant(tmp_path, old, new)
    line = line_of(text, new.splitlines()[-1])
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert key in message and words in message and "\n" not in message
    assert message.startswith(f"{path}:{line}: ")


def test_a_variant_key_that_overrides_nothing_is_refused(tmp_path: Path):
    budget = f"[{MLP}.budget]"
    path, text = variant(
        tmp_path, budget, f"[{MLP}.variants]\nhidden_size = [[256, 128]]\n{budget}"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{MLP}.variants.hidden_size overrides no parameter" in message
    assert "did you mean 'hidden_sizes'" in message
    assert message.startswith(f"{path}:{line_of(text, 'hidden_size = [[256, 128]]')}: ")


@pytest.mark.parametrize(("old", "words"), [(NEURON_POINTS, "no points for q_neuron"),
                                            (SEED, "course.seed is required")])  # fmt: skip
def test_deleting_a_needed_key_is_refused(tmp_path: Path, old: str, words: str):
    path, _ = variant(tmp_path, old, "")
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_config(path)


def test_check_config_verb_validates_without_building(tmp_path: Path, capsys):
    assert cli_main(["check-config"]) == 0
    assert "valid" in capsys.readouterr().out
    path, _ = variant(tmp_path, TERM, 'term = "../evil"')
    assert cli_main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "course.term must be a simple name" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("verb", ["build", "grade"])
def test_a_term_on_the_command_line_is_checked_too(tmp_path: Path, capsys, verb: str):
    args = [verb, "--term", "../../etc"]
    args += ["--no-check"] if verb == "build" else [str(tmp_path), "--assignment", "mlp"]
    assert cli_main(args) == 2
    assert "--term must be a simple name" in capsys.readouterr().err


# ---------------------------------------------------------------- keys inside an assignment

TITLE = key_line(MLP, "title")
HIDDEN = key_line(f"{MLP}.params", "hidden_sizes")
DROPOUT = key_line(f"{MLP}.params", "dropout_rate")
KEYS = {
    # the table's name is the assignment's name: a `name` key would rename it unchecked
    "a name inside an assignment": (TITLE, f'{TITLE}\nname = "mlp2"', f"unknown key {MLP}.name",
                                    "allowed here: budget"),
    "a misspelt assignment key": (TITLE, f'{TITLE}\ntitel = "x"', f"unknown key {MLP}.titel",
                                  "did you mean 'title'"),
    "a hidden layer of width 0": (HIDDEN, "hidden_sizes = [300, 0]",
                                  f"{MLP}.params.hidden_sizes[1]", "must be positive"),
    "no hidden layers": (HIDDEN, "hidden_sizes = []", f"{MLP}.params.hidden_sizes",
                         "at least one value"),
    "a dropout rate of 1": (DROPOUT, "dropout_rate = 1", f"{MLP}.params.dropout_rate",
                            "must lie in [0, 1)"),
    "a variant value out of range": (
        f"[{MLP}.budget]", f"[{MLP}.variants]\ndropout_rate = [0.2, 1.5]\n[{MLP}.budget]",
        f"{MLP}.variants.dropout_rate[1]", "must lie in [0, 1)",
    ),
    "an unknown late penalty": (
        f"[{MLP}.budget]", f'[{MLP}.late]\npenalty = "per_week"\n[{MLP}.budget]',
        f"{MLP}.late.penalty", "must be one of none, per_day, per_hour, zero",
    ),
    "a late penalty without a deadline": (
        f"[{MLP}.budget]", f'[{MLP}.late]\npenalty = "per_day"\n[{MLP}.budget]',
        f"{MLP}.late.penalty", "needs a deadline",
    ),
    "an unknown time zone": (
        f"[{MLP}.budget]", f'[{MLP}.late]\ntimezone = "Mars/Base"\n[{MLP}.budget]',
        f"{MLP}.late.timezone", "unknown time zone",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", KEYS, ids=list(KEYS))
def test_assignment_keys_are_checked_with_key_and_line(tmp_path: Path, case: str):
    old, new, key, words = KEYS[case]
    path, text = variant(tmp_path, old, new)
    changed = new.splitlines()[1 if new.startswith("[") else -1]  # the key line, not a header
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert key in message and words in message and "\n" not in message, message
    assert message.startswith(f"{path}:{line_of(text, changed)}: "), message


def test_check_config_refuses_a_name_inside_an_assignment(tmp_path: Path, capsys):
    path, _ = variant(tmp_path, TITLE, f'{TITLE}\nname = "mlp2"')
    assert cli_main(["--config", str(path), "check-config"]) == 2
    assert f"unknown key {MLP}.name" in capsys.readouterr().err


def test_a_pydantic_config_keeps_integers_and_parameters_as_written():
    """Settings feed the generated notebooks: their types and order must not change on reading."""
    mlp = load_config().assignment("mlp")
    assert list(mlp.params) == list(RAW["assignments"]["mlp"]["params"])
    assert mlp.params == RAW["assignments"]["mlp"]["params"]
    assert all(type(v) is int for v in dataclasses.asdict(mlp.budget).values())
    assert all(type(v) is float for v in mlp.points.values())
    assert type(mlp.limits.timeout_s) is float and type(mlp.limits.memory_mb) is int


# ---------------------------------------------------------------- every key, described


def _every_key(cls, table: str = "") -> list[tuple[str, str | None, str]]:
    """(table, key, description) of every field of the schema, walked here independently; key
    is None for a table of keys the instructor names (points, thresholds, variants)."""
    import typing

    from autograder import config as schema

    found = []
    for name, info in cls.__pydantic_fields__.items():
        kind = info.annotation
        inner = typing.get_args(kind)[1] if typing.get_origin(kind) is dict else None
        here = f"{table}.{name}" if table else name
        if dataclasses.is_dataclass(kind):
            found += _every_key(kind, here)
        elif inner is not None and dataclasses.is_dataclass(inner):
            found += _every_key(inner, f"{here}.NAME")
        elif kind is schema.KnownParams or typing.get_origin(kind) is dict:
            assert info.description, f"{here} has no description"
            found.append((here, None, info.description))
            if kind is schema.KnownParams:
                hints = typing.get_type_hints(kind, include_extras=True)
                for key, hint in hints.items():
                    described = [
                        m for m in typing.get_args(hint)[1:] if getattr(m, "description", None)
                    ]
                    found.append((here, key, described[0].description))
        else:
            assert info.description, f"{here} has no description"
            found.append((table, name, info.description))
    return found


def test_explain_prints_every_key_with_its_description(capsys):
    from autograder.config import GradingFile

    assert cli_main(["check-config", "--explain"]) == 0
    out = capsys.readouterr().out
    expected = _every_key(GradingFile)
    assert len(expected) > 35
    for table, key, description in expected:
        section = out.split(f"[{table}]\n", 1)[1].split("\n[", 1)[0]  # that table's lines
        if key is not None:
            assert re.search(rf"^  {re.escape(key)}\b", section, re.M), f"{table}.{key}"
        assert description in section, description


def test_generated_reference_is_up_to_date():
    """docs/grading-toml.md is written by `autograder check-config --markdown`; rerun it and
    commit the result when a field changes."""
    from autograder.config import GradingFile, reference_markdown

    committed = (DEFAULT_CONFIG.parent / "docs" / "grading-toml.md").read_text(encoding="utf-8")
    assert committed == reference_markdown()
    for table, key, description in _every_key(GradingFile):
        assert f"## `[{table}]`" in committed and description in committed
        assert key is None or f"| `{key}` |" in committed
