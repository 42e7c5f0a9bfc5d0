"""CSV files people edit or download (rosters, worksheets, manual.csv, overrides.csv), read
strictly: any problem is one line naming the file, the line and what is wrong."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import GradesError

MAX_TABLE_BYTES = 32 * 2**20


@dataclass(frozen=True)
class Table:
    path: Path
    header: list[str]
    rows: list[dict[str, str]]  # each with "__line__" (its line in the file)

    def error(self, row: dict[str, str] | None, message: str) -> GradesError:
        where = f"{self.path}:{row['__line__']}" if row else str(self.path)
        return GradesError(f"{where}: {message}")


def read_table(path: Path, *, required: tuple[str, ...] = (), what: str = "table") -> Table:
    """A CSV with a header row; ``required`` columns must be present (spelled as the LMS does)."""
    path = Path(path)
    try:
        if path.is_symlink() or not path.is_file():
            raise GradesError(f"{path}: no such {what} file")
        raw = path.read_bytes()[: MAX_TABLE_BYTES + 1]
    except OSError as exc:
        raise GradesError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    if len(raw) > MAX_TABLE_BYTES:
        raise GradesError(f"{path}: larger than {MAX_TABLE_BYTES // 2**20} MB; not a {what}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GradesError(f"{path}: not UTF-8 text; save the {what} as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise GradesError(f"{path}: empty; expected a {what} with a header row")
        duplicate = next((h for h in header if h and header.count(h) > 1), None)
        if duplicate:
            raise GradesError(f"{path}: the column {duplicate!r} appears twice")
        missing = [c for c in required if c not in header]
        if missing:
            raise GradesError(
                f"{path}: not a {what}: no column {', '.join(repr(c) for c in missing)} "
                f"(columns found: {', '.join(h for h in header if h)[:200]})"
            )
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise GradesError(
                    f"{path}:{reader.line_num}: {len(values)} cells in a row of a "
                    f"{len(header)}-column {what}"
                )
            row = dict(zip(header, (v.strip() for v in values), strict=False))
            row.update({h: "" for h in header[len(values) :]})
            row["__line__"] = str(reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        raise GradesError(f"{path}:{reader.line_num}: not a readable CSV ({exc})") from None
    return Table(path, header, rows)


def spreadsheet_text(cell: str) -> str:
    """Undo the ``'`` the kit puts before text a spreadsheet would run as a formula."""
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell
