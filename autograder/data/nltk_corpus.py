"""The NLTK data behind ``nltk.corpus.gutenberg.sents('bible-kjv.txt')``, offline.

``sents()`` needs the Gutenberg corpus and the English punkt_tab sentence model (nltk >= 3.8.2).
The kit picks one nltk_data folder holding both and hands it to notebooks as NLTK_DATA, so the
lecture's line runs unchanged. bible-kjv.txt is checked against its published SHA-256 (NLTK
has shipped it unchanged since 2008); only when no folder has the files does it use
``nltk.download`` into the kit cache.
"""

from __future__ import annotations

from pathlib import Path

from autograder.config import GradingConfig
from autograder.data.checksums import check_sha256
from autograder.data.download import reachable
from autograder.data.errors import DataError, MissingDataError
from autograder.data.sources import Found, Kind, Status, configured_path
from autograder.paths import DATA_DIR, SHARED_DATA_DIR

NAME = "nltk"
BIBLE = Path("corpora/gutenberg/bible-kjv.txt")
BIBLE_SHA256 = "3f56c9f0bbc796312aacc5fcb49a799f5c5f729f00db3f86bff26319a93bfede"
PUNKT_DIR = Path("tokenizers/punkt_tab/english")
PUNKT_FILES = ("abbrev_types.txt", "collocations.tab", "ortho_context.tab", "sent_starters.txt")
PACKAGES = ("gutenberg", "punkt_tab")
SHARED_DIR = SHARED_DATA_DIR / "nltk_data"
KIT_DIR = DATA_DIR / "nltk_data"
INDEX_URL = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/index.xml"
FIX = (
    "set data.nltk_data_dir in grading.toml to a folder holding corpora/gutenberg and "
    f"tokenizers/punkt_tab/english (the kit's copy belongs in {SHARED_DIR}), "
    "or run `autograder data` on a machine with internet"
)


def missing_files(root: Path) -> list[str]:
    """The required files absent from an nltk_data folder (empty: usable)."""
    wanted = [BIBLE] + [PUNKT_DIR / name for name in PUNKT_FILES]
    return [str(rel) for rel in wanted if not (root / rel).is_file()]


def verify_root(root: Path) -> None:
    """Raise DataError when the folder lacks a file or bible-kjv.txt is not the published one."""
    lacking = missing_files(root)
    if lacking:
        raise DataError(f"{root}: lacks {', '.join(lacking)}")
    check_sha256(root / BIBLE, BIBLE_SHA256)


def _standard_paths() -> list[Path]:
    import nltk.data  # ~0.3 s; the search path includes NLTK_DATA and ~/nltk_data

    return [Path(p) for p in nltk.data.path]


def _candidates(config: GradingConfig) -> list[tuple[Kind, Path]]:
    out = []
    if config.data.nltk_data_dir:
        out.append((Kind.CONFIGURED, configured_path(config, config.data.nltk_data_dir)))
    out.append((Kind.SHARED, SHARED_DIR))
    out += [(Kind.STANDARD, path) for path in _standard_paths()]
    out.append((Kind.KIT, KIT_DIR))
    return out


def find(config: GradingConfig) -> Found:
    """The first nltk_data folder holding both packages, verified; writes nothing."""
    for kind, root in _candidates(config):
        if kind is Kind.CONFIGURED or not missing_files(root):
            verify_root(root)  # a configured folder must be complete
            return Found(NAME, Status.OK, kind, str(root), str(root))
    what = f"not found locally; would download {' and '.join(PACKAGES)} into {KIT_DIR}"
    return Found(NAME, Status.MISSING, Kind.NONE, "", note=str(MissingDataError(NAME, what, FIX)))


def provision(config: GradingConfig, *, download: bool = True) -> Found:
    """Find the folder, or (when allowed and online) ``nltk.download`` into the kit cache."""
    found = find(config)
    if found.found:
        return found
    if not download or not reachable(INDEX_URL):
        places = ", ".join(str(root) for _, root in _candidates(config))
        what = (
            f"corpora/gutenberg/bible-kjv.txt and tokenizers/punkt_tab/english are in none of "
            f"{places}, and the NLTK download server cannot be reached (or downloads are off)"
        )
        raise MissingDataError(NAME, what, FIX)
    import nltk

    for package in PACKAGES:
        if not nltk.download(package, download_dir=str(KIT_DIR), quiet=True):
            raise DataError(f"nltk.download({package!r}) into {KIT_DIR} failed")
    verify_root(KIT_DIR)
    return Found(NAME, Status.OK, Kind.DOWNLOADED, str(KIT_DIR), INDEX_URL)


def ensure(config: GradingConfig) -> Path:
    """The nltk_data folder to put in NLTK_DATA."""
    return Path(provision(config).path)
