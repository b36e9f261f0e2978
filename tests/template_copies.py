"""A reviewer's working copy of letter_templates/ for a test, and one edit of it that fails loudly when the
text it replaces is gone (the test is then out of date, not passing by accident)."""

from __future__ import annotations

import shutil
from pathlib import Path

from correspondence.config import TEMPLATES_DIR


def copy_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    return folder


def edit_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path}: update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
