"""lowback.publish.static_figures without a browser: names, counts, the folder rules.

The drawing is replaced by a stub here; tests/browser/test_static_figures.py draws.
"""

from __future__ import annotations

import nbformat
import pytest
from nbformat import v4

from lowback import config
from lowback.errors import FigureExportError, ReportError
from lowback.publish import static_figures
from lowback.publish.pages import PLOTLY_MIMETYPE, count_figures
from lowback.publish.static_figures import figure_name, stored_figures, write_figures

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))


def _figure_output(title: str) -> nbformat.NotebookNode:
    return v4.new_output(
        "display_data", data={PLOTLY_MIMETYPE: {"data": [], "layout": {"title": {"text": title}}}}
    )


@pytest.fixture
def notebook(tmp_path):
    """A stored notebook: three figures, the second in a cell tagged ``key-figure``."""
    nb = v4.new_notebook()
    plain = v4.new_code_cell("fig", outputs=[_figure_output("one")])
    key = v4.new_code_cell("fig", metadata={"tags": ["key-figure"]})
    key.outputs = [v4.new_output("stream", text="x"), _figure_output("two")]
    nb.cells = [
        v4.new_markdown_cell("# T"),
        plain,
        key,
        v4.new_code_cell("fig", outputs=[_figure_output("three")]),
    ]
    path = tmp_path / "05-extra.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_drawing(monkeypatch):
    """Replace the browser: each figure's image is its title, so the files can be told apart."""
    calls = []

    def to_images(figures, *, format, scale):
        figures = list(figures)
        calls.append((len(figures), format, scale))
        return [f"{f['layout']['title']['text']}.{format}".encode() for f in figures]

    monkeypatch.setattr(static_figures, "to_images", to_images)
    return calls


def test_a_name_gives_notebook_position_and_figure_tags():
    assert figure_name("02-symptom-classifier", 3) == "02-symptom-classifier-fig03"
    assert figure_name("01-kb", 12, ["key-figure"]) == "01-kb-fig12-key-figure"
    tags = ["lesson-08-nih", "hide-input", "key-figure"]
    assert figure_name("04-nih", 1, tags) == "04-nih-fig01-key-figure-lesson-08-nih"
    assert figure_name("my notebook", 1) == "my-notebook-fig01"


def test_a_tag_with_a_final_newline_is_not_a_lesson_tag():
    """``$`` would match before the newline: the tag would go into the name as ``-``."""
    assert figure_name("01-kb", 2, ["lesson-01-intro\n"]) == "01-kb-fig02"
    assert figure_name("01-kb", 2, ["lesson-01-intro"]) == "01-kb-fig02-lesson-01-intro"


def test_every_stored_figure_of_the_study_is_found_once_with_a_unique_name():
    assert len(NOTEBOOKS) == 4
    figures = stored_figures(NOTEBOOKS)
    expected = sum(count_figures(nbformat.read(p, as_version=4)) for p in NOTEBOOKS)
    assert len(figures) == expected
    assert len({f.stem for f in figures}) == expected
    for path in NOTEBOOKS:
        mine = [f for f in figures if f.notebook == path]
        assert [f.position for f in mine] == list(range(1, len(mine) + 1))
        key = [f for f in mine if "key-figure" in f.stem]
        assert len(key) == 1, f"{path.name} has one key figure"
        assert all(f.stem.startswith(f"{path.stem}-fig") for f in mine)


def test_the_files_are_named_in_order_and_hold_their_own_figure(notebook, tmp_path, fake_drawing):
    out = tmp_path / "out"
    written = write_figures([notebook], out, format="svg", scale=2)
    assert [p.name for p in written] == [
        "05-extra-fig01.svg",
        "05-extra-fig02-key-figure.svg",
        "05-extra-fig03.svg",
    ]
    assert [p.read_bytes() for p in written] == [b"one.svg", b"two.svg", b"three.svg"]
    assert fake_drawing == [(3, "svg", 2)], "one drawing for the whole set"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)


def test_a_folder_that_is_not_empty_is_refused_without_force(notebook, tmp_path, fake_drawing):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(FileExistsError, match=r"not empty.*--force"):
        write_figures([notebook], out)
    assert fake_drawing == [], "refused before drawing"
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    write_figures([notebook], out, force=True)
    assert (out / "mine.txt").read_text() == "keep"
    assert (out / "05-extra-fig01.png").read_bytes() == b"one.png"


def test_an_unknown_format_is_refused(notebook, tmp_path, fake_drawing):
    with pytest.raises(FigureExportError, match="expected one of png, svg, pdf"):
        write_figures([notebook], tmp_path / "out", format="gif")
    assert not (tmp_path / "out").exists()


def test_without_chromium_nothing_is_written(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("LOWBACK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(FigureExportError, match="apt-get install chromium"):
        write_figures([notebook], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_notebook_without_figures_or_unreadable_is_a_report_error(tmp_path, fake_drawing):
    empty = tmp_path / "empty.ipynb"
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell("1")]), empty)
    with pytest.raises(ReportError, match=r"no plotly figure stored in .*empty\.ipynb"):
        write_figures([empty], tmp_path / "out")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ReportError, match=r"cannot read the notebook .*broken\.ipynb"):
        write_figures([broken], tmp_path / "out")


def test_two_notebooks_of_one_name_are_refused(notebook, tmp_path, fake_drawing):
    other = tmp_path / "elsewhere" / notebook.name
    other.parent.mkdir()
    other.write_bytes(notebook.read_bytes())
    with pytest.raises(ReportError, match="would both write 05-extra-fig01"):
        write_figures([notebook, other], tmp_path / "out")
