"""The report workbook (一周一报 / 一月公示): the figures of a period as an Excel file staff can edit.

Sheets: ``汇总`` (one figure per row: the label of ``SUMMARY`` in column A, its value in column B, then the
previous period and the change), ``中队`` (units ranked, those with too few cases due marked 样本不足),
``分类`` (per category, with p50/p90 working hours to resolve), ``渠道``, ``超期清单``, ``返工清单`` and
``图表`` (native Excel charts: the daily trend and the units' 按期结案率, editable in Excel/WPS). Rates are
numbers formatted as percentages; an undefined rate is "—", never 0. No resident appears anywhere: lists
carry the case number, category, unit and times only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bot.models import Unit
from bot.models.enums import Channel
from bot.stats.breakdowns import Day, Durations, Overdue, Ranked, Rework, overdue_cases, ranking, reworks
from bot.stats.figures import SUMMARY, Figures, Line, total
from bot.stats.period import Period, Scope
from bot.stats.snapshots import Snapshots
from bot.understanding.taxonomy import Taxonomy

CHANNELS: dict[str, str] = {Channel.WECHAT: "微信", Channel.HOTLINE: "热线", Channel.OPEN311: "Open311",
                             Channel.PATROL: "巡查"}
UNDEFINED = "—"


@dataclass(frozen=True)
class ReportData:
    """Everything one workbook shows, read from the database once."""

    period: Period
    generated_at: datetime
    totals: Figures
    previous: Figures
    units: list[Ranked]
    unit_names: dict[str, str]
    categories: list[tuple[str, str, Figures, Durations | None]]  # code, name, figures, time to resolve
    channels: list[tuple[str, Figures]]  # name, figures
    days: list[Day]
    overdue: list[Overdue]
    reworks: list[Rework]


def gather(session: Session, period: Period, taxonomy: Taxonomy, *, now: datetime, zone: ZoneInfo) -> ReportData:
    """The figures of ``period`` for the whole bureau (as of its end) and their breakdowns (through the snapshots:
    the console's pages and the reports share what either computed)."""
    scope, stats = Scope(), Snapshots(session, now=now, zone=zone)
    unit_names = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    by_unit = stats.figures_by(period, scope, "unit")
    by_unit = {code: by_unit.get(code, Figures()) for code in unit_names} | by_unit  # idle units are listed too
    by_category = stats.figures_by(period, scope, "category")
    hours = stats.resolve_hours(period, scope, "category")
    categories = sorted(((code, taxonomy[code].name if code in taxonomy else code, f, hours.get(code))
                         for code, f in by_category.items() if code is not None),
                        key=lambda row: (-row[2].received, row[0]))
    by_channel = stats.figures_by(period, scope, "channel")
    channels = [(CHANNELS.get(key, str(key)), f)
                for key, f in sorted(by_channel.items(), key=lambda item: -item[1].received) if key is not None]
    return ReportData(
        period=period, generated_at=now,
        totals=total(by_category), previous=stats.figures(period.previous(), scope),
        units=ranking(by_unit), unit_names=unit_names, categories=categories, channels=channels,
        days=stats.trend(period, scope),
        overdue=overdue_cases(session, period, scope, now=now, zone=zone),
        reworks=reworks(session, period, scope, now=now, zone=zone))


def render_workbook(data: ReportData, taxonomy: Taxonomy, zone: ZoneInfo) -> bytes:
    """The ``.xlsx`` file's bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": f"城市管理问题处置统计 {data.period.label}", "company": "城市管理局"})
    styles = _Styles(book)
    _summary(book.add_worksheet("汇总"), data, styles, zone)
    _figure_table(book.add_worksheet("中队"), styles, ["排名", "单位"],
                  [([index + 1 if row.ranked else "样本不足", data.unit_names.get(row.key, row.key)], row.figures)
                   for index, row in enumerate(data.units)])
    _figure_table(book.add_worksheet("分类"), styles, ["分类代码", "分类名称"],
                  [([code, name], f) for code, name, f, _ in data.categories],
                  extra=(["处置时长中位数（工作小时）", "处置时长 P90（工作小时）"],
                         [[d.p50_hours, d.p90_hours] if d else [None, None] for *_, d in data.categories]))
    _figure_table(book.add_worksheet("渠道"), styles, ["渠道"], [([name], f) for name, f in data.channels])
    _overdue(book.add_worksheet("超期清单"), data, taxonomy, styles, zone)
    _reworks(book.add_worksheet("返工清单"), data, taxonomy, styles, zone)
    _charts(book, book.add_worksheet("图表"), data, styles)
    for sheet in book.worksheets():  # printed: A4 landscape, one page wide
        sheet.set_paper(9)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


class _Styles:
    def __init__(self, book: Workbook) -> None:
        self.head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                                     "valign": "vcenter"})
        self.text = book.add_format({"border": 1})
        self.count = book.add_format({"border": 1, "num_format": "0"})
        self.rate = book.add_format({"border": 1, "num_format": "0.0%"})
        self.change = book.add_format({"border": 1, "num_format": "+0;-0;0"})
        self.rate_change = book.add_format({"border": 1, "num_format": "+0.0%;-0.0%;0.0%"})
        self.hours = book.add_format({"border": 1, "num_format": "0.0"})
        self.undefined = book.add_format({"border": 1, "align": "right", "font_color": "#888888"})
        self.when = book.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        self.day = book.add_format({"border": 1, "num_format": "mm-dd"})
        self.note = book.add_format({"font_color": "#555555"})
        self.title = book.add_format({"bold": True, "font_size": 13})


def _value(sheet: Worksheet, row: int, col: int, value: Any, fmt: Any, styles: _Styles) -> None:
    """A number in its format, or "—" when undefined (a rate with no denominator)."""
    if value is None:
        sheet.write_string(row, col, UNDEFINED, styles.undefined)
    else:
        sheet.write_number(row, col, value, fmt)


def _line_value(sheet: Worksheet, row: int, col: int, line: Line, f: Figures, styles: _Styles) -> None:
    _value(sheet, row, col, line.of(f), styles.rate if line.is_rate else styles.count, styles)


def _summary(sheet: Worksheet, data: ReportData, styles: _Styles, zone: ZoneInfo) -> None:
    for col, title in enumerate(("指标", "数值", "上期", "较上期")):
        sheet.write_string(0, col, title, styles.head)
    for row, line in enumerate(SUMMARY, start=1):
        sheet.write_string(row, 0, line.label, styles.text)
        _line_value(sheet, row, 1, line, data.totals, styles)
        _line_value(sheet, row, 2, line, data.previous, styles)
        now, before = line.of(data.totals), line.of(data.previous)
        change = None if now is None or before is None else now - before
        _value(sheet, row, 3, change, styles.rate_change if line.is_rate else styles.change, styles)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 3, 11)
    sheet.set_column(5, 5, 60)
    notes = (f"统计周期：{data.period.label}（上期：{data.period.previous().label}）",
             f"生成时间：{data.generated_at.astimezone(zone):%Y-%m-%d %H:%M}",
             "口径：各项数字均以统计期末的办理记录为准，过后不变；分母为 0 的比率显示为“—”。",
             "率的“较上期”为百分点差。")
    sheet.write_string(0, 5, "城市管理问题处置统计", styles.title)
    for row, note in enumerate(notes, start=1):
        sheet.write_string(row, 5, note, styles.note)
    sheet.freeze_panes(1, 1)


def _figure_table(sheet: Worksheet, styles: _Styles, keys: list[str], rows: list[tuple[list[Any], Figures]],
                  extra: tuple[list[str], list[list[float | None]]] | None = None) -> None:
    """One row per unit / category / channel: its key columns, then every figure of ``SUMMARY``."""
    titles = [*keys, *(line.label for line in SUMMARY), *(extra[0] if extra else [])]
    for col, title in enumerate(titles):
        sheet.write_string(0, col, title, styles.head)
    for r, (key_values, f) in enumerate(rows, start=1):
        for col, value in enumerate(key_values):
            if isinstance(value, int):
                sheet.write_number(r, col, value, styles.count)
            else:
                sheet.write_string(r, col, str(value), styles.text)
        for offset, line in enumerate(SUMMARY):
            _line_value(sheet, r, len(keys) + offset, line, f, styles)
        if extra:
            for offset, value in enumerate(extra[1][r - 1]):
                _value(sheet, r, len(keys) + len(SUMMARY) + offset, value, styles.hours, styles)
    sheet.set_row(0, 32)
    sheet.set_column(0, len(keys) - 1, 12)
    sheet.set_column(len(keys), len(titles) - 1, 9)
    sheet.freeze_panes(1, len(keys))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Excel has no time zones: the bureau's local time, naive."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _category(taxonomy: Taxonomy, code: str | None) -> str:
    return taxonomy[code].name if code and code in taxonomy else (code or "待分类")


def _case_list(sheet: Worksheet, titles: tuple[str, ...], styles: _Styles) -> None:
    """The header of a list of cases: number, category and unit, then ``titles``."""
    for col, title in enumerate(("案件编号", "问题分类", "处置单位", *titles)):
        sheet.write_string(0, col, title, styles.head)


def _case_cells(sheet: Worksheet, r: int, case: Overdue | Rework, data: ReportData, taxonomy: Taxonomy,
                styles: _Styles) -> None:
    """A listed case's first three cells (no resident, no description)."""
    sheet.write_string(r, 0, case.number, styles.text)
    sheet.write_string(r, 1, _category(taxonomy, case.category_code), styles.text)
    sheet.write_string(r, 2, data.unit_names.get(case.unit_code or "", case.unit_code or "—"), styles.text)


def _overdue(sheet: Worksheet, data: ReportData, taxonomy: Taxonomy, styles: _Styles, zone: ZoneInfo) -> None:
    _case_list(sheet, ("处置时限", "超期天数"), styles)
    for r, case in enumerate(data.overdue, start=1):
        _case_cells(sheet, r, case, data, taxonomy, styles)
        sheet.write_datetime(r, 3, _local(case.deadline, zone), styles.when)
        sheet.write_number(r, 4, case.days, styles.hours)
    sheet.set_column(0, 0, 15)
    sheet.set_column(1, 2, 16)
    sheet.set_column(3, 3, 17)
    sheet.freeze_panes(1, 0)


def _reworks(sheet: Worksheet, data: ReportData, taxonomy: Taxonomy, styles: _Styles, zone: ZoneInfo) -> None:
    _case_list(sheet, ("返工时间", "返工原因", "核查意见"), styles)
    for r, rework in enumerate(data.reworks, start=1):
        _case_cells(sheet, r, rework, data, taxonomy, styles)
        sheet.write_datetime(r, 3, _local(rework.at, zone), styles.when)
        sheet.write_string(r, 4, "核查不通过" if rework.by_bureau else "市民不满意", styles.text)
        sheet.write_string(r, 5, rework.note or "", styles.text)
    sheet.set_column(0, 0, 15)
    sheet.set_column(1, 4, 16)
    sheet.set_column(5, 5, 40)
    sheet.freeze_panes(1, 0)


def _charts(book: Workbook, sheet: Worksheet, data: ReportData, styles: _Styles) -> None:
    """The charts' data on this sheet (so they stay editable) and two native charts beside it."""
    for col, title in enumerate(("日期", "受理数", "派遣数", "结案数")):
        sheet.write_string(0, col, title, styles.head)
    for r, day in enumerate(data.days, start=1):
        sheet.write_datetime(r, 0, datetime.combine(day.day, datetime.min.time()), styles.day)
        for col, value in enumerate((day.received, day.dispatched, day.closed), start=1):
            sheet.write_number(r, col, value, styles.count)
    last = len(data.days)
    line = book.add_chart({"type": "line"})
    for col, name in ((1, "受理数"), (3, "结案数")):
        line.add_series({"name": name, "categories": ["图表", 1, 0, last, 0], "values": ["图表", 1, col, last, col],
                         "marker": {"type": "circle", "size": 4}})
    line.set_title({"name": f"每日受理与结案（{data.period.label}）", "name_font": {"size": 12}})
    line.set_x_axis({"date_axis": True, "num_format": "mm-dd"})
    line.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    line.set_legend({"position": "bottom"})
    line.set_size({"width": 640, "height": 300})
    sheet.insert_chart("G2", line)

    # Units with a defined 按期结案率, ranked ones first: a unit with nothing due has no bar (not a 0 bar).
    rated = [row for row in data.units if row.figures.on_time_rate is not None]
    top = last + 3
    sheet.write_string(top, 0, "单位", styles.head)
    sheet.write_string(top, 1, "按期结案率", styles.head)
    for r, row in enumerate(rated, start=top + 1):
        name = data.unit_names.get(row.key, row.key)
        sheet.write_string(r, 0, name if row.ranked else f"{name}（样本不足）", styles.text)
        sheet.write_number(r, 1, row.figures.on_time_rate or 0.0, styles.rate)
    if rated:
        bar = book.add_chart({"type": "bar"})
        bar.add_series({"name": "按期结案率", "categories": ["图表", top + 1, 0, top + len(rated), 0],
                        "values": ["图表", top + 1, 1, top + len(rated), 1], "fill": {"color": "#4F81BD"},
                        "data_labels": {"value": True, "num_format": "0.0%"}})
        bar.set_title({"name": "各单位按期结案率", "name_font": {"size": 12}})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"none": True})
        bar.set_size({"width": 640, "height": max(220, 40 * len(rated) + 80)})
        sheet.insert_chart("G18", bar)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 3, 10)
