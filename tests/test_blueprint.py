"""The service blueprint page: parsed back, hostile names as text, nothing loaded from elsewhere,
journey order, and a real browser's screenshot."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from conftest import ROOT, tiny_tables, write_xlsx

from orchestra.io import load_network
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, plan
from orchestra.report.blueprint import blueprint, print_parts, render_html, write_blueprint
from orchestra.score import score

FAST = SolveSettings(time_limit_s=10, workers=2)


class _Page(HTMLParser):
    """Every text node, every tag and every attribute of a page."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def _parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def bank():
    network = load_network(ROOT / "inputs" / "bank.xlsx")
    result = plan(network, load_profile("balanced"), FAST)
    return network, result, score(network, result)


def test_the_page_shows_every_touchpoint_partner_and_line(bank, tmp_path):
    network, result, scores = bank
    out = write_blueprint(network, result, scores, tmp_path / "bp.html")
    page = _parsed(out.read_text(encoding="utf-8"))
    text = " ".join(page.texts)
    for tp in network.touchpoints:
        assert tp.touchpoint_id in text
    for pid in result.selected:
        assert network.partner[pid].name[:20] in text
    for line in ("line of interaction", "line of visibility", "line of internal interaction"):
        assert line in page.texts
    for lane in ("physical evidence", "customer actions", "front stage", "back stage",
                 "support processes"):
        assert lane in page.texts
    assert "svg" in page.tags and "script" not in page.tags


def test_nothing_is_loaded_from_elsewhere(bank):
    html = render_html(blueprint(*bank))
    page = _parsed(html)
    assert not [(k, v) for k, v in page.attrs if k in ("src", "href", "xlink:href")]
    assert "url(" not in html and "@import" not in html
    # The one address is SVG's namespace name, which no browser fetches.
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')


def test_hostile_names_are_text(tmp_path):
    tables = tiny_tables()
    for k, row in enumerate(tables["partners"]):
        row["name"] = f'<script>alert("{k}")</script>'
    tables["touchpoints"][0]["name"] = "Q&A <b>desk</b>"
    network = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    result = plan(network, load_profile("balanced"), FAST)
    html = render_html(blueprint(network, result, score(network, result)))
    page = _parsed(html)
    assert "script" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;" in html and "Q&amp;A &lt;b&gt;desk&lt;/b&gt;" in html


def test_columns_follow_the_journey(bank):
    network, result, scores = bank
    ids = [c.touchpoint_id for c in blueprint(network, result, scores).columns]
    kinds = [network.touchpoint[t].kind for t in ids]
    assert kinds == sorted(kinds)  # acquisition before utilization, no step given
    last = network.touchpoints[-1]
    stepped = dataclasses.replace(network, touchpoints=tuple(
        dataclasses.replace(t, step=1 if t is last else None) for t in network.touchpoints))
    assert blueprint(stepped, result, scores).columns[0].touchpoint_id == last.touchpoint_id


def test_each_role_sits_in_its_lane(bank):
    network, result, scores = bank
    for column in blueprint(network, result, scores).columns:
        stage = network.touchpoint[column.touchpoint_id].stage
        for lane, boxes in column.boxes.items():
            for box in boxes:
                assert (lane == "front") == (stage == "front")
                served = [a.partner_id for a in result.assignments if a.role_id == box.role_id]
                in_house = bool(served) and all(network.partner[p].kind == "internal"
                                                for p in served)
                assert (lane == "support") == (stage == "back" and in_house)


# A word's box in the PDF is its font's ascent and descent: 1.164 times the size in DejaVu Sans.
DEJAVU_BOX = 1.164
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: the screenshot check needs it "
                                             "(apt install chromium)")
def test_chromium_renders_the_page_and_prints_it_readably(bank, tmp_path):
    out = write_blueprint(*bank, tmp_path / "bp.html")
    shot, pdf = tmp_path / "bp.png", tmp_path / "bp.pdf"
    flags = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
             f"--user-data-dir={tmp_path / 'profile'}"]
    env = {**os.environ, "HOME": str(tmp_path)}
    for extra in ([f"--screenshot={shot}", "--window-size=1800,1100"],
                  [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"]):
        subprocess.run([*flags, *extra, out.as_uri()], capture_output=True, timeout=120,
                       check=False, env=env)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    pages = pdf.read_bytes().count(b"/Type /Page\n") + pdf.read_bytes().count(b"/Type /Page>")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines()
                         if line.startswith("Pages:")))
    # Twelve touchpoints on one A3 page would print below 7 pt: two pages of six.
    assert pages == len(print_parts(blueprint(*bank, _memo(*bank)))) == 2
    if shutil.which("pdftotext"):
        import re

        boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                               text=True, timeout=60).stdout
        heights = [float(b) - float(a) for a, b in re.findall(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
        assert min(heights) / DEJAVU_BOX >= 7.0


def test_the_report_carries_the_blueprint_in_cells(bank, tmp_path):
    import openpyxl

    from orchestra.report.workbook import write_report

    network, result, scores = bank
    out = write_report(network, result, scores, tmp_path / "report.xlsx")
    ws = openpyxl.load_workbook(out)["blueprint"]
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for tp in network.touchpoints:
        assert f"({tp.touchpoint_id})" in texts
    for a in result.assignments:
        assert f"({a.role_id})" in texts and network.partner[a.partner_id].name in texts
    lanes = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    # The three lines as borders above the front, back and support lanes.
    for lane, style in (("front stage", "thick"), ("back stage", "mediumDashed"),
                        ("support processes", "dotted")):
        row = lanes.index(lane) + 1
        assert ws.cell(row=row - 1, column=2).border.bottom.style == style


def test_the_step_column_is_read_and_checked(tmp_path):
    from orchestra.errors import InputError

    tables = tiny_tables()
    tables["touchpoints"][0]["step"] = 3
    network = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    assert network.touchpoints[0].step == 3
    tables["touchpoints"][0]["step"] = 0
    with pytest.raises(InputError, match=r"touchpoints!\w+2"):
        load_network(write_xlsx(tmp_path / "bad.xlsx", tables))


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                    reason="chromium and pdftotext are needed to print and measure the page "
                           "(apt install chromium poppler-utils)")
def test_thirty_touchpoints_print_on_pages_of_readable_text(tmp_path):
    import re

    import orchestra
    from orchestra.generate import generate_tables
    from orchestra.report.inputs import write_input_workbook

    source = write_input_workbook(tmp_path / "big.xlsx", generate_tables(60, 120, seed=3))
    network = orchestra.load_workbook(source)
    assert len(network.touchpoints) >= 30
    result = orchestra.plan(network, orchestra.load_profile("lowest_cost"), FAST)
    scores = score(network, result)
    out = write_blueprint(network, result, scores, tmp_path / "bp.html")
    parts = print_parts(blueprint(network, result, scores, _memo(network, result, scores)))
    assert len(parts) >= 5 and sum(len(p.columns) for p in parts) == len(network.touchpoints)
    pdf = tmp_path / "bp.pdf"
    subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", out.as_uri()], capture_output=True, timeout=180,
                   check=False, env={**os.environ, "HOME": str(tmp_path)})
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert f"Pages:           {len(parts)}" in info
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, timeout=60).stdout
    heights = [float(b) - float(a) for a, b in re.findall(
        r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
    assert min(heights) / DEJAVU_BOX >= 7.0
    # On screen the page keeps its natural width (10 px text) and scrolls.
    from orchestra.report.blueprint import COLUMN_WIDTH, LABEL_WIDTH

    natural = LABEL_WIDTH + len(network.touchpoints) * COLUMN_WIDTH + 10
    assert f"min-width: {natural}px" in out.read_text(encoding="utf-8")


def _memo(network, result, scores):
    from orchestra.memo import memo
    from orchestra.score.baseline import baseline

    return memo(network, result, scores, baseline(network, result.profile, result))


def test_a_role_at_many_sites_is_one_box_or_one_site_alone(tmp_path):
    from test_sites import hotels

    from orchestra.io.loader import network_from_rows

    tables = hotels()
    tables["partners"][0]["capacity"] = 1  # North Clean can take one northern hotel only
    network = network_from_rows(tables)
    result = plan(network, load_profile("lowest_cost"), SolveSettings(time_limit_s=20))
    scores = score(network, result)
    [cleaning] = [box for col in blueprint(network, result, scores).columns
                  for boxes in col.boxes.values() for box in boxes if box.role_id == "R1"]
    # H1 North Clean, H2 National (3), H3 Coast Clean: every site filled, three partners.
    assert (cleaning.sites, cleaning.filled, cleaning.required) == ("sites 3/3 filled", 3, 3)
    assert {name for name, _ in cleaning.partners} == {"North Clean", "National",
                                                       "Coast Clean"}
    at_h3 = blueprint(network, result, scores, site="H3")
    boxes = {box.role_id: box for col in at_h3.columns for boxes in col.boxes.values()
             for box in boxes}
    assert boxes["R1"].partners == (("Coast Clean", boxes["R1"].partners[0][1]),)
    assert (boxes["R1"].sites, boxes["R1"].required) == ("", 1)
    assert "R2" in boxes  # the network-wide booking system serves every site
    assert "site H3 Bay" in at_h3.subtitle
    page = render_html(at_h3)
    assert "Coast Clean" in page and "North Clean" not in page
