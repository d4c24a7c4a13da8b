"""The party office's admin: constant queries per changelist, imports and exports on the record."""

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import ExportLog, Household, Member
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db


def queries_for(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:households_household_changelist",
        "admin:households_member_changelist",
        "admin:households_area_changelist",
    ],
)
def test_a_changelist_costs_the_same_queries_for_5_or_30_households(client, personas, changelist):
    client.force_login(personas.reviewer.user)
    url = reverse(changelist)

    def add(n):
        for household in HouseholdFactory.create_batch(
            n, area=personas.group, categories=["dibao", "kunnan"]
        ):
            MemberFactory(household=household)

    add(5)
    few = queries_for(client, url)
    add(25)
    many = queries_for(client, url)
    assert Household.objects.count() == 30
    assert many == few


def test_the_household_changelist_shows_categories_and_searches_initials(client, personas):
    HouseholdFactory(area=personas.group, head_name="张三", categories=["dibao", "kunnan"])
    HouseholdFactory(area=personas.group, head_name="刘永林")
    client.force_login(personas.reviewer.user)
    response = client.get(reverse("admin:households_household_changelist"), {"q": "zs"})
    page = response.content.decode()
    assert response.context["cl"].result_count == 1
    assert "低保户、困难户" in page


def test_the_admin_is_in_chinese(client, personas):
    client.force_login(personas.reviewer.user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "民情通" in page
    assert '<html lang="zh-hans"' in page


def test_member_changelist_shows_ids_by_permission(client, personas):
    number = make_id_number(sequence=481)
    MemberFactory(household=HouseholdFactory(area=personas.group), id_number=number)
    client.force_login(personas.leader.user)
    as_leader = client.get(reverse("admin:households_member_changelist")).content.decode()
    client.force_login(personas.reviewer.user)
    as_reviewer = client.get(reverse("admin:households_member_changelist")).content.decode()
    assert number not in as_leader and f"{number[:6]}********{number[-4:]}" in as_leader
    assert number in as_reviewer


def request_for(user):
    request = RequestFactory().get(reverse("admin:households_member_changelist"))
    request.user = user
    return request


def test_a_concurrent_reviewer_request_does_not_unmask_a_leaders_rows(personas):
    # One ModelAdmin instance serves every thread: what a row shows must come
    # from the request rendering it, not from whichever request came last.
    number = make_id_number(sequence=482)
    MemberFactory(household=HouseholdFactory(area=personas.group), id_number=number)
    member_admin = admin.site._registry[Member]
    leaders = member_admin.get_changelist_instance(request_for(personas.leader.user))
    member_admin.get_changelist_instance(request_for(personas.reviewer.user))
    shown = "".join(
        str(cell) for row in leaders.result_list for cell in items_for_result(leaders, row, None)
    )
    assert number[-4:] in shown
    assert number not in shown


def test_an_admin_export_is_logged(client, personas):
    HouseholdFactory.create_batch(3, area=personas.group)
    client.force_login(personas.reviewer.user)
    response = client.post(
        reverse("admin:households_household_export"),
        {"format": "0", "resource": "0", "householdresource_head_name": "on"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    log = ExportLog.objects.get()
    assert log.user == personas.reviewer.user
    assert log.row_count == 3
    assert log.with_id_numbers is False


def test_the_export_log_shows_a_township_administrator_only_their_townships_exports(
    client, personas
):
    from contact.roles import Role
    from tests.factories import CadreFactory

    ours = ExportLog.objects.create(user=personas.reviewer.user, what="members", row_count=7)
    theirs = ExportLog.objects.create(user=personas.outsider.user, what="members", row_count=9)
    administrator = CadreFactory(scope_area=personas.township, roles=[Role.ADMINISTRATOR])
    client.force_login(administrator.user)
    shown = set(
        client.get(reverse("admin:households_exportlog_changelist")).context["cl"].result_list
    )
    assert shown == {ours}
    url = reverse("admin:households_exportlog_change", args=[theirs.pk])
    assert client.get(url).status_code in (302, 404)

    client.force_login(personas.supervisor.user)  # the county's 督查组 reads the whole county
    shown = set(
        client.get(reverse("admin:households_exportlog_changelist")).context["cl"].result_list
    )
    assert shown == {ours, theirs}


def test_the_export_log_names_the_time_of_day_in_china(personas):
    from datetime import UTC, datetime

    log = ExportLog.objects.create(user=personas.reviewer.user, what="members", row_count=1)
    ExportLog.objects.filter(pk=log.pk).update(created_at=datetime(2026, 1, 1, 17, 30, tzinfo=UTC))
    log.refresh_from_db()
    assert str(log).endswith("2026-01-02 01:30")


def roster(*rows):
    lines = ["区划代码,门牌号,户主,电话"] + [",".join(row) for row in rows]
    return SimpleUploadedFile(
        "roster.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv"
    )


def import_roster(client, upload):
    """import-export's two steps: upload and preview, then confirm what the preview kept."""
    preview = client.post(
        reverse("admin:households_household_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    confirm = preview.context.get("confirm_form") if preview.context else None
    if confirm is None:
        return preview, None
    done = client.post(
        reverse("admin:households_household_process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )
    return preview, done


def test_a_reviewer_imports_a_roster_into_their_township(client, personas):
    client.force_login(personas.reviewer.user)
    _preview, done = import_roster(
        client, roster([personas.village.code, "群安村4组7号", "刘永林", "13908187777"])
    )
    assert done is not None and done.status_code == 302
    household = Household.objects.get()
    assert (household.area, household.head_name, household.phone) == (
        personas.village,
        "刘永林",
        "13908187777",
    )


def test_a_roster_row_in_another_township_is_refused(client, personas):
    away = HouseholdFactory(
        area=personas.outsider_village, head_name="赵德明", house_number="9号", phone="13811112222"
    )
    client.force_login(personas.reviewer.user)
    preview, done = import_roster(
        client, roster([personas.outsider_village.code, "9号", "赵德明", "13900000000"])
    )
    assert done is None
    assert preview.status_code == 200
    assert personas.outsider_village.code in preview.content.decode()
    away.refresh_from_db()
    assert away.phone == "13811112222"
    assert Household.objects.count() == 1
