"""Reminders in the admin: due items scoped, county settings for administrators, failed tasks."""

from datetime import date

import pytest
from django.urls import reverse

from contact.due import due_set
from contact.models import DueItem, ReminderSettings, TaskFailure
from contact.roles import Role
from tests.factories import CadreFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def item_for(cadre, area):
    household = HouseholdFactory(area=area)
    return due_set(
        source=household,
        kind=DueItem.Kind.NEXT_STEP,
        due_on=date(2026, 11, 16),
        cadre=cadre,
        area=area,
        title="送低保复核申请表",
    )


def test_a_leader_reads_his_townships_due_items_and_not_anothers(client, personas):
    ours = item_for(personas.cadre, personas.village)
    theirs = item_for(personas.outsider, personas.outsider_village)
    client.force_login(personas.leader.user)
    listing = client.get(reverse("admin:contact_dueitem_changelist")).content.decode()
    assert "送低保复核申请表" in listing
    assert client.get(reverse("admin:contact_dueitem_change", args=[ours.pk])).status_code == 200
    response = client.get(reverse("admin:contact_dueitem_change", args=[theirs.pk]))
    assert response.status_code in (302, 404)
    assert response.status_code == 404 or "不存在" in client.get(response.url).content.decode()


def test_an_administrator_sets_the_countys_reminders(client, personas):
    admin = CadreFactory(scope_area=personas.county, roles=[Role.ADMINISTRATOR])
    client.force_login(admin.user)
    response = client.post(
        reverse("admin:contact_remindersettings_add"),
        {
            "county": personas.county.pk,
            "return_visit_days": "10",
            "ledger_submission_day": "30",
            "escalate_village_leader_days": "2",
            "escalate_secretary_days": "",
            "escalate_supervision_days": "6",
            "digest_time": "08:00",
            "send_email": "on",
        },
    )
    assert response.status_code == 200  # day 30 is refused: not every month has it
    assert "28" in response.content.decode()
    assert not ReminderSettings.objects.exists()
    response = client.post(
        reverse("admin:contact_remindersettings_add"),
        {
            "county": personas.county.pk,
            "return_visit_days": "10",
            "ledger_submission_day": "25",
            "escalate_village_leader_days": "2",
            "escalate_secretary_days": "",
            "escalate_supervision_days": "6",
            "digest_time": "08:00",
            "send_email": "on",
        },
    )
    assert response.status_code == 302
    saved = ReminderSettings.objects.get()
    assert (saved.return_visit_days, saved.escalate_secretary_days, saved.send_sms) == (
        10,
        None,
        False,
    )


def test_a_plain_cadre_cannot_open_the_reminder_settings(client, personas):
    client.force_login(personas.cadre.user)
    response = client.get(reverse("admin:contact_remindersettings_changelist"))
    assert response.status_code in (302, 403)


def test_administrators_see_failed_tasks_and_mark_them_dealt_with(client, personas):
    failure = TaskFailure.objects.create(
        task_name="contact.deliver_notification",
        task_id="abc",
        args="(12,)",
        exception="ConnectionRefusedError: SMTP server unreachable",
    )
    admin = CadreFactory(scope_area=personas.county, roles=[Role.ADMINISTRATOR])
    client.force_login(admin.user)
    listing = client.get(reverse("admin:contact_taskfailure_changelist")).content.decode()
    assert "SMTP server unreachable" in listing
    client.force_login(personas.leader.user)
    assert client.get(reverse("admin:contact_taskfailure_changelist")).status_code == 403
    assert failure.resolved is False
