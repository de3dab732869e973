"""The README and docs/ as a newcomer meets them: a front page that fits a few screens, every
link resolving (files and the headings they point at), the docs site building without a
warning, and the site's home page made from the README (one source).

Run ``python tests/test_docs.py`` to write docs/index.md anew from the README."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as MkDocs and code hosts make them."""
    out = set()
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for line in text.splitlines():  # a comment in a code block is no heading
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title).strip().replace(" ", "-")
            out.add(title)
    return out


def links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links inside code are not links
    return [a or b for a, b in LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_resolves(page):
    for target in links(page):
        if re.match(r"[a-z]+://|mailto:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: no heading #{anchor} in {path}"


def test_the_readme_is_a_front_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    first_screen = "\n".join(lines[:25])
    commands = re.findall(r"```bash\n(.*?)\n```", first_screen, flags=re.S)
    assert commands == [
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/orchestra '
        "plan inputs/bank.xlsx", ".venv/bin/python -m pytest"]


def test_every_docs_page_is_in_the_site():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        assert f" {page.name}" in nav, f"{page.name} is not in mkdocs.yml's nav"


def index_from_readme() -> str:
    """docs/index.md: the README's opening, tour and table of pages, linked from docs/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = readme[:readme.index("---")]
    tour = readme[readme.index("## Who it is for"):readme.index("## Read more")]
    table = readme[readme.index("| page | what it covers |"):readme.index("The docs build")]
    table = "\n".join(line for line in table.splitlines() if "CHANGELOG" not in line)
    text = (intro + tour + "## The pages\n\n" + table.strip() + "\n\n"
            "What each version added: `CHANGELOG.md` in the project folder.\n")
    return text.replace("](docs/", "](")


def test_the_site_home_page_is_made_from_the_readme():
    committed = (DOCS / "index.md").read_text(encoding="utf-8")
    assert committed == index_from_readme(), "run: python tests/test_docs.py"


@pytest.mark.skipif(shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None,
                    reason="MkDocs is not installed (pip install -e '.[docs]')")
def test_the_docs_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    done = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "performance" / "index.html").exists()


if __name__ == "__main__":
    (DOCS / "index.md").write_text(index_from_readme(), encoding="utf-8")
