"""Environment variables a notebook kernel or grading sandbox needs for the lecture's code."""

from __future__ import annotations

import os

from autograder.config import GradingConfig, load_config
from autograder.data import fashion_mnist, imdb, nltk_corpus, text_embedding
from autograder.data.errors import MissingDataError

# env var -> the module whose provisioned path it carries
VARIABLES = {
    "KIT_FASHION_MNIST_DIR": fashion_mnist,
    "NLTK_DATA": nltk_corpus,
    "KIT_IMDB_DIR": imdb,
    "KIT_TEXT_EMBEDDING_HANDLE": text_embedding,
}


def notebook_environment(config: GradingConfig | None = None) -> dict[str, str]:
    """TF_USE_LEGACY_KERAS=1 plus one variable per dataset available offline.

    Provisions from local sources only (places Fashion-MNIST in the keras cache, extracts the
    shared IMDB archive once) and never downloads: a dataset that is missing is left out,
    while a corrupt one raises DataError. The text-embedding handle is set even when it is
    the online one, since that is what the notebook would use anyway.
    """
    config = config or load_config()
    env = {"TF_USE_LEGACY_KERAS": "1"}
    for variable, module in VARIABLES.items():
        try:
            env[variable] = module.provision(config, download=False).path
        except MissingDataError:
            continue
    return env


def apply_notebook_environment(config: GradingConfig | None = None) -> dict[str, str]:
    """Give this process the notebooks' environment (also for an nltk imported earlier)."""
    import sys

    env = notebook_environment(config)
    os.environ.update(env)
    if "nltk" in sys.modules and env.get("NLTK_DATA"):
        import nltk

        if env["NLTK_DATA"] not in nltk.data.path:
            nltk.data.path.insert(0, env["NLTK_DATA"])
    return env
