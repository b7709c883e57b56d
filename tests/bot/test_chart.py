"""The progress chart (bot/chart.py): weakest skill at the top, bars as long as the mastery
and coloured by it, unpractised skills without a bar, recall diamonds and the target line."""
from __future__ import annotations

import io

from PIL import Image

from bot import chart
from bot.chart import chart_png

SKILLS = [
    {"id": "statistics", "name": "Statistics", "mastery": 80, "attempts": 5, "retention": 30},
    {"id": "programming", "name": "Programming", "mastery": 30, "attempts": 2},
    {"id": "ai_ethics", "name": "AI ethics", "mastery": None, "attempts": 0},
    {"id": "deep_learning", "name": "Deep learning", "mastery": 60, "attempts": 1, "due_today": 1},
]


def drawn(title: str, skills: list[dict], target: int | None = None) -> Image.Image:
    data = chart_png(title, skills, target)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).convert("RGB")


def hex_colour(image: Image.Image, x: int, y: int) -> str:
    return "#{:02x}{:02x}{:02x}".format(*image.getpixel((x, y)))


def row_middle(n: int) -> int:
    return chart.TITLE_HEIGHT + chart.ROW_HEIGHT * n + chart.ROW_HEIGHT // 2


def test_bars_go_weakest_first_as_long_as_the_mastery_and_coloured_by_it():
    image = drawn("Mastery per skill", SKILLS)
    expected = [(30, "weak"), (60, "fair"), (80, "strong")]  # then AI ethics, not practised
    for n, (mastery, colour) in enumerate(expected):
        y = row_middle(n)
        assert hex_colour(image, chart.BARS_LEFT + 3, y) == chart.COLOURS[colour]
        assert hex_colour(image, chart._x(mastery) - 2, y) == chart.COLOURS[colour]
        assert hex_colour(image, chart._x(mastery) + 3, y) == chart.BACKGROUND
    assert hex_colour(image, chart.BARS_LEFT + 3, row_middle(3)) == chart.BACKGROUND  # no bar
    assert image.height == chart.TITLE_HEIGHT + 4 * chart.ROW_HEIGHT + chart.AXIS_HEIGHT + chart.LEGEND_HEIGHT + 6


def test_recall_is_a_diamond_on_its_row_and_the_target_a_dashed_line():
    image = drawn("Mastery per skill", SKILLS, target=90)
    assert hex_colour(image, chart._x(30), row_middle(2)) == chart.INK  # Statistics' recall, on its green bar
    column = [hex_colour(image, chart._x(90), y) for y in range(chart.TITLE_HEIGHT, row_middle(3))]
    assert chart.INK in column and chart.BACKGROUND in column  # dashes


def test_without_recall_figures_there_is_neither_legend_nor_target_line():
    image = drawn("Mastery per skill", [s for s in SKILLS if "retention" not in s], target=90)
    assert image.height == chart.TITLE_HEIGHT + 3 * chart.ROW_HEIGHT + chart.AXIS_HEIGHT + 6
    column = {hex_colour(image, chart._x(90), y) for y in range(chart.TITLE_HEIGHT, row_middle(2))}
    assert chart.INK not in column


def test_a_chart_without_skills_is_still_an_image():
    assert drawn("Mastery per skill", []).width == chart.WIDTH


def test_a_name_too_long_for_its_column_is_shortened():
    long_name = "Software engineering, system design and the deployment of machine-learning systems at scale"
    image = drawn("Mastery per skill", [{"id": "x", "name": long_name, "mastery": 50, "attempts": 3}])
    left_edge = {hex_colour(image, x, row_middle(0)) for x in range(0, 4)}
    assert left_edge == {chart.BACKGROUND}  # the name ends inside its column, not cut at the image's edge
