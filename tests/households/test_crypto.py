"""ID-card numbers: encrypted at rest, found by their keyed hash, masked for those not allowed."""

import io
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from households.crypto import (
    decrypt_id_number,
    hash_id_number,
    mask_id_number,
    mask_id_numbers_in,
)
from households.models import ExportLog, Household, Member
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db

# 51018419510308109X: its check character is X, which the mask must keep.
NUMBER = make_id_number(region="510184", birth=date(1951, 3, 8), sequence=109)


def database_text() -> str:
    """Every row of every table, as text: where a plain number would show if it leaked."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Table names come from the database itself, not from a user.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


@pytest.fixture
def household(personas):
    return HouseholdFactory(area=personas.group, head_name="向朝清")


@pytest.fixture
def member(household):
    return MemberFactory(household=household, name="向朝清", relation="head", id_number=NUMBER)


def rows_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_mask_keeps_the_region_and_the_last_four():
    assert NUMBER == "51018419510308109X"
    assert mask_id_number("51018419510308109X") == "510184********109X"
    assert mask_id_number("51018419510308109x") == "510184********109X"


def test_id_numbers_in_free_text_are_masked():
    assert (
        mask_id_numbers_in(f"q={NUMBER.lower()}; area=群安村")
        == "q=510184********109X; area=群安村"
    )


def test_the_column_holds_ciphertext_and_a_hash_never_the_number(member):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash FROM households_member WHERE id = %s",
            [member.pk],
        )
        encrypted, hashed = cursor.fetchone()
    assert NUMBER not in encrypted and NUMBER not in hashed
    assert NUMBER[6:14] not in encrypted  # not even the birth date in clear
    assert len(hashed) == 64
    assert decrypt_id_number(encrypted) == NUMBER
    assert Member.objects.get(pk=member.pk).id_number == NUMBER


def test_a_number_typed_in_the_member_form_is_nowhere_in_the_database(client, personas, household):
    client.force_login(personas.reviewer.user)
    response = client.post(
        reverse("households:member_create", args=[household.pk]),
        {"name": "向朝清", "relation": "head", "id_number": NUMBER.lower(), "phone": "13908181234"},
    )
    assert response.status_code == 302
    member = Member.objects.get(household=household)
    assert member.id_number == NUMBER
    assert member.birth_date == date(1951, 3, 8)
    text = database_text()
    assert NUMBER not in text
    assert NUMBER.lower() not in text


def test_the_same_number_encrypts_differently_each_time(household):
    first = MemberFactory(household=household, id_number=NUMBER)
    second = MemberFactory(household=household, id_number=NUMBER)
    assert first.id_number_encrypted != second.id_number_encrypted
    assert first.id_number_hash == second.id_number_hash


def test_the_hash_finds_the_member_by_exact_number(member, household):
    MemberFactory(household=household)
    assert list(Member.objects.filter(id_number_hash=hash_id_number(NUMBER))) == [member]
    assert list(Member.objects.filter(id_number_hash=hash_id_number(NUMBER.lower()))) == [member]


def test_a_wrong_key_makes_the_number_unreadable_not_the_page_broken(member, settings):
    from cryptography.fernet import Fernet

    settings.ID_NUMBER_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert Member.objects.get(pk=member.pk).id_number == ""


def test_a_cadre_sees_the_mask_on_the_household_page(client, personas, member, household):
    client.force_login(personas.cadre.user)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "510184********109X" in page
    assert NUMBER not in page


def test_a_leader_without_the_permission_sees_the_mask(client, personas, member, household):
    client.force_login(personas.leader.user)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "510184********109X" in page
    assert NUMBER not in page


def test_the_reviewer_sees_the_full_number(client, personas, member, household):
    client.force_login(personas.reviewer.user)
    page = client.get(household.get_absolute_url()).content.decode()
    assert NUMBER in page


def test_the_member_form_shows_only_the_mask_of_the_number_on_record(client, personas, member):
    client.force_login(personas.leader.user)
    url = reverse("households:member_edit", args=[member.household_id, member.pk])
    page = client.get(url).content.decode()
    assert "510184********109X" in page
    assert NUMBER not in page


def test_saving_a_member_without_typing_the_number_keeps_it(client, personas, member):
    client.force_login(personas.leader.user)
    url = reverse("households:member_edit", args=[member.household_id, member.pk])
    client.post(url, {"name": "向朝清", "relation": "head", "id_number": "", "health": "腰痛"})
    member.refresh_from_db()
    assert member.health == "腰痛"
    assert member.id_number == NUMBER


def test_the_member_form_refuses_a_wrong_number(client, personas, household):
    client.force_login(personas.reviewer.user)
    bad = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    response = client.post(
        reverse("households:member_create", args=[household.pk]),
        {"name": "向朝清", "relation": "head", "id_number": bad},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert not Member.objects.exists()


def test_the_member_export_masks_numbers_for_a_cadre_and_is_logged(
    client, personas, member, household
):
    client.force_login(personas.cadre.user)
    response = client.get(reverse("households:export"), {"what": "members"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="members-')
    header, *rows = rows_of(response)
    column = header.index("身份证号")
    assert [row[column] for row in rows] == ["510184********109X"]
    assert not [cell for row in [header, *rows] for cell in row if cell and NUMBER in str(cell)]
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.row_count, log.with_id_numbers) == (
        personas.cadre.user,
        "members",
        1,
        False,
    )


def test_the_reviewer_exports_full_numbers_and_that_is_logged(client, personas, member):
    client.force_login(personas.reviewer.user)
    response = client.get(reverse("households:export"), {"what": "members", "q": "向朝清"})
    header, *rows = rows_of(response)
    assert [row[header.index("身份证号")] for row in rows] == [NUMBER]
    log = ExportLog.objects.get()
    assert log.user == personas.reviewer.user
    assert log.with_id_numbers is True
    assert "向朝清" in log.filters


def test_the_household_export_is_logged_without_numbers(client, personas, member):
    client.force_login(personas.reviewer.user)
    response = client.get(reverse("households:export"))
    header, *rows = rows_of(response)
    assert "身份证号" not in header
    assert [row[header.index("户主")] for row in rows] == ["向朝清"]
    log = ExportLog.objects.get()
    assert (log.what, log.row_count, log.with_id_numbers) == ("households", 1, False)
    assert Household.objects.count() == 1


def test_an_id_number_typed_into_an_export_url_finds_nothing_and_logs_only_the_mask(
    client, personas, member
):
    # Full numbers are looked up by POST only; one pasted into a URL is not searched.
    client.force_login(personas.reviewer.user)
    response = client.get(reverse("households:export"), {"what": "members", "q": NUMBER})
    header, *rows = rows_of(response)
    assert rows == []
    log = ExportLog.objects.get()
    assert "510184********109X" in log.filters
    assert NUMBER not in database_text()
