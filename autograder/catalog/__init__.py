"""The registry of assignments: one module per assignment, registered here and nowhere else.

Adding an assignment touches its module here, ``solutions/NAME.ipynb``, ``reference/NAME.py`` and
``grading.toml``.
"""

from __future__ import annotations

from autograder.catalog import mlp, sentence_embeddings, word2vec
from autograder.catalog.kit import AssignmentKit
from autograder.errors import BuildError

REGISTRY: dict[str, AssignmentKit] = {
    module.KIT.name: module.KIT for module in (mlp, word2vec, sentence_embeddings)
}


def kit_for(name: str) -> AssignmentKit:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise BuildError(f"the kit has no assignment {name!r} (known: {known})") from None


__all__ = ["REGISTRY", "AssignmentKit", "kit_for"]
