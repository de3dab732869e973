"""Every workbook orchestra writes, printed by LibreOffice and read back from the PDF as a
reader meets it: no text below a readable size, no text printed over other text, every page
with its sheet's name. Skipped where LibreOffice or poppler (pdftotext) is absent."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT

from orchestra.cli import main

BANK = ROOT / "inputs" / "bank.xlsx"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice and poppler are needed to print and read the pages "
           "(apt install libreoffice-calc poppler-utils)")
# A word's box is about 1.3 times its font size (Carlito and DejaVu as LibreOffice prints
# them): 10.4 points is 8 pt text.
READABLE_BOX = 10.0
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"([^<]*)</word>")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def pages(workbook: Path, tmp: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """The workbook printed to PDF by LibreOffice, each page's words with their boxes."""
    profile = tmp / "lo-profile"
    done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp), str(workbook)],
                          capture_output=True, timeout=300, check=False)
    pdf = tmp / (workbook.stem + ".pdf")
    assert pdf.exists(), done.stderr.decode(errors="replace")
    html = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          timeout=120, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(p)]
            for p in html.split("<page ")[1:]]


def overlaps(words) -> list[tuple[str, str]]:
    """Pairs of words whose boxes cross by more than a third of the smaller one's height and
    width: text printed over text."""
    found = []
    boxes = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b[1] >= a[3]:
                break
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > min(a[2] - a[0], b[2] - b[0]) / 3 and dy > min(a[3] - a[1], b[3] - b[1]) / 3:
                found.append((a[4], b[4]))
    return found


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """Every kind of workbook orchestra writes, for the bank."""
    out = tmp_path_factory.mktemp("printed")
    quick = ("--time-limit", "10")
    books = {}
    for name, args in (
            ("report", ("plan", BANK, "--explain", "--alternatives", "1", "-o")),
            ("comparison", ("compare", BANK, "-o")),
            ("stress", ("stress", BANK, "-o")),
            ("explain", ("explain", BANK, "--role", "R07", "-o"))):
        path = out / f"{name}.xlsx"
        result = run(*args, path, *quick)
        assert result.exit_code in (0, 1), result.output
        books[name] = path
    path = out / "frontier.xlsx"
    assert run("frontier", BANK, "--budgets", "450000:700000:3", "-o", path, *quick
               ).exit_code in (0, 1)
    books["frontier"] = path
    assert run("bids", BANK, "-o", out / "outbox", "--partner", "P09").exit_code == 0
    books["bid"] = out / "outbox" / "P09.xlsx"
    inbox = out / "inbox"
    inbox.mkdir()
    shutil.copy(books["bid"], inbox / "P09.xlsx")
    wb = openpyxl.load_workbook(inbox / "P09.xlsx")
    header = [c.value for c in wb["partner"][1]]
    wb["partner"].cell(row=2, column=header.index("submitted") + 1, value="yes")
    wb.save(inbox / "P09.xlsx")
    result = run("feedback", BANK, "--bids", inbox, "-o", out / "feedback", *quick)
    assert result.exit_code == 0, result.output
    books["feedback"] = out / "feedback" / "P09.xlsx"
    for name, args in (("award", ("plan", BANK, "--bids", inbox, "-o")),
                       ("scenarios", ("compare", BANK, "--scenarios", "-o"))):
        path = out / f"{name}.xlsx"
        result = run(*args, path, *quick)
        assert result.exit_code in (0, 1), result.output
        books[name] = path
    return books


@pytest.mark.parametrize("kind", ["report", "comparison", "stress", "explain", "frontier",
                                  "bid", "feedback", "award", "scenarios"])
def test_every_page_prints_readable_text_and_none_over_other_text(workbooks, kind, tmp_path):
    book = workbooks[kind]
    sheets = openpyxl.load_workbook(book).sheetnames
    for number, words in enumerate(pages(book, tmp_path), start=1):
        body = [w for w in words if w[3] - w[1] > 0]
        assert body, f"{kind} page {number} is blank"
        smallest = min(w[3] - w[1] for w in body)
        assert smallest >= READABLE_BOX, (
            f"{kind} page {number}: text {smallest / 1.3:.1f} pt, below 8 pt")
        assert not overlaps(body), f"{kind} page {number}: {overlaps(body)[:3]}"
        said = " ".join(w[4] for w in body)  # the page header and footer name the sheet
        assert any(name in said for name in sheets), f"{kind} page {number}: no sheet name"
