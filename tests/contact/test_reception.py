"""接待日: "每周三是沧江乡的赶集天, 在当天都会有专门的领导接待群众来访" (seed 004)."""

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contact.forms_help import BaseDutyFormSet
from contact.models import ReceptionDuty, ReceptionSchedule, Visit
from contact.roles import Role
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = 2
# A Tuesday: the first Wednesday from it is the next day.
START = date(2030, 1, 1)
WEDNESDAYS = [date(2030, 1, 2), date(2030, 1, 9), date(2030, 1, 16), date(2030, 1, 23)]


@pytest.fixture
def schedule(personas):
    return ReceptionSchedule.objects.create(
        area=personas.township, weekday=WEDNESDAY, place="镇便民服务中心", note="market day"
    )


@pytest.fixture
def outsider_leader(personas):
    return CadreFactory(
        name="白头镇书记", scope_area=personas.other_township, roles=[Role.TOWNSHIP_LEADER]
    )


def generate_url(schedule, weeks=4, start=START):
    return (
        reverse("contact:reception_duties_generate", args=[schedule.pk])
        + f"?weeks={weeks}&start={start.isoformat()}"
    )


def duties_post(rows):
    data = {
        "duty-TOTAL_FORMS": str(len(rows)),
        "duty-INITIAL_FORMS": str(len(rows)),
        "duty-MIN_NUM_FORMS": "0",
        "duty-MAX_NUM_FORMS": "26",
    }
    for i, (day, leader) in enumerate(rows):
        data[f"duty-{i}-date"] = day.isoformat()
        data[f"duty-{i}-leader"] = leader.pk if leader else ""
    return data


def receive(duty, cadre, n=1):
    for _ in range(n):
        Visit.objects.create(
            cadre=cadre,
            area=duty.schedule.area,
            method=Visit.Method.RECEPTION,
            reception_duty=duty,
            situation="反映通组路严重损坏",
            idempotency_key=uuid.uuid4(),
        )


def test_a_leader_sets_up_the_wednesday_market_day(client, personas):
    client.force_login(personas.leader.user)
    response = client.post(
        reverse("contact:reception_schedule_create"),
        {
            "area": personas.township.pk,
            "weekday": WEDNESDAY,
            "place": "镇便民服务中心",
            "note": "赶集天",
        },
    )
    assert response.status_code == 302
    schedule = ReceptionSchedule.objects.get()
    assert (schedule.area, schedule.weekday, schedule.note) == (personas.township, 2, "赶集天")
    roster = client.get(reverse("contact:reception")).content.decode()
    assert "镇便民服务中心" in roster and "赶集天" in roster


def test_a_schedule_only_goes_to_a_township_in_scope(client, personas):
    client.force_login(personas.leader.user)
    response = client.post(
        reverse("contact:reception_schedule_create"),
        {"area": personas.other_township.pk, "weekday": WEDNESDAY, "place": "x"},
    )
    assert response.status_code == 400
    assert "area" in response.context["form"].errors
    assert not ReceptionSchedule.objects.exists()


def test_duties_are_offered_for_n_weeks_on_the_schedules_weekday(client, personas, schedule):
    client.force_login(personas.leader.user)
    response = client.get(generate_url(schedule, weeks=4))
    assert response.status_code == 200
    offered = [f.initial["date"] for f in response.context["formset"].forms]
    assert offered == WEDNESDAYS
    assert all(day.weekday() == WEDNESDAY for day in offered)
    # Leaders must see the township's roster: 张丽's scope is only her village.
    leaders = set(response.context["formset"].forms[0].fields["leader"].queryset)
    assert personas.leader in leaders and personas.reviewer in leaders
    assert personas.cadre not in leaders and personas.outsider not in leaders


def test_a_leader_is_put_on_each_date(client, personas, schedule):
    client.force_login(personas.leader.user)
    rows = [
        (WEDNESDAYS[0], personas.leader),
        (WEDNESDAYS[1], personas.reviewer),
        (WEDNESDAYS[2], None),  # left empty: skipped
        (WEDNESDAYS[3], personas.leader),
    ]
    response = client.post(generate_url(schedule), duties_post(rows))
    assert response.status_code == 302
    duties = list(schedule.duties.order_by("date").values_list("date", "leader"))
    assert duties == [
        (WEDNESDAYS[0], personas.leader.pk),
        (WEDNESDAYS[1], personas.reviewer.pk),
        (WEDNESDAYS[3], personas.leader.pk),
    ]


def test_a_date_already_on_the_roster_is_not_offered_again(client, personas, schedule):
    ReceptionDuty.objects.create(schedule=schedule, date=WEDNESDAYS[1], leader=personas.reviewer)
    client.force_login(personas.leader.user)
    response = client.get(generate_url(schedule))
    offered = [f.initial["date"] for f in response.context["formset"].forms]
    assert WEDNESDAYS[1] not in offered
    assert [d.date for d in response.context["existing"]] == [WEDNESDAYS[1]]


def test_a_second_duty_on_the_same_day_is_refused_with_a_message(client, personas, schedule):
    ReceptionDuty.objects.create(schedule=schedule, date=WEDNESDAYS[1], leader=personas.reviewer)
    client.force_login(personas.leader.user)
    response = client.post(
        generate_url(schedule),
        duties_post([(WEDNESDAYS[0], personas.leader), (WEDNESDAYS[1], personas.leader)]),
    )
    assert response.status_code == 400
    errors = response.context["formset"].forms[1].errors["date"]
    assert "李秀英" in errors[0]
    assert "李秀英" in response.content.decode()
    assert schedule.duties.count() == 1
    # What was chosen is still chosen.
    assert response.context["formset"].forms[0]["leader"].value() == str(personas.leader.pk)


def test_the_same_date_twice_in_one_form_is_refused(client, personas, schedule):
    client.force_login(personas.leader.user)
    response = client.post(
        generate_url(schedule),
        duties_post([(WEDNESDAYS[0], personas.leader), (WEDNESDAYS[0], personas.reviewer)]),
    )
    assert response.status_code == 400
    assert response.context["formset"].forms[1].errors["date"]
    assert not schedule.duties.exists()


def test_a_date_off_the_weekday_is_refused(client, personas, schedule):
    client.force_login(personas.leader.user)
    response = client.post(
        generate_url(schedule), duties_post([(WEDNESDAYS[0] + timedelta(days=1), personas.leader)])
    )
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["date"]


def test_a_duty_saved_meanwhile_undoes_the_whole_batch(client, personas, schedule, monkeypatch):
    """The form's check passed, then someone else saved the date: the database constraint decides."""
    ReceptionDuty.objects.create(schedule=schedule, date=WEDNESDAYS[1], leader=personas.reviewer)
    monkeypatch.setattr(BaseDutyFormSet, "clean", lambda self: None)
    client.force_login(personas.leader.user)
    response = client.post(
        generate_url(schedule),
        duties_post([(WEDNESDAYS[0], personas.leader), (WEDNESDAYS[1], personas.leader)]),
    )
    assert response.status_code == 400
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert list(schedule.duties.values_list("date", flat=True)) == [WEDNESDAYS[1]]


def test_the_roster_counts_residents_received_and_offers_the_leader_the_visit_form(
    client, personas, schedule
):
    today = timezone.localdate()
    today_duty = ReceptionDuty.objects.create(schedule=schedule, date=today, leader=personas.leader)
    past = ReceptionDuty.objects.create(
        schedule=schedule, date=today - timedelta(days=7), leader=personas.reviewer
    )
    coming = ReceptionDuty.objects.create(
        schedule=schedule, date=today + timedelta(days=7), leader=personas.reviewer
    )
    receive(today_duty, personas.leader, 3)
    receive(past, personas.reviewer, 2)

    client.force_login(personas.leader.user)
    response = client.get(reverse("contact:reception"))
    assert [(d.pk, d.received) for d in response.context["today_duties"]] == [(today_duty.pk, 3)]
    assert [d.pk for d in response.context["page"].object_list] == [coming.pk]
    log_today = reverse("contact:visit_create") + f"?duty={today_duty.pk}"
    assert log_today in response.content.decode()
    # Following the link opens the lead's visit form on the 接待日 method.
    form = client.get(log_today)
    assert form.status_code == 200
    assert form.context["form"].initial["method"] == Visit.Method.RECEPTION

    response = client.get(reverse("contact:reception"), {"when": "past"})
    assert [(d.pk, d.received) for d in response.context["page"].object_list] == [(past.pk, 2)]
    # Only the leader on duty gets the button.
    assert f"?duty={past.pk}" not in response.content.decode()
    detail = client.get(reverse("contact:reception_duty", args=[past.pk]))
    assert detail.context["received"] == 2
    assert len(detail.context["page"].object_list) == 2


def test_a_duty_with_residents_received_cannot_be_removed(client, personas, schedule):
    held = ReceptionDuty.objects.create(
        schedule=schedule, date=date(2024, 2, 14), leader=personas.leader
    )
    empty = ReceptionDuty.objects.create(
        schedule=schedule, date=WEDNESDAYS[0], leader=personas.leader
    )
    receive(held, personas.leader)
    client.force_login(personas.leader.user)
    client.post(reverse("contact:reception_duty_delete", args=[held.pk]))
    client.post(reverse("contact:reception_duty_delete", args=[empty.pk]))
    assert list(ReceptionDuty.objects.all()) == [held]
    assert client.get(reverse("contact:reception_duty_delete", args=[held.pk])).status_code == 405


def test_a_reviewer_reads_the_roster_but_cannot_plan_it(client, personas, schedule):
    client.force_login(personas.reviewer.user)
    assert client.get(reverse("contact:reception")).status_code == 200
    assert client.get(generate_url(schedule)).status_code == 403
    assert client.get(reverse("contact:reception_schedule_create")).status_code == 403


def test_another_townships_reception_day_is_a_404(client, personas, outsider_leader):
    theirs = ReceptionSchedule.objects.create(
        area=personas.other_township, weekday=WEDNESDAY, place="白头镇政府"
    )
    duty = ReceptionDuty.objects.create(schedule=theirs, date=WEDNESDAYS[0], leader=outsider_leader)
    client.force_login(personas.leader.user)
    for url in (
        reverse("contact:reception_schedule_edit", args=[theirs.pk]),
        generate_url(theirs),
        reverse("contact:reception_duty", args=[duty.pk]),
        reverse("contact:reception") + f"?township={personas.other_township.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(generate_url(theirs), duties_post([])).status_code == 404
    assert client.post(reverse("contact:reception_duty_delete", args=[duty.pk])).status_code == 404
    assert ReceptionDuty.objects.filter(pk=duty.pk).exists()
    roster = client.get(reverse("contact:reception")).content.decode()
    assert "白头镇政府" not in roster


def test_only_the_duty_leader_or_a_roster_leader_logs_receptions_for_a_duty(client, db):
    import datetime

    from contact.models import ReceptionDuty, ReceptionSchedule
    from tests.contact.visit_data import build_place, make_cadre

    place = build_place()
    schedule = ReceptionSchedule.objects.create(
        area=place.township, weekday=2, place="便民服务中心"
    )
    duty = ReceptionDuty.objects.create(
        schedule=schedule, date=datetime.date(2026, 11, 18), leader=place.leader
    )
    township_cadre = make_cadre("qq_ganbu", "镇干部", place.township)
    url = reverse("contact:visit_create") + f"?duty={duty.pk}"
    client.force_login(township_cadre.user)
    assert client.get(url).status_code == 403
    client.force_login(place.leader.user)
    assert client.get(url).status_code == 200
    client.force_login(place.outsider.user)
    assert client.get(url).status_code == 404
