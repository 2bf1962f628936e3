"""Tests for lowback.publish.slides: notebooks to offline, self-contained reveal.js decks.

The real notebooks are not executed here (slow): their committed outputs come from a clean
run, and the decks are built from them. reveal.js comes from npm, installed once per
session; without npm or the registry the tests that need it are skipped, loudly, except
under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbformat import v4
from plotly.offline import get_plotlyjs

from lowback import config
from lowback.errors import ReportError
from lowback.publish.folders import MARKER_NAME
from lowback.publish.pages import (
    PLOTLY_MIMETYPE,
    count_figures,
    count_rendered_figures,
    remote_resources,
)
from lowback.publish.slides import (
    build_slides,
    count_slide_figures,
    notebook_to_slides,
    slide_type,
)
from tests.conftest import PACKAGE_JSON, pinned_reveal_version

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


# ---------------------------------------------------------------------------------------------
# Reading decks
# ---------------------------------------------------------------------------------------------


@dataclass
class Slide:
    """One slide (an inner ``<section>``): its position, text, headings and scripts."""

    h: int
    v: int
    text: str = ""
    headings: list[str] = field(default_factory=list)
    scripts: str = ""
    notes: str = ""
    fragments: int = 0


class _DeckReader(HTMLParser):
    """Collect the slides of a deck and every tag that loads a file (src=, <link>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.slides: list[Slide] = []
        self.loading: list[str] = []
        self.depth = 0
        self.h = -1
        self.v = -1
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "src" in values or tag == "link":
            self.loading.append(f"<{tag} {values}>")
        if tag == "section":
            self.depth += 1
            if self.depth == 1:
                self.h, self.v = self.h + 1, -1
            elif self.depth == 2:
                self.v += 1
                self.slides.append(Slide(self.h, self.v))
        if self.slides and self.depth == 2 and tag == "div":
            self.slides[-1].fragments += "fragment" in (values.get("class") or "").split()
        if tag in ("script", "aside", "h1", "h2", "h3"):
            self.open.append(tag)
            if tag in ("h1", "h2", "h3") and self.depth == 2:
                self.slides[-1].headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.depth -= 1
        if self.open and self.open[-1] == tag:
            self.open.pop()
            if tag in ("h1", "h2", "h3") and self.depth == 2:
                headings = self.slides[-1].headings
                headings[-1] = headings[-1].rstrip("\N{PILCROW SIGN}").strip()  # anchor link

    def handle_data(self, data: str) -> None:
        if self.depth != 2:
            return
        slide = self.slides[-1]
        if "script" in self.open:
            slide.scripts += data
        elif "aside" in self.open:
            slide.notes += data
        else:
            slide.text += data
            if self.open and self.open[-1] in ("h1", "h2", "h3"):
                slide.headings[-1] += data


def _read_deck(html: str) -> _DeckReader:
    reader = _DeckReader()
    reader.feed(html)
    reader.close()
    return reader


def _figure_output(y: list[int]) -> nbformat.NotebookNode:
    figure = json.loads(pio.to_json(go.Figure(go.Bar(x=list(range(len(y))), y=y))))
    return v4.new_output("display_data", data={PLOTLY_MIMETYPE: figure, "text/plain": "Figure"})


def _text_output(text: str) -> nbformat.NotebookNode:
    return v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)


def _tagged(cell: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    cell.metadata["slideshow"] = {"slide_type": kind}
    return cell


def _code(source: str, kind: str, *outputs: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return _tagged(v4.new_code_cell(source, outputs=list(outputs)), kind)


def _markdown(source: str, kind: str) -> nbformat.NotebookNode:
    return _tagged(v4.new_markdown_cell(source), kind)


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.cells = list(cells)
    return nb


@pytest.fixture(scope="module")
def committed() -> dict[str, nbformat.NotebookNode]:
    """The notebooks as committed, with the outputs of a clean run."""
    return {path.stem: nbformat.read(path, as_version=4) for path in NOTEBOOKS}


@pytest.fixture(scope="module")
def decks(committed: dict, reveal_dir: Path) -> dict[str, str]:
    """One deck per committed notebook."""
    return {name: notebook_to_slides(nb, reveal_dir=reveal_dir) for name, nb in committed.items()}


# ---------------------------------------------------------------------------------------------
# Assets and tags
# ---------------------------------------------------------------------------------------------


def test_package_json_pins_exact_versions_and_no_lock_is_committed():
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    assert manifest["private"] is True
    assert sorted(manifest["dependencies"]) == ["axe-core", "reveal.js"]
    for version in manifest["dependencies"].values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert manifest["dependencies"]["reveal.js"] == pinned_reveal_version()
    assert not (config.PROJECT_DIR / "package-lock.json").exists()


def test_every_notebook_is_tagged_for_slides(committed):
    assert len(committed) == len(list(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))) >= 4
    for name, nb in committed.items():
        kinds = [slide_type(cell) for cell in nb.cells]
        assert all("slideshow" in cell.metadata for cell in nb.cells), name
        assert kinds[0] == "slide", name
        for cell, kind in zip(nb.cells, kinds, strict=True):
            if "parameters" in cell.metadata.get("tags", []) or "library_versions()" in cell.source:
                assert kind == "skip", (name, cell.source[:40])
        # Every figure is on a slide: none is skipped.
        assert count_slide_figures(nb) == count_figures(nb) > 0, name


# ---------------------------------------------------------------------------------------------
# The real decks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [path.stem for path in NOTEBOOKS])
def test_deck_draws_every_figure_on_a_slide_with_its_heading(name, committed, decks):
    html, nb = decks[name], committed[name]
    slides = _read_deck(html).slides
    # Enough to tell the story, few enough for one sitting (02 has its plain-words slides).
    assert 8 <= len(slides) <= 24, f"{name}: {len(slides)} slides"
    drawn = sum(count_rendered_figures(slide.scripts) for slide in slides)
    assert drawn == count_rendered_figures(html) == count_slide_figures(nb) == count_figures(nb)
    for slide in slides:
        if count_rendered_figures(slide.scripts):
            assert any(h.strip() for h in slide.headings), f"{name}: figure slide with no heading"
    # Each level-2 heading of the notebook starts a slide.
    sections = [
        line[3:].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown" and slide_type(cell) != "skip"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert sections
    assert all(any(slide.headings[:1] == [s] for slide in slides) for s in sections), name


@pytest.mark.parametrize("name", [path.stem for path in NOTEBOOKS])
def test_deck_is_self_contained_with_reveal_and_plotly_inlined_once(name, decks, reveal_dir):
    html = decks[name]
    reader = _read_deck(html)
    assert reader.loading == [], "a tag loads a file"
    assert remote_resources(html) == []
    assert "@import" not in html
    assert html.count(get_plotlyjs()) == 1
    core = (reveal_dir / "dist" / "reveal.js").read_text(encoding="utf-8")
    assert html.count(core[:300]) == 1
    assert "Reveal.initialize(" in html
    assert "require.min.js" not in html and "requirejs" not in html


def test_code_inputs_and_skipped_cells_are_absent_from_the_real_deck(committed, decks):
    html = decks["02-symptom-classifier"]
    nb = committed["02-symptom-classifier"]
    comment = "# name: (signs reported, age)"  # one token, even when highlighted
    assert any(comment in cell.source for cell in nb.cells if cell.cell_type == "code")
    assert comment not in html  # a code input
    assert not re.search(r'class="[^"]*\bjp-InputArea-editor\b', html)  # no code editor at all
    explorer = next(c for c in nb.cells if "symptom_explorer(" in c.source and c.outputs)
    assert "HBox(children=" in explorer.outputs[0].data["text/plain"]
    assert "HBox(children=" not in html  # the output of a skipped cell
    assert "Every split, in words" in html  # a markdown cell that is shown


def test_same_notebook_gives_the_same_bytes_and_is_not_modified(committed, decks, reveal_dir):
    nb = committed["03-risk-factors"]
    before = nbformat.writes(nb)
    assert notebook_to_slides(nb, reveal_dir=reveal_dir) == decks["03-risk-factors"]
    assert nbformat.writes(nb) == before


# ---------------------------------------------------------------------------------------------
# Slide rules, on small notebooks
# ---------------------------------------------------------------------------------------------


def test_slide_types_drive_sections_fragments_and_notes(reveal_dir):
    nb = _notebook(
        _markdown("# Deck title", "slide"),
        _code("x = 1", "-", _text_output("'first-output'")),
        _markdown("Second, vertically", "subslide"),
        _markdown("A fragment", "fragment"),
        _markdown("Say this aloud", "notes"),
        _markdown("## Next topic", "slide"),
    )
    slides = _read_deck(notebook_to_slides(nb, reveal_dir=reveal_dir)).slides
    assert [(s.h, s.v) for s in slides] == [(0, 0), (0, 1), (1, 0)]
    assert "first-output" in slides[0].text and "Second" not in slides[0].text
    assert slides[1].fragments == 1 and "Say this aloud" in slides[1].notes
    assert "Say this aloud" not in slides[1].text
    assert slides[2].headings == ["Next topic"]


def test_skipped_cells_and_their_figures_are_left_out(reveal_dir):
    nb = _notebook(
        _markdown("# Figures", "slide"),
        _code("INPUT_MARKER_1 = fig", "-", _figure_output([1, 2])),
        _code("hidden", "skip", _figure_output([3, 4]), _text_output("'skipped-output'")),
        _markdown("skipped-markdown", "skip"),
    )
    assert (count_figures(nb), count_slide_figures(nb)) == (2, 1)
    html = notebook_to_slides(nb, reveal_dir=reveal_dir)
    assert count_rendered_figures(html) == 1
    for absent in ("skipped-output", "skipped-markdown", "INPUT_MARKER_1"):
        assert absent not in html
    assert "Plotly.newPlot(" in _read_deck(html).slides[0].scripts


def test_no_shown_figure_means_no_plotlyjs(reveal_dir):
    nb = _notebook(_markdown("# Text only", "slide"), _code("f", "skip", _figure_output([1])))
    html = notebook_to_slides(nb, reveal_dir=reveal_dir)
    assert get_plotlyjs()[:200] not in html
    assert count_rendered_figures(html) == 0


def test_templates_come_from_the_package_not_the_working_directory(
    reveal_dir, tmp_path, monkeypatch
):
    """A ``reveal``, ``lab`` or ``offline-slides`` folder in the working directory is not a
    template."""
    for name in ("reveal", "lab", "offline-slides"):
        (tmp_path / name).mkdir()
        for template in ("index.html.j2", "base.html.j2"):
            (tmp_path / name / template).write_text("hijacked", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    html = notebook_to_slides(_notebook(_markdown("# Safe", "slide")), reveal_dir=reveal_dir)
    assert "hijacked" not in html and "<title>Safe</title>" in html


def test_slide_cells_are_split_at_headings_with_the_caption_kept_behind(reveal_dir):
    nb = _notebook(
        _markdown("# Title", "slide"),
        _code("fig", "-", _figure_output([5, 6])),
        _markdown("*Figure 1.* the-caption\n\n## Two\n\nbody-two\n\n## Three\n\nbody-3", "slide"),
        _markdown("```\n## fenced, not a heading\n```\n\n## Four", "-"),
    )
    slides = _read_deck(notebook_to_slides(nb, reveal_dir=reveal_dir)).slides
    assert [s.headings for s in slides] == [["Title"], ["Two"], ["Three", "Four"]]
    assert "the-caption" in slides[0].text and "body-two" in slides[1].text
    assert "fenced, not a heading" in slides[2].text


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_missing_reveal_dir_is_a_clear_error(tmp_path, committed):
    missing = tmp_path / "node_modules" / "reveal.js"
    with pytest.raises(ReportError, match=r"make slides") as info:
        notebook_to_slides(committed["01-knowledge-base"], reveal_dir=missing)
    assert str(missing) in str(info.value)

    (missing / "dist").mkdir(parents=True)  # a folder without reveal.js's files
    with pytest.raises(ReportError, match=r"dist/reveal\.js.*make slides"):
        notebook_to_slides(committed["01-knowledge-base"], reveal_dir=missing)


def test_build_checks_reveal_before_running_any_notebook(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ReportError, match=r"reveal\.js not found"):
        build_slides([tmp_path / "not-run.ipynb"], out, reveal_dir=tmp_path / "nothing")
    assert not out.exists()


def test_remote_image_and_all_skipped_are_errors(reveal_dir):
    remote = _notebook(_markdown("# T\n\n![x](https://example.org/x.png)", "slide"))
    with pytest.raises(ReportError, match="remote resource"):
        notebook_to_slides(remote, reveal_dir=reveal_dir)
    hidden = _notebook(_markdown("# T", "skip"), _markdown("aside", "notes"))
    with pytest.raises(ReportError, match="no cell to show"):
        notebook_to_slides(hidden, reveal_dir=reveal_dir)


# ---------------------------------------------------------------------------------------------
# Building: executes two tiny notebooks
# ---------------------------------------------------------------------------------------------


@pytest.mark.kernel
def test_build_writes_decks_only_when_every_notebook_ran(tmp_path, reveal_dir):
    good = tmp_path / "good.ipynb"
    bad = tmp_path / "bad.ipynb"
    nbformat.write(
        _notebook(
            _markdown("# Good deck", "slide"),
            _code("import plotly.graph_objects as go\ngo.Figure(go.Bar(y=[1, 3]))", "-"),
        ),
        good,
    )
    nbformat.write(_notebook(_markdown("# Bad", "slide"), _code("1 / 0", "-")), bad)
    out = tmp_path / "decks"
    stored = good.read_bytes()

    assert build_slides([good], out, reveal_dir=reveal_dir) == [out / "good.slides.html"]
    html = (out / "good.slides.html").read_text(encoding="utf-8")
    assert count_rendered_figures(html) == 1 and "<title>Good deck</title>" in html
    assert good.read_bytes() == stored  # executed in memory only

    (out / "good.slides.html").write_text("earlier deck", encoding="utf-8")
    with pytest.raises(ReportError, match=r"bad\.ipynb.*ZeroDivisionError"):
        build_slides([good, bad], out, reveal_dir=reveal_dir)
    assert (out / "good.slides.html").read_text(encoding="utf-8") == "earlier deck"
    assert sorted(p.name for p in out.iterdir()) == [MARKER_NAME, "good.slides.html"]


# ---------------------------------------------------------------------------------------------
# Speaker notes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [path.stem for path in NOTEBOOKS])
def test_every_slide_of_every_deck_has_speaker_notes(name, decks):
    slides = _read_deck(decks[name]).slides
    silent = [f"{s.h + 1}.{s.v + 1} {s.headings[:1]}" for s in slides if not s.notes.strip()]
    assert not silent, f"{name}: slides without speaker notes: {silent}"


def test_a_slide_without_notes_is_seen(reveal_dir):
    """The check above can fail: a deck whose second slide has no notes cell."""
    nb = _notebook(
        _markdown("# Title", "slide"),
        _markdown("Say the title", "notes"),
        _markdown("## Silent", "slide"),
    )
    slides = _read_deck(notebook_to_slides(nb, reveal_dir=reveal_dir)).slides
    assert [bool(s.notes.strip()) for s in slides] == [True, False]


def test_sections_inside_an_output_are_not_slides(reveal_dir):
    cards = "<div><section role='listitem'>card one</section><SECTION>card two</SECTION></div>"
    html_output = v4.new_output("display_data", data={"text/html": cards})
    nb = _notebook(_markdown("# Cards", "slide"), _code("cards", "-", html_output))
    html = notebook_to_slides(nb, reveal_dir=reveal_dir)
    slides = _read_deck(html).slides
    assert len(slides) == 1 and "card one" in slides[0].text and "card two" in slides[0].text
    assert re.search(r"<article[^>]*>card one</article>", html)
    assert re.search(r"<article>card two</article>", html, re.IGNORECASE)
