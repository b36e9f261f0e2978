"""The files of an import folder the import does not know: named, with the file meant when one is close.

Only files that look like an export are named (`.csv`, `.tsv`, `.txt`, and workbooks `.xlsx`, `.xls`,
`.ods`, in any case); anything else in the folder (`fund.toml` beside the demo's exports, a README) is left
alone. A name close to an expected one (`affiliate.csv`, `Affiliates.CSV`, `affiliates.xlsx`) gets "did you
mean affiliates.csv?"; others get the list of expected names.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods")
CLOSE = 0.75  # difflib ratio: affiliate.csv, affiliates.xlsx are close to affiliates.csv; export.csv is not


def unknown_files(directory: Path, expected: Sequence[str]) -> list[str]:
    """One message per export-like file in `directory` that is not one of the `expected` names."""
    messages = []
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        name = path.name
        if name in expected or name.startswith(".") or not name.lower().endswith(EXPORT_SUFFIXES):
            continue
        if not path.is_file() or _same_file(path, directory, expected):
            continue
        messages.append(f"{name}: {hint(name, expected)}")
    return messages


def hint(name: str, expected: Sequence[str]) -> str:
    close = difflib.get_close_matches(name.lower(), expected, n=1, cutoff=CLOSE)
    if close:
        return f"not a file the import knows, ignored; did you mean {close[0]}?"
    return f"not a file the import knows, ignored; expected names: {', '.join(expected)}"


def nothing_known(directory: Path, expected: Sequence[str]) -> str:
    return f"no file the import knows in {directory}; expected names: {', '.join(expected)}"


def _same_file(path: Path, directory: Path, expected: Sequence[str]) -> bool:
    """On a file system that ignores case, Affiliates.csv is affiliates.csv: imported, not unknown."""
    twin = directory / name if (name := path.name.lower()) in expected else None
    try:
        return twin is not None and twin.exists() and twin.samefile(path)
    except OSError:
        return False
