"""`make lab` saves figures as plotly data only: no PNG snapshot, as the notebooks store them.

JupyterLab's plotly extension adds an ``image/png`` snapshot to every figure it draws; the
server configuration ``make lab`` uses (src/lowback/app/jupyter/lab/) drops it on save. These
tests run the real contents manager on that configuration, with no server or browser.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager
from nbformat import v4
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from lowback import config

LAB_CONFIG = config.PACKAGE_DIR / "app" / "jupyter" / "lab"
PLOTLY = "application/vnd.plotly.v1+json"
PNG = "image/png"
SNAPSHOT = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUA=="  # a PNG
)


def lab_config() -> Config:
    return PyFileConfigLoader("jupyter_server_config.py", path=str(LAB_CONFIG)).load_config()


def notebook_as_jupyterlab_saves_it() -> nbformat.NotebookNode:
    """A figure's output after JupyterLab drew it (a snapshot added), and a PNG of its own."""
    figure = go.Figure(go.Bar(x=["a"], y=[1]))
    plotly_output = v4.new_output(
        "display_data", data=pio.renderers["plotly_mimetype"].to_mimebundle(figure.to_dict())
    )
    plotly_output["data"][PNG] = SNAPSHOT
    plotly_output["data"]["text/plain"] = "Figure"
    image_output = v4.new_output("display_data", data={PNG: SNAPSHOT, "text/plain": "<Figure>"})
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell("fig", outputs=[plotly_output]),
        v4.new_code_cell("plt.show()", outputs=[image_output]),
        v4.new_markdown_cell("text"),
    ]
    return nb


def test_saving_drops_the_snapshot_of_a_figure_and_keeps_other_images(tmp_path: Path) -> None:
    manager = FileContentsManager(root_dir=str(tmp_path), config=lab_config())
    nb = notebook_as_jupyterlab_saves_it()
    manager.save(
        {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))},
        "a.ipynb",
    )
    saved = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    figure, image = (cell.outputs[0]["data"] for cell in saved.cells[:2])
    assert set(figure) == {PLOTLY, "text/plain"}
    assert figure[PLOTLY] == nb.cells[0].outputs[0]["data"][PLOTLY]
    assert image == {PNG: SNAPSHOT, "text/plain": "<Figure>"}
    assert saved.cells[2].source == "text"


def test_without_the_lab_config_the_snapshot_would_be_saved(tmp_path: Path) -> None:
    manager = FileContentsManager(root_dir=str(tmp_path))
    nb = notebook_as_jupyterlab_saves_it()
    manager.save(
        {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))},
        "a.ipynb",
    )
    saved = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    assert PNG in saved.cells[0].outputs[0]["data"]


def test_the_config_applied_again_says_nothing_but_another_hook_is_said(tmp_path: Path) -> None:
    manager = FileContentsManager(root_dir=str(tmp_path), config=lab_config())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        manager.update_config(lab_config())  # as Jupyter Server does once JupyterLab is loaded
    assert not [w for w in caught if "pre_save_hook" in str(w.message)]

    def another_hook(model, **kwargs):
        pass

    with pytest.warns(UserWarning, match="another_hook"):
        manager.pre_save_hook = another_hook


def test_the_pinned_renderer_stores_a_figure_as_plotly_data_only() -> None:
    recipe = re.search(
        r"^lab:.*\n((?:\t.*\n)+)", (config.PROJECT_DIR / "Makefile").read_text(), flags=re.MULTILINE
    )
    assert recipe is not None
    renderer = re.search(r"PLOTLY_RENDERER=(\S+)", recipe.group(1))
    assert renderer is not None
    bundle = pio.renderers[renderer.group(1)].to_mimebundle(
        go.Figure(go.Bar(x=["a"], y=[1])).to_dict()
    )
    assert set(bundle) == {PLOTLY}
    assert "JUPYTER_CONFIG_PATH=$(LAB_CONFIG)" in recipe.group(1)
    assert (
        "LAB_CONFIG := $(CURDIR)/src/lowback/app/jupyter/lab"
        in (config.PROJECT_DIR / "Makefile").read_text()
    )


@pytest.mark.parametrize(
    "path", sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb")), ids=lambda p: p.name
)
def test_the_committed_notebooks_hold_no_figure_snapshot(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    figures = [
        o["data"] for c in nb.cells for o in c.get("outputs", []) if PLOTLY in o.get("data", {})
    ]
    assert figures
    assert all(PNG not in data for data in figures)
