"""Horizontal bar charts drawn on the server as SVG geometry (the template writes the SVG).

Pure: labels come in already translated. Direction-neutral: in a right-to-left page the
labels sit on the right and the bars grow leftwards, so the chart reads as the table beside it
does; the text anchors are logical (`start`/`end` with the SVG's `direction` set), so every
label ends next to its bar and every count starts at the bar's tip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 420
LABEL_WIDTH = 160
VALUE_WIDTH = 90
ROW_HEIGHT = 26
BAR_HEIGHT = 18
GAP = 6
#: Longest label drawn in the chart (the table beside it has every label whole).
LABEL_CHARACTERS = 21


@dataclass(frozen=True)
class Bar:
    label: str  # the whole label (the bar's own <title>)
    short_label: str  # what the chart draws
    value: int | None  # None: suppressed
    shown: str  # the count as the page writes it ("12", "not shown")
    y: int
    text_y: int
    bar_x: int
    bar_width: int
    label_x: int
    value_x: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    direction: str  # "ltr" or "rtl"
    bars: tuple[Bar, ...]
    bar_height: int = BAR_HEIGHT


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int | None, str]],
    *,
    rtl: bool = False,
) -> Chart:
    """A chart of `rows` (label, count or None, the count as written), one bar per row, bars
    scaled to the largest count shown."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((v for _, v, _ in rows if v), default=0)
    bars = []
    for i, (label, value, shown) in enumerate(rows):
        length = round(span * value / largest) if value and largest else 0
        y = i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        if rtl:
            label_x = WIDTH - LABEL_WIDTH + GAP
            bar_x = WIDTH - LABEL_WIDTH - length
            value_x = bar_x - GAP
        else:
            label_x = LABEL_WIDTH - GAP
            bar_x = LABEL_WIDTH
            value_x = LABEL_WIDTH + length + GAP
        bars.append(
            Bar(
                label=label,
                short_label=_short(label),
                value=value,
                shown=shown,
                y=y,
                text_y=y + BAR_HEIGHT - 4,
                bar_x=bar_x,
                bar_width=length,
                label_x=label_x,
                value_x=value_x,
            )
        )
    return Chart(
        id=chart_id,
        title=title,
        width=WIDTH,
        height=max(len(rows), 1) * ROW_HEIGHT,
        direction="rtl" if rtl else "ltr",
        bars=tuple(bars),
    )
