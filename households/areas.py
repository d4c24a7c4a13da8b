"""Importing the area tree (行政区划) from the statistics bureau's code list.

A county office gets its division codes as a spreadsheet of 12-digit codes
and names (统计用区划代码), and its village groups (村民小组) as 15-digit codes
of their own. `import_area_rows` takes such rows, works out each area's level
and parent from its code, and writes them all or none: a list with one bad
row is sent back whole, with every bad row named by its line.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from households.models import Area

CODE_HEADERS = {"代码", "code", "区划代码"}
NAME_HEADERS = {"名称", "name"}

# A line of the file, with the reason it cannot be imported.
LINE_ERROR = _("Line %(line)d (%(code)s): %(error)s")


@dataclass(frozen=True)
class AreaImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    raw_code: str
    name: str
    code: str = ""
    level: int = 0


def parse_division_code(value) -> tuple[str, int]:
    """A national code as printed (12 digits, 15 for a group) → (significant digits, level).

    510184000000 is the county 510184, 510184104000 the township 510184104,
    510184104201 a village and 510184104201001 one of its groups. The short
    forms (6 and 9 digits) that the Area model itself stores are accepted too.
    """
    code = _code_text(value)
    if not code.isdigit():
        raise ValidationError(_("A division code is made of digits only."), code="area_code_digits")
    if len(code) == 12:
        if code.endswith("000000"):
            return code[:6], Area.Level.COUNTY
        if code.endswith("000"):
            return code[:9], Area.Level.TOWNSHIP
        return code, Area.Level.VILLAGE
    if len(code) == 15:
        return code, Area.Level.GROUP
    if len(code) == 6:
        return code, Area.Level.COUNTY
    if len(code) == 9:
        return code, Area.Level.TOWNSHIP
    raise ValidationError(
        _("A division code has 12 digits, or 15 for a village group; this one has %(n)d."),
        code="area_code_length",
        params={"n": len(code)},
    )


def _code_text(value) -> str:
    # Spreadsheets hand codes over as numbers: 510184104201 or 510184104201.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip().replace(" ", "")


def _row_error(row: _Row, error: ValidationError | str) -> ValidationError:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    return ValidationError(
        LINE_ERROR,
        code="area_row",
        params={"line": row.line, "code": row.raw_code or "—", "error": text},
    )


@transaction.atomic
def import_area_rows(rows: Iterable[Sequence], *, first_line: int = 1) -> AreaImportResult:
    """Create or rename the areas in `rows` of (code, name); all of them or, on any error, none.

    Rows are numbered from `first_line` (2 for a file whose first line is the
    header); blank rows are skipped but counted, so the numbers match the
    file. A parent may come earlier or later in the rows, or exist already.
    Raises ValidationError listing every bad row.
    """
    errors: list[ValidationError] = []
    parsed: list[_Row] = []
    first_seen: dict[str, int] = {}
    for line, values in enumerate(rows, start=first_line):
        values = list(values or [])
        raw_code = _code_text(values[0] if values else "")
        name = str(values[1] if len(values) > 1 and values[1] is not None else "").strip()
        if not raw_code and not name:
            continue
        row = _Row(line=line, raw_code=raw_code, name=name)
        try:
            row.code, row.level = parse_division_code(raw_code)
        except ValidationError as e:
            errors.append(_row_error(row, e))
            continue
        if row.code in first_seen:
            errors.append(
                _row_error(
                    row,
                    gettext("The same code is already on line %(line)d.")
                    % {"line": first_seen[row.code]},
                )
            )
            continue
        first_seen[row.code] = line
        parsed.append(row)

    # Parents before children, so that each child is checked against a saved parent.
    parsed.sort(key=lambda r: (r.level, r.line))
    wanted = sorted(
        {r.code for r in parsed} | {r.code[:-3] for r in parsed if r.level > Area.Level.COUNTY}
    )
    known = {
        a.code: a
        # In slices: a province's list would pass SQLite's limit on query parameters.
        for i in range(0, len(wanted), 500)
        for a in Area.objects.filter(code__in=wanted[i : i + 500])
    }
    failed: set[str] = set()
    created = updated = unchanged = 0

    for row in parsed:
        area = known.get(row.code)
        is_new = area is None
        if is_new:
            area = Area(code=row.code, level=row.level)
        elif area.level != row.level:
            errors.append(
                _row_error(row, gettext("This code belongs to an area of another level."))
            )
            failed.add(row.code)
            continue
        if row.level > Area.Level.COUNTY:
            parent_code = row.code[:-3]
            parent = known.get(parent_code)
            if parent is None or parent_code in failed:
                errors.append(
                    _row_error(
                        row,
                        gettext(
                            "Its parent area %(code)s is neither in the file nor already imported."
                        )
                        % {"code": parent_code},
                    )
                )
                failed.add(row.code)
                continue
            area.parent = parent
        if not is_new and area.name == row.name:
            unchanged += 1
            continue
        area.name = row.name
        try:
            area.full_clean()
        except ValidationError as e:
            errors.append(_row_error(row, e))
            failed.add(row.code)
            continue
        area.save()
        known[row.code] = area
        if is_new:
            created += 1
        else:
            updated += 1

    if errors:
        errors.sort(key=lambda e: e.params["line"])
        # Raising undoes whatever rows were already saved above.
        raise ValidationError(errors)
    return AreaImportResult(created=created, updated=updated, unchanged=unchanged)


def read_area_file(path: Path | str) -> tuple[list[list], int]:
    """The rows of a CSV (UTF-8, with or without BOM) or xlsx file, and the line of the first one.

    The first line holds the headers: 代码 or code, and 名称 or name, in any
    order, among other columns. Raises ValidationError on an unreadable file.
    """
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        table = _read_xlsx(path)
    else:
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                table = list(csv.reader(f))
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not UTF-8 text; save it as CSV UTF-8 or as xlsx."),
                code="area_file_encoding",
            ) from None
        except csv.Error as e:
            raise ValidationError(
                _("The file is not valid CSV: %(error)s"),
                code="area_file_csv",
                params={"error": str(e)},
            ) from None
    if not table:
        raise ValidationError(_("The file is empty."), code="area_file_empty")
    headers = [str(h or "").strip().lower() for h in table[0]]
    try:
        code_col = next(i for i, h in enumerate(headers) if h in CODE_HEADERS)
        name_col = next(i for i, h in enumerate(headers) if h in NAME_HEADERS)
    except StopIteration:
        raise ValidationError(
            _("The first line must name the columns 代码 (code) and 名称 (name)."),
            code="area_file_headers",
        ) from None
    rows = [
        [
            row[code_col] if code_col < len(row) else "",
            row[name_col] if name_col < len(row) else "",
        ]
        for row in table[1:]
    ]
    return rows, 2


def _read_xlsx(path: Path) -> list[list]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        raise ValidationError(
            _("The file is not a readable xlsx workbook."), code="area_file_xlsx"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
