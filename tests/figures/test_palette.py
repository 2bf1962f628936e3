"""The palette: each colour one meaning, pain types' colours for pain types only, every
map told apart under simulated colour-vision deficiency, and readable text on every fill.

The maps are collected from :mod:`lowback.figures.style` itself (every public constant
holding ``#RRGGBB`` colours), so a map added there is checked with no change here.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from lowback.figures import style
from lowback.publish.pages import TEMPLATES_DIR

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
#: The simulations of Machado, Oliveira and Fernandes (2009), at full severity, and normal
#: vision (None).
DEFICIENCIES = (None, "deuteranomaly", "protanomaly", "tritanomaly")


def _colours_of(value) -> dict[str, str] | None:
    """A constant's colours by meaning, or None if it holds no colour."""
    if isinstance(value, str):
        return {"": value} if HEX.match(value) else None
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(c, str) and HEX.match(c) for c in value.values())
    ):
        return dict(value)
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(c, str) and HEX.match(c) for c in value)
    ):
        return {str(i): c for i, c in enumerate(value)}
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(stop, list) and len(stop) == 2 and HEX.match(str(stop[1])) for stop in value
        )
    ):
        return {str(stop[0]): stop[1] for stop in value}  # a colour scale
    return None


def colour_maps() -> dict[str, dict[str, str]]:
    """Every colour map of the palette, by constant name; the pain types' sequence and
    their umbrella as one map, ``PAIN``."""
    maps = {}
    for name, value in vars(style).items():
        if name.isupper() and (colours := _colours_of(value)) is not None:
            maps[name] = {meaning: c.upper() for meaning, c in colours.items()}
    pain = {**maps.pop("PAIN_TYPE_SEQUENCE"), "umbrella": maps.pop("UMBRELLA_COLOUR")[""]}
    return {"PAIN": pain, **maps}


def neutral(colour: str) -> bool:
    """A grey, black or white: the palette's "no category"."""
    return len({colour[1:3], colour[3:5], colour[5:7]}) == 1


def test_the_maps_are_found():
    maps = colour_maps()
    for name in ("PAIN", "TOPIC_COLOURS", "KIND_COLOURS", "TRIAGE_COLOURS", "VERDICT_COLOURS"):
        assert name in maps
    assert "CLASSIFIER_COLOURS" in maps and "RECORD_COLOURS" in maps
    assert "SERIES_COLOURS" not in maps  # positional colours meant a different thing per figure


def test_no_colour_has_two_meanings():
    # A colour in two maps means two things, unless it is a neutral (no category).
    where: dict[str, set[str]] = {}
    for name, colours in colour_maps().items():
        for colour in colours.values():
            if not neutral(colour):
                where.setdefault(colour, set()).add(name)
    shared = {c: sorted(names) for c, names in where.items() if len(names) > 1}
    assert shared == {}
    for name, colours in colour_maps().items():
        chromatic = [c for c in colours.values() if not neutral(c)]
        assert len(set(chromatic)) == len(chromatic), f"{name} gives two meanings one colour"


def test_pain_type_colours_appear_in_no_other_map():
    maps = colour_maps()
    pain = set(maps.pop("PAIN").values())
    for name, colours in maps.items():
        assert not pain & set(colours.values()), f"{name} holds a pain type's colour"


def test_figure_modules_write_only_neutral_colours_of_their_own():
    # Colours with a meaning come from style's maps: a literal in a figure module would
    # give a colour a second meaning unseen.
    folder = Path(style.__file__).parent
    for module in sorted(folder.glob("*.py")):
        if module.name == "style.py":
            continue
        literals = {m.upper() for m in re.findall(r"#[0-9A-Fa-f]{6}\b", module.read_text())}
        assert all(neutral(c) for c in literals), (module.name, sorted(literals))


def test_the_check_catches_a_shared_colour(monkeypatch):
    monkeypatch.setattr(style, "RECORD_COLOURS", {"entities": "#E69F00", "claims": "#BBCC33"})
    maps = colour_maps()
    assert "#E69F00" in maps["RECORD_COLOURS"].values()
    assert set(maps["PAIN"].values()) & set(maps["RECORD_COLOURS"].values())


# ---------------------------------------------------------------------------------------------
# Colour-vision deficiency
# ---------------------------------------------------------------------------------------------


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def seen(colour: str, deficiency: str | None) -> np.ndarray:
    """A colour as seen under ``deficiency`` (None: normal vision), in sRGB1."""
    if deficiency is None:
        return _rgb(colour)
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return np.clip(cspace_convert(_rgb(colour), space, "sRGB1"), 0, 1)


def least_distance(colours, deficiency: str | None) -> tuple[float, tuple[str, str]]:
    """The least CAM02-UCS ΔE between two of ``colours`` as seen, and that pair."""
    pairs = itertools.combinations(sorted(set(colours)), 2)
    return min(
        (float(deltaE(seen(a, deficiency), seen(b, deficiency), input_space="sRGB1")), (a, b))
        for a, b in pairs
    )


def _groups(kb) -> dict[str, tuple[list[str], float]]:
    """The colours each figure must tell apart, with the least ΔE the palette promises."""
    pain = style.pain_type_colours(kb)
    types = [c for t, c in pain.items() if t != "low_back_pain"]
    chromatic_maps = {
        name: list(colours.values())
        for name, colours in colour_maps().items()
        if name not in {"PAIN", "NEUTRAL_COLOURS", "MAGNITUDE_SCALE", "VERDICT_TEXT_COLOURS"}
        and len(colours) > 1
    }
    groups = {name: (colours, style.MIN_DELTA_E) for name, colours in chromatic_maps.items()}
    groups.pop("TRIAGE_TINTS")  # behind the level's name, written in the cell
    groups["pain sequence and umbrella"] = (
        [*style.PAIN_TYPE_SEQUENCE, style.UMBRELLA_COLOUR],
        style.MIN_DELTA_E_PAIN_SEQUENCE,
    )
    groups["the records' pain types and umbrella"] = (list(pain.values()), style.MIN_DELTA_E)
    groups["material map: topics and coverage"] = (
        [*style.TOPIC_COLOURS.values(), *style.COVERAGE_COLOURS.values()],
        style.MIN_DELTA_E,
    )
    groups["evidence flow: kinds and pain types"] = (
        [*style.KIND_COLOURS.values(), *pain.values()],
        style.MIN_DELTA_E,
    )
    groups["audit: answers and triage"] = (
        [*types, style.UNDETERMINED_COLOUR, style.EMPTY_COLOUR, *style.TRIAGE_COLOURS.values()],
        style.MIN_DELTA_E,
    )
    groups["forest plot: outcomes and what went in"] = (
        [*pain.values(), style.TEXT_COLOUR],
        style.MIN_DELTA_E,
    )
    groups["depth and classifiers: curves and band"] = (
        [*style.CLASSIFIER_COLOURS.values(), style.NEUTRAL_COLOUR],
        style.MIN_DELTA_E,
    )
    return groups


@pytest.mark.parametrize("deficiency", DEFICIENCIES, ids=lambda d: d or "normal")
def test_every_figure_s_colours_stay_apart_under_each_deficiency(kb, deficiency):
    groups = _groups(kb)
    assert len(groups) >= 12
    short = {}
    for name, (colours, floor) in groups.items():
        distance, pair = least_distance(colours, deficiency)
        if distance < floor:
            short[name] = (round(distance, 1), pair, floor)
    assert short == {}


def test_the_simulation_tells_a_red_from_a_green_less_well():
    # Sanity of the method: red and green, far apart in normal vision, come together
    # under deuteranomaly, while a blue and a yellow stay apart.
    red_green = ["#D55E00", "#009E73"]
    assert least_distance(red_green, "deuteranomaly")[0] < least_distance(red_green, None)[0] / 2
    assert least_distance(["#0072B2", "#F0E442"], "deuteranomaly")[0] > 30


# ---------------------------------------------------------------------------------------------
# Contrast (WCAG 2.1)
# ---------------------------------------------------------------------------------------------


def test_the_contrast_formula_gives_wcag_s_known_values():
    assert style.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert style.contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    # WebAIM's contrast checker: #767676 on white is 4.54, #777777 4.48.
    assert style.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert style.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert style.contrast_ratio("#0072B2", "#FFFFFF") == style.contrast_ratio("#FFFFFF", "#0072B2")


def _text_pairs(kb) -> list[tuple[str, str, str]]:
    """(what, text colour, background) for every text the figures, pages and explorer set."""
    pairs = [
        (f"verdict {v}", style.VERDICT_TEXT_COLOURS[v], c) for v, c in style.VERDICT_COLOURS.items()
    ]
    pairs += [(f"triage {t}", style.TEXT_COLOUR, c) for t, c in style.TRIAGE_COLOURS.items()]
    pairs += [(f"triage tint {t}", style.TEXT_COLOUR, c) for t, c in style.TRIAGE_TINTS.items()]
    pairs += [("table header", style.EMPTY_COLOUR, style.DARK_COLOUR)]
    for role in ("text", "dark", "note", "reference"):
        pairs.append((f"{role} on white", style.NEUTRAL_COLOURS[role], style.EMPTY_COLOUR))
    pairs += [("undetermined", style.TEXT_COLOUR, style.UNDETERMINED_COLOUR)]
    pairs += [(f"scale {p}", style.TEXT_COLOUR, c) for p, c in style.MAGNITUDE_SCALE]
    for colour in [
        *style.PAIN_TYPE_SEQUENCE,
        style.UMBRELLA_COLOUR,
        *style.pain_type_colours(kb).values(),
    ]:
        pairs.append((f"audit cell {colour}", style.text_colour_on(colour), colour))
    css = (TEMPLATES_DIR / "offline" / "page.css").read_text(encoding="utf-8")
    pairs += [
        (f"page.css {c}", c, "#FFFFFF")
        for c in re.findall(r"(?<!-)color:\s*(#[0-9A-Fa-f]{6})", css)
    ]
    return pairs


def test_every_text_meets_wcag_aa_on_its_background(kb):
    pairs = _text_pairs(kb)
    assert len(pairs) > 25
    low = {
        what: round(style.contrast_ratio(text, background), 2)
        for what, text, background in pairs
        if style.contrast_ratio(text, background) < style.MIN_TEXT_CONTRAST
    }
    assert low == {}


def test_text_on_a_dark_fill_turns_white():
    assert style.text_colour_on("#332288") == style.EMPTY_COLOUR
    assert style.text_colour_on("#F0E442") == style.TEXT_COLOUR
    assert style.on_colour("disc", "#F0E442") == "disc"
    assert style.on_colour("disc", "#332288") == "<span style='color:#FFFFFF'>disc</span>"
    # The better of black and white is never below 4.5, whatever the fill.
    rng = np.random.default_rng(0)
    for rgb in rng.integers(0, 256, size=(300, 3)):
        fill = "#" + "".join(f"{int(c):02X}" for c in rgb)
        assert style.contrast_ratio(style.text_colour_on(fill), fill) >= 4.5, fill


def test_a_tint_lies_between_its_colour_and_white():
    assert style.tint("#D55E00", 0) == "#FFFFFF"
    assert style.tint("#D55E00", 1) == "#D55E00"
    light = style.tint("#D55E00", 0.25)
    assert style.relative_luminance("#D55E00") < style.relative_luminance(light) < 1
