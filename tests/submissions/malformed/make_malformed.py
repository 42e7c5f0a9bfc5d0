"""Write the malformed-submission fixtures: inputs that must each end as that one submission's
``invalid`` status (with a one-line reason) while the rest of the batch is graded, plus a few
legal-but-odd inputs (BOM, huge cell counts, hostile file names) that must be ``graded``.

Pure standard library and deterministic: zips are assembled byte by byte with a fixed
1980-01-01 timestamp, so running this twice gives byte-identical files (given the same zlib).

    python tests/submissions/malformed/make_malformed.py     # committed fixtures + expected.toml

Tests that want every case, including the ones too big or too odd to commit (``GENERATED_ONLY``:
a 40 MB notebook, a 255-byte file name, a FIFO, ...), call ``write_all(tmp_path)``, which returns
{file name: expected status}.
"""

from __future__ import annotations

import json
import os
import pathlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

HERE = pathlib.Path(__file__).resolve().parent
EXPECTED_TOML = "expected.toml"

GRADED, INVALID = "graded", "invalid"
MiB = 2**20
CAP = 32 * MiB  # autograder.grade.discover.MAX_NOTEBOOK_BYTES
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
DOS_TIME = 0
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- notebooks


def code_cell(index: int, source: object) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": f"cell-{index}",
        "metadata": {},
        "outputs": [],
        "source": source,
    }


def minimal_notebook(sources: tuple[str, ...] = ("x = 1", "print(x)")) -> dict:
    """nbformat 4.5, python3 kernelspec, two code cells: scores 0 points but is ``graded``."""
    return {
        "cells": [code_cell(i, s) for i, s in enumerate(sources)],
        "metadata": {"kernelspec": dict(KERNELSPEC)},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(value: object) -> str:
    """The way Jupyter writes a notebook: indent 1, non-ASCII kept, trailing newline."""
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


def encode(value: object) -> bytes:
    return dumps(value).encode("utf-8")


VALID = encode(minimal_notebook())


def _mutated(change: Callable[[dict], None]) -> Callable[[], bytes]:
    """A maker: the minimal notebook with one change applied."""

    def make() -> bytes:
        notebook = minimal_notebook()
        change(notebook)
        return encode(notebook)

    return make


def _set(key: str, value: object) -> Callable[[dict], None]:
    def change(nb: dict) -> None:
        nb[key] = value

    return change


def _set_cell0(key: str, value: object) -> Callable[[dict], None]:
    def change(nb: dict) -> None:
        nb["cells"][0][key] = value

    return change


def _del_cell0(key: str) -> Callable[[dict], None]:
    def change(nb: dict) -> None:
        del nb["cells"][0][key]

    return change


def _cell_is_string(nb: dict) -> None:
    nb["cells"][0] = "x = 1"


def _cells_dict(nb: dict) -> None:
    nb["cells"] = {str(i): cell for i, cell in enumerate(nb["cells"])}


DEPTH = 100_000


def nested_in_cells() -> bytes:
    nb = minimal_notebook()
    marker = '"@@NESTED@@"'
    nb["cells"] = [json.loads(marker)]
    return encode(nb).replace(marker.encode(), b"[" * DEPTH + b"]" * DEPTH)


def nested_top() -> bytes:
    return b"[" * DEPTH + b"]" * DEPTH + b"\n"


def latin1() -> bytes:
    return dumps(minimal_notebook(("x = 1  # café, naïve, 25 °C", "print(x)"))).encode("latin-1")


def invalid_utf8_sequence() -> bytes:
    # 0xC3 0x28: bad continuation; 0xC0 0xAF: overlong "/"; 0xED 0xA0 0x80: encoded surrogate
    raw = encode(minimal_notebook(("x = 1  # @@BYTES@@", "print(x)")))
    return raw.replace(b"@@BYTES@@", b"\xc3\x28 \xc0\xaf \xed\xa0\x80 \xff")


def lone_surrogate_escape() -> bytes:
    # Valid JSON syntax, but "\ud800" decodes to a str that cannot be encoded as UTF-8 again.
    raw = encode(minimal_notebook(("x = 1  # @@ESC@@", "print(x)")))
    return raw.replace(b"@@ESC@@", b"\\ud800")


def utf16_bom() -> bytes:
    return b"\xff\xfe" + dumps(minimal_notebook()).encode("utf-16-le")


def utf8_bom() -> bytes:
    return b"\xef\xbb\xbf" + VALID


def _replace_once(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert raw.count(old) == 1, old
    return raw.replace(old, new)


def nan_literal() -> bytes:
    raw = encode(minimal_notebook())
    return _replace_once(
        raw,
        b'"execution_count": null,\n   "id": "cell-0"',
        b'"execution_count": NaN,\n   "id": "cell-0"',
    )


def infinity_literal() -> bytes:
    nb = minimal_notebook()
    nb["metadata"]["kit_ratio"] = "@@INF@@"
    nb["metadata"]["kit_floor"] = "@@NEGINF@@"
    raw = encode(nb)
    raw = _replace_once(raw, b'"@@INF@@"', b"Infinity")
    return _replace_once(raw, b'"@@NEGINF@@"', b"-Infinity")


def duplicate_keys() -> bytes:
    # Two "cells" keys, each a valid cell list with different code: Python keeps the last one,
    # other readers may keep the first, so what the TA sees need not be what is graded.
    first = minimal_notebook(("x = 1", "print(x)"))["cells"]
    second = minimal_notebook(("x = 2", "print(x * 1000)"))["cells"]
    body = ",\n".join(
        [
            f' "cells": {json.dumps(first, indent=1)}',
            f' "metadata": {json.dumps({"kernelspec": KERNELSPEC})}',
            ' "nbformat": 4',
            ' "nbformat_minor": 5',
            f' "cells": {json.dumps(second, indent=1)}',
        ]
    )
    return ("{\n" + body + "\n}\n").encode()


def nbformat3() -> bytes:
    def cell(text: str, count: int) -> dict:
        return {
            "cell_type": "code",
            "collapsed": False,
            "input": [text],
            "language": "python",
            "metadata": {},
            "outputs": [],
            "prompt_number": count,
        }

    return encode(
        {
            "metadata": {"name": "mlp"},
            "nbformat": 3,
            "nbformat_minor": 0,
            "worksheets": [{"cells": [cell("x = 1", 1), cell("print(x)", 2)], "metadata": {}}],
        }
    )


def many_empty_cells(n: int = 50_000) -> bytes:
    nb = minimal_notebook()
    start = len(nb["cells"])
    nb["cells"] += [code_cell(start + i, "") for i in range(n)]
    return encode(nb)


def big_notebook(size: int = 40 * MiB) -> bytes:
    """A valid notebook of exactly ``size`` bytes: a display_data output with a huge PNG string."""
    nb = minimal_notebook()
    nb["cells"][1]["outputs"] = [
        {
            "data": {"image/png": "@@PNG@@", "text/plain": ["<Figure>"]},
            "metadata": {},
            "output_type": "display_data",
        }
    ]
    raw = encode(nb)
    pad = size - (len(raw) - len(b"@@PNG@@"))
    return _replace_once(raw, b"@@PNG@@", b"A" * pad)


# --------------------------------------------------------------------------- zips


@dataclass
class Member:
    """One zip entry. The overrides let a field lie: both headers carry the same lie."""

    name: str
    data: bytes = b""
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    crc: int | None = None  # default: CRC-32 of data
    file_size: int | None = None  # declared uncompressed size; default len(data)
    payload: bytes | None = None  # the stored bytes; default data compressed with method
    local_name: str | None = None  # name in the local header; default name
    external_attr: int = 0o100644 << 16


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def build_zip(members: list[Member]) -> bytes:
    """A plain ZIP (no zip64, no data descriptors) with fixed timestamps."""
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        local = (m.local_name if m.local_name is not None else m.name).encode("utf-8")
        flags = m.flags | (0x800 if not m.name.isascii() else 0)
        if m.payload is not None:
            payload = m.payload
        elif m.method == zipfile.ZIP_STORED:
            payload = m.data
        else:
            payload = deflate(m.data)
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        size = len(m.data) if m.file_size is None else m.file_size
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            flags,
            m.method,
            DOS_TIME,
            DOS_DATE,
            crc,
            len(payload),
            size,
            len(local),
            0,
        )
        out += local + payload
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            (3 << 8) | 20,
            20,
            flags,
            m.method,
            DOS_TIME,
            DOS_DATE,
            crc,
            len(payload),
            size,
            len(name),
            0,
            0,
            0,
            0,
            m.external_attr,
            offset,
        )
        central += name
    cd_offset = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_offset, 0
    )
    return bytes(out)


OTTER_LOG = Member(".OTTER_LOG", b"not a pickle: the grader must never unpickle this\n")


def otter_zip(*members: Member) -> bytes:
    return build_zip([*members, OTTER_LOG])


def zip_valid() -> bytes:
    return otter_zip(Member("mlp.ipynb", VALID))


def zip_truncated() -> bytes:
    full = zip_valid()
    return full[: len(full) // 2]


def zip_encrypted_flag() -> bytes:
    return otter_zip(Member("mlp.ipynb", VALID, flags=0x1))


def zip_unknown_method() -> bytes:
    return otter_zip(Member("mlp.ipynb", VALID, method=99, payload=deflate(VALID)))


def zip_corrupt_deflate() -> bytes:
    stream = bytearray(deflate(VALID))
    stream[0] |= 0b110  # BTYPE = 11, reserved: "invalid block type"; CRC and sizes kept
    return otter_zip(Member("mlp.ipynb", VALID, payload=bytes(stream)))


def zip_bad_crc() -> bytes:
    return otter_zip(Member("mlp.ipynb", VALID, crc=zlib.crc32(VALID) ^ 0xFFFFFFFF))


def zip_duplicate_names() -> bytes:
    other = encode(minimal_notebook(("x = 2", "print(x * 1000)")))
    return otter_zip(Member("mlp.ipynb", VALID), Member("mlp.ipynb", other))


def zip_nested_second_notebook() -> bytes:
    other = encode(minimal_notebook(("x = 2", "print(x * 1000)")))
    return otter_zip(Member("mlp.ipynb", VALID), Member("sub/mlp.ipynb", other))


def zip_no_notebook() -> bytes:
    return otter_zip(
        Member("mlp.py", b"x = 1\nprint(x)\n"), Member("README.txt", b"forgot the notebook\n")
    )


def zip_dotdot() -> bytes:
    return otter_zip(Member("../../evil.ipynb", VALID))


def zip_absolute() -> bytes:
    return otter_zip(Member("/tmp/kit-evil-absolute.ipynb", VALID))


def zip_name_mismatch() -> bytes:
    return otter_zip(Member("mlp.ipynb", VALID, local_name="../../evil.ipynb"))


def zip_symlink() -> bytes:
    return otter_zip(
        Member("mlp.ipynb", b"/etc/passwd", method=zipfile.ZIP_STORED, external_attr=0o120777 << 16)
    )


def zip_empty_member() -> bytes:
    return otter_zip(Member("mlp.ipynb", b""))


def zip_big_notebook() -> bytes:
    data = big_notebook()
    return otter_zip(Member("mlp.ipynb", data))


def zip_many_cells() -> bytes:
    return otter_zip(Member("mlp.ipynb", many_empty_cells()))


BOMB_SIZE = 2**30
BOMB_DECLARED = 10 * MiB


def zip_bomb() -> bytes:
    """mlp.ipynb declares 10 MB but inflates to 1 GiB: a valid notebook then spaces (still valid
    JSON). The CRC is the true one, so a reader that stops at the declared size sees a bad CRC,
    and one that ignores it must stop at the 32 MB cap."""
    prefix = VALID
    chunk = b" " * MiB
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    parts, crc = [c.compress(prefix)], zlib.crc32(prefix)
    left = BOMB_SIZE - len(prefix)
    while left:
        piece = chunk if left >= len(chunk) else chunk[:left]
        parts.append(c.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    parts.append(c.flush())
    member = Member("mlp.ipynb", crc=crc, file_size=BOMB_DECLARED, payload=b"".join(parts))
    return otter_zip(member)


def zip_many_members(n: int = 100_000) -> bytes:
    """n tiny members and, last, one valid mlp.ipynb; over 65,535 entries, so zip64 records."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:

        def put(name: str, data: bytes, method: int) -> None:
            info = zipfile.ZipInfo(name, FIXED_DATE_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = method
            archive.writestr(info, data)

        for i in range(n):
            put(f"data/{i:06d}.txt", b"x", zipfile.ZIP_STORED)
        put("mlp.ipynb", VALID, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# --------------------------------------------------------------------------- file names

LONG_NAME = "long_" + "x" * (255 - len("long_") - len(".ipynb")) + ".ipynb"  # 255 bytes
NON_UTF8_NAME = os.fsdecode(b"bad_\xff\xfe_latin1_\xe9t\xe9.ipynb")  # bytes, not UTF-8

# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    status: str
    why: str
    make: Callable[[], bytes] | None = None  # None: written by a special writer (see SPECIAL)


def _fifo(path: pathlib.Path) -> None:
    os.mkfifo(path)


def _symlink_outside(path: pathlib.Path) -> None:
    os.symlink("/etc/passwd", path)


SPECIAL: dict[str, Callable[[pathlib.Path], None]] = {
    "fifo.ipynb": _fifo,
    "symlink_to_etc_passwd.ipynb": _symlink_outside,
}


def _valid() -> bytes:
    return VALID


CASES: list[Case] = [
    # controls
    Case(
        "valid_control.ipynb",
        GRADED,
        "control: the minimal valid notebook (x = 1; print(x))",
        _valid,
    ),
    Case(
        "zip_valid_control.zip",
        GRADED,
        "control: otter-style zip with mlp.ipynb and .OTTER_LOG",
        zip_valid,
    ),
    # notebook JSON structure
    Case(
        "metadata_null.ipynb",
        INVALID,
        'top-level "metadata" is null',
        _mutated(_set("metadata", None)),
    ),
    Case(
        "metadata_list.ipynb",
        INVALID,
        'top-level "metadata" is a list, not an object',
        _mutated(_set("metadata", [{"kernelspec": KERNELSPEC}])),
    ),
    Case("cells_null.ipynb", INVALID, '"cells" is null', _mutated(_set("cells", None))),
    Case(
        "cells_dict.ipynb",
        INVALID,
        '"cells" is an object {"0": cell, "1": cell}, not a list',
        _mutated(_cells_dict),
    ),
    Case(
        "cell_is_string.ipynb",
        INVALID,
        'the first cell is the string "x = 1", not an object',
        _mutated(_cell_is_string),
    ),
    Case(
        "cell_source_int.ipynb",
        INVALID,
        'a code cell whose "source" is the integer 1',
        _mutated(_set_cell0("source", 1)),
    ),
    Case(
        "cell_source_list_non_strings.ipynb",
        INVALID,
        '"source" is a list holding an int, null, a list and an object besides strings',
        _mutated(_set_cell0("source", ["x = ", 1, None, ["print(x)"], {"a": 1}])),
    ),
    Case(
        "cell_missing_cell_type.ipynb",
        INVALID,
        'a cell without "cell_type"',
        _mutated(_del_cell0("cell_type")),
    ),
    Case(
        "code_cell_missing_source.ipynb",
        INVALID,
        'a code cell without "source"',
        _mutated(_del_cell0("source")),
    ),
    Case(
        "top_level_array.ipynb",
        INVALID,
        "the top-level JSON value is an array holding the notebook",
        lambda: encode([minimal_notebook()]),
    ),
    Case(
        "top_level_string.ipynb",
        INVALID,
        "the top-level JSON value is a string (the notebook JSON-encoded twice)",
        lambda: encode(dumps(minimal_notebook())),
    ),
    Case(
        "nested_100000_in_cells.ipynb",
        INVALID,
        "a notebook whose cells list holds [[[...]]] nested 100,000 deep (RecursionError)",
        nested_in_cells,
    ),
    Case(
        "nested_100000_top.ipynb",
        INVALID,
        "the whole file is [[[...]]] nested 100,000 deep (RecursionError)",
        nested_top,
    ),
    # encodings and empty files
    Case(
        "not_utf8_latin1.ipynb",
        INVALID,
        "the notebook is encoded in latin-1 (é, ï, ° as single bytes)",
        latin1,
    ),
    Case(
        "not_utf8_invalid_sequence.ipynb",
        INVALID,
        "invalid UTF-8 inside a string: C3 28, overlong C0 AF, encoded surrogate ED A0 80, FF",
        invalid_utf8_sequence,
    ),
    Case(
        "lone_surrogate_escape.ipynb",
        INVALID,
        'valid JSON syntax but "\\ud800" (a lone surrogate) cannot be re-encoded as UTF-8',
        lone_surrogate_escape,
    ),
    Case(
        "utf16_bom.ipynb",
        INVALID,
        "a valid notebook encoded as UTF-16LE with a BOM (JSON must be UTF-8)",
        utf16_bom,
    ),
    Case(
        "utf8_bom_valid.ipynb",
        GRADED,
        "the minimal valid notebook with a UTF-8 BOM in front: accept it",
        utf8_bom,
    ),
    Case("empty.ipynb", INVALID, "a 0-byte file", lambda: b""),
    Case(
        "whitespace_only.ipynb",
        INVALID,
        "only spaces, tabs and newlines",
        lambda: b" \n\t\r\n   \n",
    ),
    Case(
        "nan_literal.ipynb", INVALID, '"execution_count": NaN (not JSON per RFC 8259)', nan_literal
    ),
    Case(
        "infinity_literal.ipynb",
        INVALID,
        "metadata values Infinity and -Infinity (not JSON per RFC 8259)",
        infinity_literal,
    ),
    Case(
        "duplicate_keys.ipynb",
        INVALID,
        'two "cells" keys with different code: which one is the submission is ambiguous',
        duplicate_keys,
    ),
    Case(
        "nbformat3_worksheets.ipynb",
        INVALID,
        'nbformat 3 layout: cells under worksheets[0], code in "input"',
        nbformat3,
    ),
    # zips
    Case(
        "zip_not_a_zip.zip",
        INVALID,
        "plain text named .zip",
        lambda: b"This is not a zip file, just text with a .zip name.\n",
    ),
    Case(
        "zip_truncated.zip",
        INVALID,
        "an otter zip cut in half (no central directory)",
        zip_truncated,
    ),
    Case(
        "zip_encrypted_flag.zip",
        INVALID,
        "mlp.ipynb has the encrypted flag (bit 0) set in both headers; data is not encrypted",
        zip_encrypted_flag,
    ),
    Case(
        "zip_unknown_compression_99.zip",
        INVALID,
        "mlp.ipynb has compression method 99 (AE-x) in both headers",
        zip_unknown_method,
    ),
    Case(
        "zip_corrupt_deflate.zip",
        INVALID,
        "mlp.ipynb's deflate stream starts with reserved block type 11; CRC and sizes kept",
        zip_corrupt_deflate,
    ),
    Case("zip_bad_crc.zip", INVALID, "mlp.ipynb's CRC-32 is inverted in both headers", zip_bad_crc),
    Case(
        "zip_duplicate_member_names.zip",
        INVALID,
        "two members both named mlp.ipynb with different code: ambiguous",
        zip_duplicate_names,
    ),
    Case(
        "zip_two_notebooks_nested.zip",
        INVALID,
        "mlp.ipynb and sub/mlp.ipynb with different code: ambiguous",
        zip_nested_second_notebook,
    ),
    Case(
        "zip_no_notebook.zip",
        INVALID,
        "mlp.py, README.txt and .OTTER_LOG but no .ipynb",
        zip_no_notebook,
    ),
    Case(
        "zip_member_dotdot.zip",
        INVALID,
        "the only notebook is ../../evil.ipynb: never extract it, reject it",
        zip_dotdot,
    ),
    Case(
        "zip_member_absolute.zip",
        INVALID,
        "the only notebook is /tmp/kit-evil-absolute.ipynb: never extract it, reject it",
        zip_absolute,
    ),
    Case(
        "zip_header_name_mismatch.zip",
        INVALID,
        "central directory says mlp.ipynb, local header says ../../evil.ipynb",
        zip_name_mismatch,
    ),
    Case(
        "zip_symlink_member.zip",
        INVALID,
        "mlp.ipynb is a unix symlink entry pointing at /etc/passwd",
        zip_symlink,
    ),
    Case(
        "zip_empty_notebook_member.zip", INVALID, "mlp.ipynb is a 0-byte member", zip_empty_member
    ),
    Case(
        "zip_notebook_40mb.zip",
        INVALID,
        "mlp.ipynb is a valid notebook of 40 MB, honestly declared: over the 32 MB cap",
        zip_big_notebook,
    ),
    Case(
        "zip_50000_empty_cells.zip",
        GRADED,
        "mlp.ipynb has the 2 cells plus 50,000 empty code cells: legal, just big",
        zip_many_cells,
    ),
    Case(
        "zip_bomb_1gb.zip",
        INVALID,
        "mlp.ipynb declares 10 MB but inflates to 1 GiB (notebook, spaces; true CRC): over cap",
        zip_bomb,
    ),
    # hostile file names, each holding the minimal valid notebook
    Case("name_with\nnewline.ipynb", GRADED, "a newline in the file name", _valid),
    Case(
        "$(touch $(printf '\\57tmp\\57kit-pwned-dollar')).ipynb",
        GRADED,
        "shell command substitution; if run by sh it creates /tmp/kit-pwned-dollar",
        _valid,
    ),
    Case(
        "`touch $(printf '\\57tmp\\57kit-pwned-backtick')`.ipynb",
        GRADED,
        "backtick command substitution; if run by sh it creates /tmp/kit-pwned-backtick",
        _valid,
    ),
    Case(
        "-=cmd|' \\C calc'!A0.ipynb",
        GRADED,
        "starts with '-' (option injection) and holds a CSV/DDE formula (\\ for /, which no "
        "file name can hold)",
        _valid,
    ),
    Case("张伟_mlp.ipynb", GRADED, "a Chinese name", _valid),
    Case("🎓_student_👩\u200d💻_mlp.ipynb", GRADED, "emoji, including a ZWJ sequence", _valid),
    Case(
        '100% "done" %s%n%x %(name)s.ipynb',
        GRADED,
        "percent signs, printf/%-format specs, double quotes",
        _valid,
    ),
    Case(
        "rlo_\u202eenod_mlp.ipynb", GRADED, "a right-to-left override (U+202E) in the name", _valid
    ),
    # generated at test time only (see GENERATED_ONLY)
    Case(
        "large_40mb.ipynb", INVALID, "a valid notebook of 40 MB: over the 32 MB cap", big_notebook
    ),
    Case(
        "many_empty_cells_50000.ipynb",
        GRADED,
        "the 2 cells plus 50,000 empty code cells (7 MB): legal, just big",
        many_empty_cells,
    ),
    Case(
        "zip_100000_members.zip",
        GRADED,
        "100,000 one-byte members (zip64) and, last, a valid mlp.ipynb",
        zip_many_members,
    ),
    Case(LONG_NAME, GRADED, "a 255-byte file name, the longest Linux allows", _valid),
    Case(NON_UTF8_NAME, GRADED, "a file name whose bytes are not UTF-8 (FF FE, latin-1 é)", _valid),
    Case("fifo.ipynb", INVALID, "a named pipe: reading it blocks forever; not a regular file"),
    Case(
        "symlink_to_etc_passwd.ipynb",
        INVALID,
        "a symlink to /etc/passwd: do not follow it out of the submissions folder",
    ),
]

GENERATED_ONLY: set[str] = {
    "large_40mb.ipynb",
    "many_empty_cells_50000.ipynb",
    "zip_100000_members.zip",
    LONG_NAME,
    NON_UTF8_NAME,
    "fifo.ipynb",
    "symlink_to_etc_passwd.ipynb",
}

assert len({c.name for c in CASES}) == len(CASES), "duplicate fixture names"
assert GENERATED_ONLY <= {c.name for c in CASES}
assert all(c.status in (GRADED, INVALID) for c in CASES)


def write_all(folder: pathlib.Path, *, include_generated: bool = True) -> dict[str, str]:
    """Write every fixture into ``folder``; return {file name: expected status}.

    With ``include_generated=False`` the GENERATED_ONLY cases are skipped (what is committed).
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for case in CASES:
        if case.name in GENERATED_ONLY and not include_generated:
            continue
        path = folder / case.name
        if path.is_symlink() or path.exists():
            path.unlink()
        if case.make is None:
            SPECIAL[case.name](path)
        else:
            path.write_bytes(case.make())
        expected[case.name] = case.status
    return expected


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # an undecodable file-name byte (comments only)
            out.append(f"\\x{ord(ch) - 0xDC00:02X}")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0x200B <= ord(ch) <= 0x202E:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def expected_toml() -> str:
    lines = [
        "# Generated by make_malformed.py (edit CASES there, then re-run it).",
        "# Keys are file names. Every `invalid` needs a one-line reason, and the batch must go on;",
        "# every `graded` holds the minimal notebook (x = 1; print(x)), which scores 0 points.",
        "#",
        "# GENERATED_ONLY (not committed; write_all(tmp_path) creates them):",
    ]
    for case in CASES:
        if case.name in GENERATED_ONLY:
            shown = "long_x...x.ipynb (244 x, 255 bytes)" if case.name == LONG_NAME else case.name
            lines.append(f"#   {_toml_string(shown)} = {case.status}: {case.why}")
    for case in CASES:
        if case.name in GENERATED_ONLY:
            continue
        lines += [
            "",
            f"[{_toml_string(case.name)}]",
            f'status = "{case.status}"',
            "total = 0",
            f"why = {_toml_string(case.why)}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    for name in GENERATED_ONLY:  # never leave a generated-only file where it could be committed
        path = HERE / name
        if path.is_symlink() or path.exists():
            path.unlink()
    expected = write_all(HERE, include_generated=False)
    (HERE / EXPECTED_TOML).write_text(expected_toml(), encoding="utf-8")
    print(f"wrote {len(expected)} fixtures and {EXPECTED_TOML} to {HERE}")


if __name__ == "__main__":
    main()
