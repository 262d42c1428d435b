"""Pictures for the console, drawn on the server as SVG: no script, no chart library, nothing from another origin.
Each picture is a ``<figure>`` with its numbers beside it in a table (a screen reader reads the table; the SVG is
``aria-hidden``), so a picture never says what its table does not.

Two kinds: horizontal bars (one row a village, a rule, a stage: ``bars``) and columns over time, stacked by series
(cases by stage per period, deadlines missed per two-week period: ``columns``). Sizes are in the SVG's own units and
scale to the page's width (``viewBox``), so the same picture serves a phone and a desktop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colours that stay apart for the common kinds of colour blindness (Okabe–Ito), in series order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
ROW = 28  # a bar's row height
LABEL_WIDTH = 130  # room for a village's name at the left of a bar
BARS_WIDTH = 420  # narrow, so that its words stay readable when a phone scales it down
WIDTH = 600


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    of: float | None = None  # the whole the value is a part of (a village's households): drawn as the bar's track
    note: str = ""  # said after the value ("12/40 户")
    short: str = ""  # the label in the picture when the whole one is long (the table gives the whole)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + f"<th scope='row'>{escape(r[0])}</th>" + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
        for r in rows
    )
    return (
        f"<table class='chart-data'><caption>{escape(caption)}（数据）</caption>"
        f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
    )


def bars(title: str, rows: Sequence[Bar], *, unit: str = "", value_head: str = "数值", chart_id: str = "") -> Markup:
    """Horizontal bars, one a row, in the order given (the caller sorts), scaled to the largest. A row with ``of``
    draws the whole as a pale track and the part over it, and says "part/whole"."""
    top = max([r.of or r.value for r in rows] + [1])
    plot = BARS_WIDTH - LABEL_WIDTH - 80
    height = ROW * len(rows) + 8
    parts = [
        f"<svg viewBox='0 0 {BARS_WIDTH} {height}' width='100%' role='img' aria-hidden='true' "
        f"xmlns='http://www.w3.org/2000/svg' class='chart'>"
    ]
    for i, r in enumerate(rows):
        y = 4 + i * ROW
        parts.append(
            f"<text x='{LABEL_WIDTH - 6}' y='{y + ROW / 2 + 5}' text-anchor='end' class='chart-label'>"
            f"{escape(r.short or r.label[:8])}</text>"
        )
        if r.of:
            parts.append(
                f"<rect x='{LABEL_WIDTH}' y='{y + 5}' width='{plot * r.of / top:.1f}' height='{ROW - 10}' "
                f"fill='#e8eaed'/>"
            )
        parts.append(
            f"<rect x='{LABEL_WIDTH}' y='{y + 5}' width='{plot * r.value / top:.1f}' height='{ROW - 10}' "
            f"fill='{PALETTE[0]}'/>"
        )
        said = _number(r.value) + (f"/{_number(r.of)}" if r.of else "") + unit
        parts.append(
            f"<text x='{LABEL_WIDTH + plot * (r.of or r.value) / top + 6:.1f}' y='{y + ROW / 2 + 5}' "
            f"class='chart-value'>{escape(said)}</text>"
        )
    parts.append("</svg>")
    head = (
        ["", value_head]
        + (["共计"] if any(r.of for r in rows) else [])
        + (["说明"] if any(r.note for r in rows) else [])
    )
    table_rows = [
        [r.label, _number(r.value) + unit]
        + ([_number(r.of) + unit if r.of else ""] if "共计" in head else [])
        + ([r.note] if "说明" in head else [])
        for r in rows
    ]
    return _figure(title, "".join(parts) if rows else "", _table(title, head, table_rows), chart_id)


def columns(
    title: str, periods: Sequence[str], series: dict[str, Sequence[float]], *, unit: str = "", chart_id: str = ""
) -> Markup:
    """Columns over ``periods`` (left to right), each stacked from ``series`` (name → one value a period), with a
    legend; the table has a row a period and a column a series."""
    names = list(series)
    totals = [sum(series[n][i] for n in names) for i in range(len(periods))]
    top = max([*totals, 1])
    plot_h, base, left = 180, 200, 40
    step = (WIDTH - left - 10) / max(len(periods), 1)
    parts = [
        f"<svg viewBox='0 0 {WIDTH} {base + 60 + 18 * ((len(names) + 2) // 3)}' width='100%' role='img' "
        f"aria-hidden='true' xmlns='http://www.w3.org/2000/svg' class='chart'>",
        f"<line x1='{left}' y1='{base}' x2='{WIDTH - 10}' y2='{base}' stroke='#5f6368'/>",
        f"<text x='{left - 4}' y='{base - plot_h + 4}' text-anchor='end' class='chart-value'>{_number(top)}</text>",
    ]
    for i, period in enumerate(periods):
        x, y = left + i * step + step * 0.15, float(base)
        for k, name in enumerate(names):
            h = plot_h * series[name][i] / top
            if h > 0:
                parts.append(
                    f"<rect x='{x:.1f}' y='{y - h:.1f}' width='{step * 0.7:.1f}' height='{h:.1f}' "
                    f"fill='{PALETTE[k % len(PALETTE)]}'/>"
                )
            y -= h
        if totals[i]:
            parts.append(
                f"<text x='{x + step * 0.35:.1f}' y='{y - 4:.1f}' text-anchor='middle' class='chart-value'>"
                f"{_number(totals[i])}</text>"
            )
        if len(periods) <= 12 or i % ((len(periods) + 11) // 12) == 0:
            parts.append(
                f"<text x='{x + step * 0.35:.1f}' y='{base + 16}' text-anchor='middle' class='chart-label'>"
                f"{escape(period[-5:])}</text>"
            )
    for k, name in enumerate(names):
        lx, ly = left + (k % 3) * 180, base + 40 + 18 * (k // 3)
        parts.append(f"<rect x='{lx}' y='{ly - 10}' width='12' height='12' fill='{PALETTE[k % len(PALETTE)]}'/>")
        parts.append(f"<text x='{lx + 16}' y='{ly}' class='chart-label'>{escape(name)}</text>")
    parts.append("</svg>")
    rows = [[p] + [_number(series[n][i]) + unit for n in names] + [_number(totals[i]) + unit]
            for i, p in enumerate(periods)]  # fmt: skip
    return _figure(title, "".join(parts) if periods else "", _table(title, ["", *names, "合计"], rows), chart_id)


def _figure(title: str, svg: str, table: str, chart_id: str) -> Markup:
    ident = f" id='{escape(chart_id)}'" if chart_id else ""
    picture = svg or "<p class='muted'>暂无数据。</p>"
    return Markup(
        f"<figure class='chart-figure'{ident}><figcaption>{escape(title)}</figcaption>{picture}{table}</figure>"
    )
