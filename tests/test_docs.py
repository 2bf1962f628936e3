"""`make docs`: the API reference builds, strictly, and loads nothing from the network."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from lowback import config

# Tags that make a browser fetch something as the page loads (an <a href> does not).
LOADS = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
PAGES = ["records", "simulation", "assessment", "risk", "figures", "exports", "errors"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=config.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_scan_finds_a_remote_script():
    page = '<script src="https://cdn.example.org/x.js"></script><link href="//cdn.x/y.css">'
    assert LOADS.findall(page) == ["https://cdn.example.org/x.js", "//cdn.x/y.css"]
    assert LOADS.findall('<a href="https://example.org">a link</a>') == []


def test_no_page_loads_anything_from_the_network(site):
    remote = {
        str(page.relative_to(site)): LOADS.findall(page.read_text(encoding="utf-8"))
        for page in site.rglob("*.html")
    }
    assert {page: urls for page, urls in remote.items() if urls} == {}
    assert len(remote) >= len(PAGES) + 3  # the API pages, index, README and architecture


@pytest.mark.parametrize("page", PAGES)
def test_each_api_page_documents_its_names(site, page):
    html = (site / "api" / f"{page}.html").read_text(encoding="utf-8")
    names = re.findall(
        r"^::: (\S+)", (config.PROJECT_DIR / "docs/api" / f"{page}.md").read_text(), re.M
    )
    assert names
    for name in names:
        assert f'id="{name}"' in html, name


def test_the_site_holds_the_readme_and_the_architecture_with_their_pictures(site):
    assert "Two commands" in (site / "readme.html").read_text(encoding="utf-8")
    assert "one room per job" in (site / "architecture.html").read_text(encoding="utf-8")
    assert (site / "tree.png").is_file()


def test_every_public_name_is_in_the_reference():
    pages = "".join(
        p.read_text(encoding="utf-8") for p in (config.PROJECT_DIR / "docs/api").glob("*.md")
    )
    import lowback

    missing = [n for n in lowback._PUBLIC if f"::: lowback.{n}\n" not in pages]
    assert missing == []
