"""Jupyter Server configuration for ``make lab``: saving keeps figures as plotly data only.

Under a kernel, plotly's default renderer stores a figure as one output of mimetype
``application/vnd.plotly.v1+json`` (``make lab`` pins it: ``PLOTLY_RENDERER=plotly_mimetype``),
and that is what the committed notebooks hold. JupyterLab draws it with the
``jupyterlab-plotly`` extension that ships with plotly, which, once a figure is drawn, adds a
PNG snapshot of it, at the size of the window, to the output (``image/png``, with
``Plotly.toImage``): merely opening a notebook makes it "changed", and saving it would add
tens of kilobytes a figure that differ from screen to screen. The extension has no setting
for this, so the server drops the snapshot as it saves (``ContentsManager.pre_save_hook``,
Jupyter Server's documented hook for what should not be saved). Any other image, a
matplotlib figure say, is kept.

``make lab`` puts this folder on ``JUPYTER_CONFIG_PATH``; your own ``~/.jupyter``
configuration still applies, and wins where both set something.
"""

import warnings

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
SNAPSHOT_MIMETYPE = "image/png"


def drop_figure_snapshots(model, **kwargs):
    """Remove the PNG snapshot from every plotly figure output of a notebook being saved.

    Parameters
    ----------
    model : dict
        The contents model Jupyter Server is about to save; changed in place. Anything
        but a notebook is left alone.
    **kwargs
        ``path`` and ``contents_manager``, as Jupyter Server passes them (unused).
    """
    if model.get("type") != "notebook" or not model.get("content"):
        return
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIMETYPE in data:
                data.pop(SNAPSHOT_MIMETYPE, None)


c = get_config()  # noqa: F821  (Jupyter's config loader defines it)
c.ContentsManager.pre_save_hook = drop_figure_snapshots
# Jupyter Server applies its configuration again once JupyterLab's is loaded, and the
# trait's validator then warns that the hook replaces ... itself. Only that exact message
# is hidden: a hook of yours replacing this one (or this one yours) is still said.
warnings.filterwarnings(
    "ignore",
    message=r"Overriding existing pre_save_hook \(drop_figure_snapshots\) "
    r"with a new one \(drop_figure_snapshots\)",
    category=UserWarning,
)
