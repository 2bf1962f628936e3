"""The licence pyproject.toml names is the one in LICENSE, and the wheel carries it."""

from __future__ import annotations

import re
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from lowback import config

LICENSE = config.PROJECT_DIR / "LICENSE"
#: The first line of each licence text pyproject.toml may name (SPDX id: heading).
HEADINGS = {"MIT": "MIT License"}
#: Sentences of the MIT licence, as opensource.org gives it.
MIT_SENTENCES = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "The above copyright notice and this permission notice shall be included in all",
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR',
)


def _declared_licence() -> str:
    project = tomllib.loads((config.PROJECT_DIR / "pyproject.toml").read_text("utf-8"))
    licence = project["project"]["license"]
    return licence["text"] if isinstance(licence, dict) else licence


def test_license_file_is_the_licence_pyproject_names() -> None:
    declared = _declared_licence()
    assert declared in HEADINGS, f"pyproject names {declared!r}: add its heading here"
    text = LICENSE.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADINGS[declared]
    assert re.search(r"^Copyright \(c\) 2026 the lowback authors$", text, flags=re.MULTILINE)
    if declared == "MIT":
        assert all(sentence in text for sentence in MIT_SENTENCES)


def test_the_wheel_carries_the_license_file(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    from hatchling.builders.wheel import WheelBuilder

    wheel = Path(next(WheelBuilder(str(config.PROJECT_DIR)).build(directory=str(tmp_path))))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (licence,) = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/licenses/LICENSE", n)]
        assert archive.read(licence).decode("utf-8") == LICENSE.read_text(encoding="utf-8")
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = Parser().parsestr(archive.read(metadata).decode("utf-8"), headersonly=True)
    assert headers["License-File"] == "LICENSE"
    assert _declared_licence() in (headers["License"], headers["License-Expression"])
