"""The sweep: reminders the day before and on the day, the escalation ladder, digests, delivery."""

import logging
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from contact.due import due_set
from contact.models import (
    Cadre,
    DueItem,
    Notification,
    Pairing,
    Reminder,
    ReminderSettings,
    TaskFailure,
)
from contact.reminders import deliver, digest_all, sweep
from contact.roles import Role
from contact.services import pairing_assign_area, pairing_assign_households
from contact.tasks import deliver_notification
from tests.factories import CadreFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
DUE = date(2026, 11, 16)  # a Monday


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def item(personas):
    """张丽's next step in 群安村, due on Monday 16 November; 刘建华 is the village's 包村 leader."""
    personas.cadre.email = "zhangli@example.cn"
    personas.cadre.save()
    village_leader = CadreFactory(
        name="刘建华",
        post="副镇长",
        rank=Cadre.Rank.TOWNSHIP_LEADER,
        scope_area=personas.township,
        roles=[Role.TOWNSHIP_LEADER],
    )
    pairing_assign_area(area=personas.village, kind=Pairing.Kind.VILLAGE, cadre=village_leader)
    household = HouseholdFactory(area=personas.village, head_name="向朝清")
    pairing_assign_households(
        cadre=personas.cadre, households=[household], start_date=date(2026, 11, 1)
    )
    # Only the item under test is open.
    DueItem.objects.update(state=DueItem.State.CANCELLED)
    return due_set(
        source=Pairing.objects.get(household=household),
        kind=DueItem.Kind.NEXT_STEP,
        due_on=DUE,
        cadre=personas.cadre,
        area=personas.village,
        household=household,
        title="送低保复核申请表",
    )


def run(capture, now):
    with capture(execute=True):
        return sweep(now=now)


def trail(item):
    return list(Reminder.objects.filter(item=item).values_list("kind", "recipients"))


def test_the_day_before_the_cadre_is_reminded_once(
    item, personas, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, at(DUE - timedelta(days=1)))
    run(django_capture_on_commit_callbacks, at(DUE - timedelta(days=1), 15))
    assert trail(item) == [(Kind.BEFORE, "张丽")]
    [notification] = Notification.objects.filter(user=personas.cadre.user)
    assert notification.title == "明天到期：送低保复核申请表"
    assert notification.url == item.get_absolute_url()
    item.refresh_from_db()
    assert item.state == DueItem.State.REMINDED


def test_two_days_before_nothing_is_sent(item, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, at(DUE - timedelta(days=2)))
    assert trail(item) == []


def test_on_the_day_the_cadre_is_reminded_by_e_mail_and_sms(
    item, personas, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="contact.reminders")
    run(django_capture_on_commit_callbacks, at(DUE, 8))
    run(django_capture_on_commit_callbacks, at(DUE, 9))
    assert trail(item) == [(Kind.ON_DAY, "张丽")]
    reminder_mail = [m for m in mail.outbox if "今天到期" in m.subject]
    assert len(reminder_mail) == 1
    assert reminder_mail[0].to == ["zhangli@example.cn"]
    assert item.get_absolute_url() in reminder_mail[0].body
    sms = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to")]
    assert sms == ["SMS to 13908180001: 【民情通】今天到期：送低保复核申请表"]
    notification = Notification.objects.get(reminder__kind=Kind.ON_DAY)
    assert (notification.email_state, notification.sms_state) == ("sent", "sent")


def test_the_ladder_climbs_one_rung_at_a_time_each_once(
    item, personas, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, at(DUE))
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 17)))  # 1 working day overdue
    assert trail(item)[-1] == (Kind.ESCALATION_1, "刘建华")
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 18)))
    assert len(trail(item)) == 2
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 19)))  # 3
    assert trail(item)[-1] == (Kind.ESCALATION_2, "王成龙")
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 21)))  # Saturday: still 4
    assert len(trail(item)) == 3
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 23)))  # 5
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 24)))
    assert trail(item) == [
        (Kind.ON_DAY, "张丽"),
        (Kind.ESCALATION_1, "刘建华"),
        (Kind.ESCALATION_2, "王成龙"),
        (Kind.ESCALATION_3, "陈建国"),
    ]
    item.refresh_from_db()
    assert (item.state, item.escalation_level) == (DueItem.State.ESCALATED, 3)
    supervisor = Notification.objects.get(user=personas.supervisor.user, kind="escalation")
    assert supervisor.title == "逾期（张丽）：送低保复核申请表"
    # The cadre concerned is not sent the escalations of her own item.
    assert not Notification.objects.filter(user=personas.cadre.user, kind="escalation").exists()


def test_a_late_sweep_sends_every_rung_reached_once_and_not_the_day_before(
    item, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 30)))
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 30), 10))
    assert [k for k, _who in trail(item)] == [
        Kind.ON_DAY,
        Kind.ESCALATION_1,
        Kind.ESCALATION_2,
        Kind.ESCALATION_3,
    ]


def test_a_clock_set_back_sends_nothing_already_sent(item, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 19)))
    sent = Notification.objects.count()
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 15)))
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 17)))
    assert Notification.objects.count() == sent
    assert len(trail(item)) == 3


def test_a_rung_the_county_left_empty_is_skipped(
    item, personas, django_capture_on_commit_callbacks
):
    ReminderSettings.objects.create(county=personas.county, escalate_village_leader_days=None)
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 19)))
    assert [k for k, _who in trail(item)] == [Kind.ON_DAY, Kind.ESCALATION_2]


def test_the_countys_delays_set_the_ladder(item, personas, django_capture_on_commit_callbacks):
    ReminderSettings.objects.create(
        county=personas.county,
        escalate_village_leader_days=2,
        escalate_secretary_days=4,
        escalate_supervision_days=10,
    )
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 17)))
    assert [k for k, _who in trail(item)] == [Kind.ON_DAY]
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 20)))  # 4 working days
    assert [k for k, _who in trail(item)] == [Kind.ON_DAY, Kind.ESCALATION_1, Kind.ESCALATION_2]


def test_without_a_village_leader_rung_one_goes_to_the_township(
    item, personas, django_capture_on_commit_callbacks
):
    Pairing.objects.filter(kind=Pairing.Kind.VILLAGE).update(end_date=F("start_date"))
    run(django_capture_on_commit_callbacks, at(date(2026, 11, 17)))
    assert trail(item)[-1] == (Kind.ESCALATION_1, "王成龙")


def test_a_closed_item_is_not_reminded(item, django_capture_on_commit_callbacks):
    DueItem.objects.filter(pk=item.pk).update(state=DueItem.State.DONE)
    run(django_capture_on_commit_callbacks, at(DUE))
    assert trail(item) == []


def test_delivery_is_claimed_so_that_it_is_sent_once(
    item, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        sweep(now=at(DUE))
    notification = Notification.objects.get(user=personas.cadre.user, kind="reminder")
    assert notification.email_state == "pending"
    assert deliver(notification.pk) == ["email", "sms"]
    assert deliver(notification.pk) == []
    assert len(mail.outbox) == 1


def test_a_delivery_that_fails_after_its_retries_is_shown_to_administrators(
    item, personas, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.contact.test_reminder_sweep.BrokenEmailBackend"
    with django_capture_on_commit_callbacks(execute=False):
        sweep(now=at(DUE))
    notification = Notification.objects.get(user=personas.cadre.user, kind="reminder")
    deliver_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.email_state == "failed"
    assert notification.attempts == deliver_notification.max_retries + 1
    failure = TaskFailure.objects.get()
    assert failure.task_name == "contact.deliver_notification"
    assert "SMTP server unreachable" in failure.exception


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_a_notification_queued_while_the_broker_was_down_is_sent_by_the_next_sweep(
    item, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the publish never happened
        sweep(now=at(DUE, 8))
    assert mail.outbox == []
    notification = Notification.objects.get(user=personas.cadre.user, kind="reminder")
    Notification.objects.filter(pk=notification.pk).update(created_at=at(DUE, 8))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(DUE, 9))
    assert len([m for m in mail.outbox if "今天到期" in m.subject]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(DUE, 10))
    assert len([m for m in mail.outbox if "今天到期" in m.subject]) == 1


def test_the_digest_comes_once_a_day_after_the_countys_digest_time(
    item, personas, django_capture_on_commit_callbacks
):
    overdue = due_set(
        source=item,
        kind=DueItem.Kind.NEXT_STEP,
        due_on=DUE - timedelta(days=3),
        cadre=personas.cadre,
        area=personas.village,
        title="回访刘永林",
    )
    assert overdue is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_all(now=at(DUE, 7)) == 0  # before 07:30
        assert digest_all(now=at(DUE, 8)) == 1
        assert digest_all(now=at(DUE, 12)) == 0
    digest = Notification.objects.get(user=personas.cadre.user, kind="digest")
    assert digest.title == "今日工作（11-16）"
    assert digest.body.splitlines() == [
        "今天到期（1项）：",
        "· 送低保复核申请表",
        "已逾期（1项）：",
        "· 回访刘永林（11-13到期）",
    ]
    assert [m.subject for m in mail.outbox if "今日工作" in m.subject] == [
        "[民情通] 今日工作（11-16）"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_all(now=at(DUE + timedelta(days=1), 8)) == 1


def test_nobody_with_nothing_due_gets_a_digest(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_all(now=at(DUE, 8)) == 0
    assert not Notification.objects.exists()
