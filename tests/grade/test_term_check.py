"""A notebook generated for another term or variant is refused with a one-line reason."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from autograder.errors import SubmissionError
from autograder.grade.pipeline import _check_made_for

BATCH = SimpleNamespace(term="2026-fall", variant="abc123")


def notebook(**kit):
    return {"cells": [], "metadata": {"kit": kit}}


@pytest.mark.parametrize(
    ("kit", "message"),
    [
        ({"term": "2025-spring", "variant": "abc123"}, "--term 2025-spring"),
        ({"term": "2026-fall", "variant": "ffff00"}, "other parameters"),
    ],
)
def test_other_terms_and_variants_are_refused(kit, message):
    with pytest.raises(SubmissionError, match=message) as info:
        _check_made_for(BATCH, notebook(assignment="mlp", **kit))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kit",
    [{"term": "2026-fall", "variant": "abc123"}, {"term": "2026-fall"}, {}, {"term": 5}],
)
def test_this_terms_notebooks_and_untagged_ones_pass(kit):
    _check_made_for(BATCH, notebook(**kit))
