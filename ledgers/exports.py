"""A ledger's page per village and month, as the paper ledger had it: for print and as xlsx.

Seed 002's townships kept each ledger as a book per village, a page (or
pages) per month, headed "XX村 民生诉求台账 2026年11月" and signed by whoever
filled it in and whoever checked it. `ledger_sheet` gathers the rows of one
such page from the records, scoped like everything else; the print page and
the spreadsheet show the same rows under the same headings.
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from households.models import Area
from ledgers.forms_entries import month_after
from ledgers.kinds import Kind, difficulty_households


@dataclass
class Sheet:
    kind: Kind
    village: Area
    month: date
    rows: list

    @property
    def heading(self) -> str:
        """The paper ledger's header, such as "群安村 民生诉求台账 2026年11月"."""
        return _("%(village)s %(ledger)s %(month)s") % {
            "village": self.village.name,
            "ledger": self.kind.title,
            "month": date_format(self.month, "YEAR_MONTH_FORMAT"),
        }

    @property
    def township(self) -> str:
        return self.village.parent.name if self.village.parent_id else ""

    @property
    def columns(self):
        return self.kind.print_columns

    def values(self) -> list[list[Any]]:
        return [[column.value(row) for column in self.columns] for row in self.rows]


def ledger_sheet(kind: Kind, user, village: Area, month: date) -> Sheet:
    """The rows of one village's ledger for one month, as the user may see them."""
    following = month_after(month)
    if kind.derived:
        # The register of households stands; the month sets whose assistance is counted.
        last_day = following - timedelta(days=1)
        rows = (
            difficulty_households(user, on=last_day, month=month)
            .filter(area__code__startswith=village.code)
            .order_by("area__code", "house_number", "pk")
        )
    else:
        rows = (
            kind.model.objects.visible_to(user)
            .in_area(village)
            .in_period(month, following)
            .select_related(*kind.related)
            .prefetch_related(*kind.prefetch)
            .order_by("occurred_on", "pk")
        )
    return Sheet(kind=kind, village=village, month=month, rows=list(rows))


def cell_text(value) -> str:
    """A value as the printed sheet shows it."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=0 if value == value.to_integral() else 2)
    return str(value)


def printed_rows(sheet: Sheet) -> list[list[tuple[str, str]]]:
    """Each cell as (text, CSS class): free text gets room, dates never break in two."""
    rows = []
    for values in sheet.values():
        row = []
        for column, value in zip(sheet.columns, values, strict=True):
            css = "ledger-table__wide" if column.wide else ""
            if isinstance(value, date):
                css = "ledger-table__date"
            row.append((cell_text(value), css))
        rows.append(row)
    return rows


def ledger_workbook(sheet: Sheet) -> tuple[bytes, int]:
    """The sheet as an A4-landscape workbook with the paper ledger's header and signature line."""
    out = io.BytesIO()
    # A village's month is tens of rows: built in memory, which merged cells need.
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    sheet_name = str(sheet.kind.title)[:31]
    for char in "[]:*?/\\":
        sheet_name = sheet_name.replace(char, " ")
    ws = workbook.add_worksheet(sheet_name)
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    subtitle = workbook.add_format({"font_size": 10})
    head = workbook.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2F2F2",
        }
    )
    text = workbook.add_format({"border": 1, "valign": "top"})
    wrapped = workbook.add_format({"border": 1, "valign": "top", "text_wrap": True})
    day = workbook.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"border": 1, "valign": "top", "num_format": "#,##0.##"})

    columns = list(sheet.columns)
    last_col = len(columns)  # column 0 is the row number (序号)
    ws.merge_range(0, 0, 0, last_col, sheet.heading, title)
    ws.write(
        1,
        0,
        _("Township: %(township)s    Printed: %(date)s")
        % {
            "township": sheet.township,
            "date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
        },
        subtitle,
    )
    header_row = 2
    ws.write(header_row, 0, _("No."), head)
    ws.set_column(0, 0, 5)
    for i, column in enumerate(columns, start=1):
        ws.write(header_row, i, str(column.label), head)
        ws.set_column(i, i, column.width)
    for r, values in enumerate(sheet.values(), start=header_row + 1):
        ws.write_number(r, 0, r - header_row, text)
        for c, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            if value is None or value == "":
                ws.write_blank(r, c, None, text)
            elif isinstance(value, bool):
                ws.write_string(r, c, _("yes") if value else _("no"), text)
            elif isinstance(value, date):
                ws.write_datetime(r, c, value, day)
            elif isinstance(value, Decimal | int | float):
                ws.write_number(r, c, value, money)
            else:
                ws.write_string(r, c, str(value), wrapped if column.wide else text)
    rows = len(sheet.rows)
    sign_row = header_row + rows + 2
    ws.write(sign_row, 0, _("Filled in by (填表人): ____________"))
    ws.write(sign_row, max(2, last_col // 2), _("Reviewed by (审核人): ____________"))
    ws.write(sign_row, max(3, last_col - 1), _("Date: ________"))

    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)  # as wide as the page, as many pages long as it takes
    ws.repeat_rows(header_row)
    ws.freeze_panes(header_row + 1, 0)
    workbook.close()
    return out.getvalue(), rows
