"""The registered-mail deposit list is laid out in parts (a part's memory, not the list's) and reads as one
list: every line once and in order, each reference unbroken, the head on the first page, the totals and signatures at the end, each
page numbered "n / N" in its footer, the list's title on every page, fonts embedded."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pikepdf
import pytest

from correspondence.config import TEMPLATES_DIR, Settings, load_fund
from correspondence.mailroom import sheets

DAY = date(2026, 10, 1)


def _rows(count: int) -> list[dict[str, object]]:
    return [{"sequence": n, "recipient": f"Recipient{n:04d} Claes & Partners", "address": f"Avenue Reine Astrid {n}",
             "postcode": "1000", "city": "VILLERS-AUX-TOURS", "country": "BE" if n % 7 else "NL", "letter_id": f"20261001-{n:06d}",
             "reference": "+++000/0001/26197+++"} for n in range(1, count + 1)]


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "deposit_list.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.parametrize(("lines", "per_part"), [(0, 30), (12, 30), (30, 30), (75, 30)])
def test_a_list_laid_out_in_parts_reads_as_one_list(lines: int, per_part: int, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "DEPOSIT_ROWS", per_part)
    fund = load_fund(Settings.from_env().fund_file)
    pdf = sheets.deposit_list(TEMPLATES_DIR, fund, DAY, _rows(lines), ["registered/batch-0001.pdf"])
    pages = _pages(pdf, tmp_path)
    total = len(pages)
    assert total >= max(1, -(-lines // per_part))  # each part from a new page
    for number, page in enumerate(pages, start=1):
        footer = page.strip().splitlines()[-1]
        assert re.search(rf"\b{number} ?/ ?{total}$", footer), footer  # -layout may close up "n / N"
        assert "Afgiftelijst aangetekende zendingen" in footer  # the list's title, on every page
    text = "".join(pages)
    assert re.findall(r"Recipient(\d{4})", text) == [f"{n:04d}" for n in range(1, lines + 1)]
    assert text.count("+++000/0001/26197+++") == lines  # each reference whole on its line, as the counter reads it
    assert text.count("Aantal zendingen") == 1 and "Aantal zendingen" in pages[0]
    assert text.count("Stempel en handtekening postkantoor") == 1 and "Stempel" in pages[-1]
    assert re.search(rf"Totaal · Total: {lines}\b", pages[-1].replace("\n", " ").replace("  ", " "))
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert len(opened.pages) == total
    fonts = subprocess.run(["pdffonts", str(tmp_path / "deposit_list.pdf")], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)
