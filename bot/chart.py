"""Draws the progress chart (the assistant's `progress_chart` payload) as a PNG image.

One horizontal bar per skill, weakest at the top, coloured by mastery, with skills not
practised yet listed as such; beside each bar the reviews due today and this week, and a
diamond at the share of reviews recalled, against a dashed line at the share the schedule
aims at. The image is what the candidate sees after /progress.
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


def _label(skill: dict[str, Any]) -> str:
    mastery = skill.get("mastery")
    if mastery is None:
        return "not practised yet"
    label = f"{mastery}  ({skill.get('attempts', 0)} answers"
    if skill.get("due_today") or skill.get("due_week"):
        label += f"; due {skill.get('due_today', 0)} today, {skill.get('due_week', 0)} this week"
    return label + ")"


def chart_png(title: str, skills: Sequence[dict[str, Any]], target_retention: int | None = None) -> bytes:
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
        axes.text((skill.get("mastery") or 0) + 1.5, y, _label(skill), va="center", fontsize=8)
    recalled = [(y, s["retention"]) for y, s in zip(positions, rows, strict=False) if s.get("retention") is not None]
    if recalled:
        axes.scatter([r for _y, r in recalled], [y for y, _r in recalled], marker="D", s=22, color="#222222",
                     zorder=3, label="% of reviews recalled")
    if recalled and target_retention is not None:
        axes.axvline(target_retention, color="#222222", linestyle="--", linewidth=0.8,
                     label=f"target recall ({target_retention}%)")
    if recalled:
        axes.legend(loc="lower right", fontsize=7, frameon=False)
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
