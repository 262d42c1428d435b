"""The console's pictures say in their table exactly what they draw, and draw in proportion."""

from __future__ import annotations

import re

from api.console.charts import LABEL_WIDTH, Bar, bars, columns


def test_bars_are_drawn_in_proportion_and_their_numbers_are_in_the_table() -> None:
    html = str(bars("排查进度", [Bar("玉坪村", 30, of=40), Bar("<b>村", 10, of=40)], unit="户", chart_id="c"))
    widths = [float(w) for w in re.findall(rf"<rect x='{LABEL_WIDTH}' y='[\d.]+' width='([\d.]+)'", html)]
    assert widths[0] == widths[2]  # both tracks: the same whole
    assert widths[1] == 3 * widths[3]  # 30 against 10
    rows = re.findall(r"<tr><th scope='row'>(.*?)</th>(.*?)</tr>", html)
    assert rows == [("玉坪村", "<td>30户</td><td>40户</td>"), ("&lt;b&gt;村", "<td>10户</td><td>40户</td>")]
    assert "<b>" not in html and "aria-hidden='true'" in html and "id='c'" in html


def test_columns_stack_their_series_and_total_each_period() -> None:
    html = str(columns("按阶段", ["2026-03-01", "2026-03-15"], {"识别中": [2, 0], "帮扶中": [1, 4]}))
    assert re.findall(r"<tr><th scope='row'>(.*?)</th>(.*?)</tr>", html) == [
        ("2026-03-01", "<td>2</td><td>1</td><td>3</td>"),
        ("2026-03-15", "<td>0</td><td>4</td><td>4</td>"),
    ]
    heights = [float(h) for h in re.findall(r"height='([\d.]+)' fill='#", html) if float(h) != 12]
    assert heights == [90.0, 45.0, 180.0]  # 2 and 1 of the top 4; 4 of 4 (a zero draws nothing)


def test_an_empty_picture_says_so() -> None:
    assert "暂无数据" in str(bars("无", [])) and "暂无数据" in str(columns("无", [], {}))
