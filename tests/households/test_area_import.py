"""Importing the area tree: the statistics bureau's 12-digit codes in, all rows or none.

The fixture is 崇州市 (510184) with 桤泉镇 and four other townships; a party
office that gets a code wrong on one line must learn which line, and find
nothing half-imported.
"""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from households.areas import import_area_rows, parse_division_code
from households.models import Area

pytestmark = pytest.mark.django_db

FIXTURE = settings.BASE_DIR / "fixtures" / "areas_510184.csv"

TREE = [
    ("510184000000", "崇州市"),
    ("510184104000", "桤泉镇"),
    ("510184104201", "群安村"),
    ("510184104201001", "一组"),
]


def import_file(path):
    call_command("import_areas", str(path), stdout=(out := _Out()))
    return out.text


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def write_csv(tmp_path, text, name="areas.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def errors_of(rows, **kwargs):
    """The line numbers and codes of the rows refused, whatever language the messages are in."""
    with pytest.raises(ValidationError) as info:
        import_area_rows(rows, **kwargs)
    return [(e.params["line"], e.params["code"]) for e in info.value.error_list]


# --- The fixture -----------------------------------------------------------------


def test_it_imports_the_demo_county_from_the_fixture():
    out = import_file(FIXTURE)

    county = Area.objects.get(code="510184")
    assert county.name == "崇州市" and county.level == Area.Level.COUNTY and county.parent is None
    townships = Area.objects.filter(level=Area.Level.TOWNSHIP)
    assert set(townships.values_list("name", flat=True)) == {
        "崇阳街道",
        "羊马街道",
        "桤泉镇",
        "白头镇",
        "街子镇",
    }
    qunan = Area.objects.get(name="群安村")
    assert qunan.code == "510184104201"
    assert qunan.parent.name == "桤泉镇" and qunan.level == Area.Level.VILLAGE
    assert qunan.national_code == "510184104201"
    assert qunan.full_name == "桤泉镇群安村"
    for township in townships:
        villages = township.children.all()
        assert 4 <= villages.count() <= 8, township
        for village in villages:
            assert 3 <= village.children.count() <= 8, village
            assert all(g.level == Area.Level.GROUP for g in village.children.all())
    total = Area.objects.count()
    assert f"{total}" in out


def test_every_imported_code_starts_with_its_parents_and_passes_the_model_rules():
    import_file(FIXTURE)
    for area in Area.objects.select_related("parent"):
        area.full_clean()
        if area.parent:
            assert area.code.startswith(area.parent.code)
            assert len(area.code) == len(area.parent.code) + 3


def test_importing_the_same_file_again_changes_nothing():
    import_file(FIXTURE)
    before = list(Area.objects.values_list("pk", "code", "name", "parent_id"))

    result = import_area_rows(TREE)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert list(Area.objects.values_list("pk", "code", "name", "parent_id")) == before


def test_a_renamed_area_is_updated_in_place():
    import_area_rows(TREE)
    village = Area.objects.get(code="510184104201")

    result = import_area_rows([("510184104201", "群安村（合并）")])

    assert (result.created, result.updated) == (0, 1)
    village.refresh_from_db()
    assert village.name == "群安村（合并）"


# --- File formats ------------------------------------------------------------------


def test_it_reads_csv_with_a_byte_order_mark_and_english_headers(tmp_path):
    rows = "\n".join(f"{code},{name}" for code, name in TREE)
    path = write_csv(tmp_path, "code,name\n" + rows + "\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    out = import_file(path)

    assert Area.objects.count() == 4
    assert "4" in out


def test_it_reads_the_first_sheet_of_an_xlsx_with_codes_stored_as_numbers(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["名称", "代码", "备注"])
    for code, name in TREE:
        sheet.append([name, int(code), ""])
    workbook.create_sheet("说明").append(["这张表不导入"])
    path = tmp_path / "areas.xlsx"
    workbook.save(path)

    import_file(path)

    assert Area.objects.get(code="510184104201001").parent.code == "510184104201"


def test_a_file_without_the_headers_is_refused(tmp_path):
    path = write_csv(tmp_path, "区划,地名\n510184000000,崇州市\n")
    with pytest.raises(CommandError, match="代码"):
        import_file(path)


def test_a_file_that_is_not_utf8_is_refused_cleanly(tmp_path):
    path = write_csv(tmp_path, "代码,名称\n510184000000,崇州市\n", encoding="gbk")
    with pytest.raises(CommandError, match="UTF-8"):
        import_file(path)
    assert not Area.objects.exists()


def test_a_missing_file_is_refused_cleanly(tmp_path):
    with pytest.raises(CommandError):
        import_file(tmp_path / "nowhere.csv")


# --- One bad row -------------------------------------------------------------------


def test_a_file_with_one_bad_row_changes_nothing_and_names_its_line(tmp_path):
    import_area_rows(TREE[:2])
    path = write_csv(
        tmp_path,
        "代码,名称\n"
        "510184104000,桤泉镇人民政府\n"  # a rename that must not happen
        "510184104202,金桂村\n"
        "51018410420X,错误代码\n"  # line 4
        "510184104203,万石村\n",
    )

    with pytest.raises(CommandError) as info:
        import_file(path)

    lines = str(info.value).splitlines()
    assert len(lines) == 2  # the heading and the one bad row
    assert "4" in lines[1] and "51018410420X" in lines[1]
    assert Area.objects.count() == 2
    assert Area.objects.get(code="510184104").name == "桤泉镇"


def test_every_bad_row_is_listed_with_its_line():
    refused = errors_of(
        [
            ("510184000000", "崇州市"),
            ("5101841", "太短"),  # line 2: length
            ("510184104000", "桤泉镇"),
            ("510184104201", ""),  # line 4: no name
            ("510184104201", "群安村"),  # line 5: duplicate of line 4
        ]
    )
    assert refused == [(2, "5101841"), (4, "510184104201"), (5, "510184104201")]
    assert not Area.objects.exists()


def test_line_numbers_follow_the_file_blank_lines_included():
    refused = errors_of([("510184000000", "崇州市"), ("", ""), ("abc", "坏")], first_line=2)
    assert refused == [(4, "abc")]


# --- Codes and parents -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "significant", "level"),
    [
        ("510184000000", "510184", Area.Level.COUNTY),
        ("510184104000", "510184104", Area.Level.TOWNSHIP),
        ("510184104201", "510184104201", Area.Level.VILLAGE),
        ("510184104201003", "510184104201003", Area.Level.GROUP),
        (" 510184104201 ", "510184104201", Area.Level.VILLAGE),
        (510184104201.0, "510184104201", Area.Level.VILLAGE),
    ],
)
def test_level_and_stored_code_follow_from_the_national_code(code, significant, level):
    assert parse_division_code(code) == (significant, level)


@pytest.mark.parametrize(
    "code", ["51018410420", "5101841042010", "5101841042010011", "51018A104201"]
)
def test_codes_of_the_wrong_shape_are_refused(code):
    with pytest.raises(ValidationError):
        parse_division_code(code)


def test_an_area_whose_parent_is_neither_in_the_file_nor_imported_is_refused():
    with pytest.raises(ValidationError) as info:
        import_area_rows([("510184000000", "崇州市"), ("510184104201", "群安村")])
    assert [e.params["line"] for e in info.value.error_list] == [2]
    assert "510184104" in info.value.messages[0]
    assert not Area.objects.exists()


def test_a_child_of_a_bad_row_is_refused_too():
    refused = errors_of(
        [("510184000000", "崇州市"), ("510184104000", ""), ("510184104201", "群安村")]
    )
    assert refused == [(2, "510184104000"), (3, "510184104201")]


def test_the_parent_may_come_after_the_child_or_already_exist():
    import_area_rows([("510184104201001", "一组"), ("510184104201", "群安村"), *TREE[:2]])
    assert Area.objects.get(code="510184104201001").parent.parent.name == "桤泉镇"

    import_area_rows([("510184104201002", "二组")])
    assert Area.objects.get(code="510184104201002").parent.name == "群安村"


def test_a_group_numbered_000_is_refused_by_the_model_rules():
    assert errors_of([*TREE, ("510184104201000", "零组")]) == [(5, "510184104201000")]
