"""`autograder data`: find or provision every dataset and print where each came from."""

from __future__ import annotations

import sys

from autograder.config import GradingConfig, load_config
from autograder.data import fashion_mnist, imdb, nltk_corpus, text_embedding
from autograder.data.errors import DataError, MissingDataError
from autograder.data.sources import DataReport, Found, Kind, Status

DATASETS = (fashion_mnist, nltk_corpus, imdb, text_embedding)


def collect(
    config: GradingConfig, *, check: bool = False, assignment: str | None = None
) -> DataReport:
    """One Found per dataset (only those ``assignment`` reads, when given); check=True only
    looks (copies, extracts, downloads nothing)."""
    entries = []
    modules = DATASETS
    if assignment is not None:
        from autograder.catalog import kit_for
        from autograder.data.environment import VARIABLES

        config.assignment(assignment)  # ConfigError for an unknown one
        modules = tuple(VARIABLES[v] for v in kit_for(assignment).datasets if v in VARIABLES)
    for module in modules:
        try:
            found = module.find(config) if check else module.provision(config)
        except MissingDataError as exc:
            found = Found(module.NAME, Status.MISSING, Kind.NONE, "", note=str(exc))
        except DataError as exc:
            found = Found(module.NAME, Status.ERROR, Kind.NONE, "", note=f"{module.NAME}: {exc}")
        entries.append(found)
    return DataReport(tuple(entries))


def main(*, config: str | None = None, check: bool = False, assignment: str | None = None) -> int:
    """Print one line per dataset (name, status, source kind, path); 0 when all are found."""
    report = collect(load_config(config), check=check, assignment=assignment)
    for line in report.lines():
        print(line)
    for entry in report.entries:
        if entry.status in (Status.PENDING, Status.ONLINE) and entry.note:
            print(f"note: {entry.dataset}: {entry.note.removeprefix(entry.dataset + ': ')}")
    for problem in report.problems():
        print(problem, file=sys.stderr)
    return 0 if report.all_found else 1
