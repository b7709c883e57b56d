"""Draws the progress chart (the assistant's `progress_chart` payload) as a PNG image.

One horizontal bar per skill, weakest at the top, coloured by mastery, with skills not
practised yet listed as such; the image is what the candidate sees after /progress.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

WEAK, FAIR = 50, 75
COLOURS = {"weak": "#d9534f", "fair": "#f0ad4e", "strong": "#5cb85c", "none": "#d0d0d0"}


def _colour(mastery: int | None) -> str:
    if mastery is None:
        return COLOURS["none"]
    return COLOURS["weak"] if mastery < WEAK else COLOURS["fair"] if mastery < FAIR else COLOURS["strong"]


def chart_png(title: str, skills: Sequence[dict[str, Any]]) -> bytes:
    """The chart as PNG bytes; practised skills weakest first, then the unpractised ones."""
    practised = sorted((s for s in skills if s.get("mastery") is not None), key=lambda s: s["mastery"])
    rest = [s for s in skills if s.get("mastery") is None]
    rows = practised + rest
    # A Figure of its own, not pyplot's global state: charts may be drawn in several threads.
    height = 0.4 * max(len(rows), 3) + 0.9
    figure = Figure(figsize=(8.5, height), dpi=100)
    axes = figure.subplots()
    names = [str(s.get("name") or s.get("id") or "?") for s in rows]
    values = [s["mastery"] if s.get("mastery") is not None else 0 for s in rows]
    positions = range(len(rows))
    axes.barh(positions, values, color=[_colour(s.get("mastery")) for s in rows])
    for y, skill in zip(positions, rows, strict=False):
        mastery = skill.get("mastery")
        label = "not practised yet" if mastery is None else f"{mastery}  ({skill.get('attempts', 0)} answers)"
        axes.text((mastery or 0) + 1.5, y, label, va="center", fontsize=8)
    axes.set_yticks(list(positions), names, fontsize=9)
    axes.invert_yaxis()  # weakest at the top
    axes.set_xlim(0, 118)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.38, right=0.97, top=1 - 0.5 / height, bottom=0.4 / height)  # tight_layout is slow
    image = io.BytesIO()
    figure.savefig(image, format="png", pil_kwargs={"compress_level": 1})  # fast over small
    return image.getvalue()
