"""`lowback figures`: its arguments, what it refuses and its exit codes (no browser needed)."""

from __future__ import annotations

import argparse

import pytest
from nbformat import v4, write

from lowback.cli.figures import _figures, add_figures_parser
from lowback.publish import static_figures
from lowback.publish.pages import PLOTLY_MIMETYPE


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lowback")
    add_figures_parser(parser.add_subparsers(dest="command", required=True))
    return _figures(parser.parse_args(["figures", *argv]))


@pytest.fixture
def notebook(tmp_path):
    output = v4.new_output("display_data", data={PLOTLY_MIMETYPE: {"data": [], "layout": {}}})
    path = tmp_path / "01-one.ipynb"
    write(v4.new_notebook(cells=[v4.new_code_cell("fig", outputs=[output])]), path)
    return path


def test_it_writes_and_lists_the_files(notebook, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        static_figures, "to_images", lambda figures, *, format, scale: [b"%PDF"] * len(figures)
    )
    out = tmp_path / "out"
    assert _run([str(notebook), "--format", "pdf", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out / '01-one-fig01.pdf'}\n"
    assert (out / "01-one-fig01.pdf").read_bytes() == b"%PDF"


def test_an_unknown_format_exits_2_naming_the_valid_ones(notebook, tmp_path, capsys):
    assert _run([str(notebook), "--format", "gif", "--out", str(tmp_path / "out")]) == 2
    assert "expected one of png, svg, pdf" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_empty_exits_2_without_force(notebook, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    assert _run([str(notebook), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_without_chromium_it_exits_1_saying_how_to_install_it(
    notebook, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LOWBACK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert _run([str(notebook), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lowback figures: no Chromium")
    assert "apt-get install chromium" in err and "LOWBACK_CHROMIUM" in err


def test_the_notebooks_and_out_are_required(capsys):
    with pytest.raises(SystemExit) as exited:
        _run(["--format", "png"])
    assert exited.value.code == 2


@pytest.mark.parametrize("where", ["/", "src", "tests", "notebooks"])
def test_the_root_and_the_projects_folders_are_refused_even_with_force(
    notebook, monkeypatch, capsys, where
):
    from lowback import config

    def drew(*args, **kwargs):
        raise AssertionError("figures were drawn: the folder should have been refused")

    monkeypatch.setattr(static_figures, "to_images", drew)
    monkeypatch.setattr(static_figures, "write_atomic_set", drew)
    out = config.PROJECT_DIR / where
    assert _run([str(notebook), "--out", str(out), "--force"]) == 1
    assert f"lowback figures: refusing to write figures into {out}: " in capsys.readouterr().err
