"""What the ledgers make due: a demand's deadline and return visit, the monthly submission (报送),
and the digest's lines about entries the reviewers returned."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from contact.due import due_plan
from contact.models import DueItem, Notification, Pairing, Reminder, ReminderSettings
from contact.reminders import digest_lines, settings_for, sweep
from contact.services import pairing_assign_area
from ledgers import services
from ledgers.models import Demand, LedgerSubmission, ReturnVisit, StabilityCase
from ledgers.reminders import plan_ledger_submissions, returned_section
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db

Kind = DueItem.Kind
ItemState = DueItem.State
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 10)  # a Tuesday; the ledgers are due on the 25th


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def items(kind, **filters):
    return DueItem.objects.filter(kind=kind, **filters).order_by("pk")


# --- A demand's deadline and return visit ------------------------------------------------


def record(personas, household, **kw):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description="通组路垮塌一段",
        resident_phone=household.phone,
        **kw,
    )
    return demand


def assign(demand, personas, handler=None):
    return services.demand_assign(
        demand=demand,
        by=personas.leader.user,
        handler_cadre=handler or personas.cadre,
        instructions="三日内查看现场",
    )


def resolve(demand, personas):
    return services.demand_resolve(
        demand=demand, by=personas.cadre.user, resolution="已填平垮塌路段"
    )


def return_visit(demand, personas, satisfaction=ReturnVisit.Satisfaction.SATISFIED):
    solved = (
        ReturnVisit.Solved.SOLVED
        if satisfaction != ReturnVisit.Satisfaction.DISSATISFIED
        else ReturnVisit.Solved.NOT_SOLVED
    )
    return services.demand_return_visit(
        demand=demand, by=personas.cadre.user, satisfaction=satisfaction, solved=solved
    )


def test_a_recorded_demand_has_its_deadline_due_for_the_cadre_who_recorded_it(personas, household):
    demand = record(personas, household)

    (item,) = items(Kind.DEMAND)
    assert (item.state, item.due_on, item.cadre, item.household) == (
        ItemState.PENDING,
        demand.deadline,
        personas.cadre,
        household,
    )
    assert demand.reference in item.title
    assert item.url == demand.get_absolute_url()


def test_an_assigned_demand_concerns_its_handler(personas, household):
    demand = record(personas, household)
    handler = CadreFactory(name="刘洋", scope_area=personas.village)

    assign(demand, personas, handler=handler)

    (item,) = items(Kind.DEMAND)
    assert item.cadre == handler
    assert item.state == ItemState.PENDING


def test_resolving_closes_the_deadline_and_opens_the_return_visit_a_week_later(personas, household):
    demand = assign(record(personas, household), personas)
    with time_machine.travel(at(TODAY), tick=False):
        resolve(demand, personas)

    (deadline,) = items(Kind.DEMAND)
    assert deadline.state == ItemState.DONE
    (visit,) = items(Kind.RETURN_VISIT)
    assert (visit.state, visit.due_on, visit.cadre) == (
        ItemState.PENDING,
        TODAY + timedelta(days=7),
        personas.cadre,
    )


def test_the_county_sets_how_many_days_after_resolution_the_return_visit_is_due(
    personas, household
):
    county_settings = settings_for(personas.village)
    county_settings.return_visit_days = 3
    county_settings.save()
    demand = assign(record(personas, household), personas)
    with time_machine.travel(at(TODAY), tick=False):
        resolve(demand, personas)

    assert items(Kind.RETURN_VISIT).get().due_on == TODAY + timedelta(days=3)


def test_the_return_visit_closes_its_item(personas, household):
    demand = resolve(assign(record(personas, household), personas), personas)

    return_visit(demand, personas)

    assert list(items(Kind.RETURN_VISIT).values_list("state", flat=True)) == [ItemState.DONE]
    assert not DueItem.objects.open().exists()


def test_an_unsatisfied_return_visit_reopens_with_a_new_deadline_item(personas, household):
    demand = assign(record(personas, household), personas)
    with time_machine.travel(at(TODAY), tick=False):
        resolve(demand, personas)
    with time_machine.travel(at(TODAY + timedelta(days=7)), tick=False):
        return_visit(demand, personas, satisfaction=ReturnVisit.Satisfaction.DISSATISFIED)
    demand.refresh_from_db()

    assert demand.state == Demand.State.ASSIGNED
    first, second = items(Kind.DEMAND)
    assert first.state == ItemState.DONE
    assert (second.state, second.due_on, second.cadre) == (
        ItemState.PENDING,
        demand.deadline,
        personas.cadre,
    )
    assert items(Kind.RETURN_VISIT).get().state == ItemState.DONE


def test_a_leader_reopening_a_resolved_demand_cancels_the_return_visit(personas, household):
    demand = assign(record(personas, household), personas)
    with time_machine.travel(at(TODAY), tick=False):
        resolve(demand, personas)
    with time_machine.travel(at(TODAY + timedelta(days=2)), tick=False):
        services.demand_reopen(demand=demand, by=personas.leader.user, note="群众反映仍未修好")

    assert items(Kind.RETURN_VISIT).get().state == ItemState.CANCELLED
    assert list(items(Kind.DEMAND).values_list("state", flat=True)) == [
        ItemState.DONE,
        ItemState.PENDING,
    ]


def test_a_deadline_before_national_day_escalates_only_after_the_holiday(
    personas, household, django_capture_on_commit_callbacks
):
    # 30 September 2022 was a Friday; 1–7 October the holiday; Saturday 8 October a working day.
    demand = record(personas, household)
    demand.deadline = date(2022, 9, 30)
    demand.save()
    item = DueItem.objects.open().get(kind=Kind.DEMAND)
    assert item.due_on == date(2022, 9, 30)

    def kinds_after(day):
        with django_capture_on_commit_callbacks(execute=True):
            sweep(now=at(day, 10))
        return set(Reminder.objects.filter(item=item).values_list("kind", flat=True))

    assert kinds_after(date(2022, 9, 30)) == {Reminder.Kind.ON_DAY}
    for day in range(1, 8):
        assert kinds_after(date(2022, 10, day)) == {Reminder.Kind.ON_DAY}, day
    assert kinds_after(date(2022, 10, 8)) == {Reminder.Kind.ON_DAY, Reminder.Kind.ESCALATION_1}
    # Rung 2 after three working days: 8, 9 and 10 October.
    assert Reminder.Kind.ESCALATION_2 not in kinds_after(date(2022, 10, 9))
    assert Reminder.Kind.ESCALATION_2 in kinds_after(date(2022, 10, 10))
    item.refresh_from_db()
    assert (item.state, item.escalation_level) == (ItemState.ESCALATED, 2)


# --- The monthly submission (报送) ---------------------------------------------------------


@pytest.fixture
def paired(personas):
    """张丽 is the 包村 cadre of 群安村 since the spring; 金桂村 is paired with a unit only."""
    pairing_assign_area(
        area=personas.village,
        kind=Pairing.Kind.VILLAGE,
        cadre=personas.cadre,
        start_date=date(2026, 3, 1),
    )
    pairing_assign_area(
        area=personas.other_village,
        kind=Pairing.Kind.VILLAGE,
        unit="崇州市农业农村局",
        start_date=date(2026, 3, 1),
    )
    return personas


def ledger_item(personas, month=date(2026, 11, 1)):
    submission = LedgerSubmission.objects.get(village=personas.village, month=month)
    return DueItem.objects.get(
        kind=Kind.LEDGER,
        source_type=ContentType.objects.get_for_model(LedgerSubmission),
        source_id=submission.pk,
    )


def test_the_planner_opens_the_months_submission_for_each_village_with_a_cadre(paired):
    assert plan_ledger_submissions(TODAY) == 1

    (item,) = items(Kind.LEDGER)
    submission = LedgerSubmission.objects.get()
    assert (submission.village, submission.month, submission.submitted_at) == (
        paired.village,
        date(2026, 11, 1),
        None,
    )
    assert (item.state, item.due_on, item.cadre, item.area) == (
        ItemState.PENDING,
        date(2026, 11, 25),
        paired.cadre,
        paired.village,
    )
    assert "群安村" in item.title
    assert item.url.startswith(reverse("ledgers:index"))


def test_the_planner_is_cheap_when_the_month_is_open_already(paired, django_assert_max_num_queries):
    plan_ledger_submissions(TODAY)
    with django_assert_max_num_queries(2):
        assert plan_ledger_submissions(TODAY + timedelta(days=1)) == 0
    assert items(Kind.LEDGER).count() == 1


def test_the_sweep_runs_the_planner(paired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(TODAY))
    assert items(Kind.LEDGER).count() == 1


def test_the_county_sets_the_submission_day(paired):
    ReminderSettings.objects.update_or_create(
        county=paired.county, defaults={"ledger_submission_day": 5}
    )
    due_plan(TODAY)
    assert items(Kind.LEDGER).get().due_on == date(2026, 11, 5)


def test_an_ended_pairing_opens_nothing(personas):
    pairing = pairing_assign_area(
        area=personas.village,
        kind=Pairing.Kind.VILLAGE,
        cadre=personas.cadre,
        start_date=date(2026, 1, 1),
    )
    pairing.end_date = date(2026, 10, 31)
    pairing.save()
    assert plan_ledger_submissions(TODAY) == 0
    assert not LedgerSubmission.objects.exists()


def test_a_missed_month_stays_overdue_and_escalates_while_the_next_opens(
    paired, django_capture_on_commit_callbacks
):
    plan_ledger_submissions(date(2026, 10, 3))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(TODAY))

    october = ledger_item(paired, date(2026, 10, 1))
    november = ledger_item(paired)
    october.refresh_from_db()
    assert october.state == ItemState.ESCALATED
    assert october.escalation_level == 3  # 11 working days overdue
    assert november.state == ItemState.PENDING

    # Submitting October closes October's item only.
    with time_machine.travel(at(TODAY, 11), tick=False):
        _client(paired.cadre.user).post(
            reverse("ledgers:submission_submit"), {"village": paired.village.pk, "month": "2026-10"}
        )
    october.refresh_from_db()
    november.refresh_from_db()
    assert (october.state, november.state) == (ItemState.DONE, ItemState.PENDING)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_paired_cadre_submits_the_month_with_one_button(paired):
    plan_ledger_submissions(TODAY)
    client = _client(paired.cadre.user)
    with time_machine.travel(at(TODAY, 15), tick=False):
        response = client.post(
            reverse("ledgers:submission_submit"),
            {"village": paired.village.pk, "month": "2026-11"},
            follow=True,
        )

    assert response.status_code == 200
    assert "群安村" in response.content.decode()
    submission = LedgerSubmission.objects.get()
    assert submission.submitted_by == paired.cadre.user
    assert submission.submitted_at == at(TODAY, 15)
    item = ledger_item(paired)
    assert (item.state, item.closed_at) == (ItemState.DONE, at(TODAY, 15))


def test_a_second_click_changes_nothing(paired):
    plan_ledger_submissions(TODAY)
    client = _client(paired.cadre.user)
    url = reverse("ledgers:submission_submit")
    form = {"village": paired.village.pk, "month": "2026-11"}
    with time_machine.travel(at(TODAY, 15), tick=False):
        client.post(url, form)
    # Ten minutes later: within the session's idle time.
    with time_machine.travel(at(TODAY, 15) + timedelta(minutes=10), tick=False):
        second = client.post(url, form)
        page = client.get(second.headers["Location"])

    submission = LedgerSubmission.objects.get()
    assert submission.submitted_at == at(TODAY, 15)
    assert ledger_item(paired).closed_at == at(TODAY, 15)
    assert [m.level_tag for m in page.context["messages"]] == ["success", "info"]


def test_a_month_without_an_item_yet_is_submitted_all_the_same(paired):
    client = _client(paired.cadre.user)
    client.post(
        reverse("ledgers:submission_submit"), {"village": paired.village.pk, "month": "2026-09"}
    )
    submission = LedgerSubmission.objects.get()
    assert (submission.month, submission.submitted_by) == (date(2026, 9, 1), paired.cadre.user)
    assert not DueItem.objects.filter(kind=Kind.LEDGER).exists()


def test_a_month_not_begun_cannot_be_submitted(paired):
    with time_machine.travel(at(TODAY), tick=False):
        _client(paired.cadre.user).post(
            reverse("ledgers:submission_submit"),
            {"village": paired.village.pk, "month": "2026-12"},
        )
    assert not LedgerSubmission.objects.exists()


def test_outside_the_scope_the_submission_is_a_404(paired):
    plan_ledger_submissions(TODAY)
    response = _client(paired.outsider.user).post(
        reverse("ledgers:submission_submit"), {"village": paired.village.pk, "month": "2026-11"}
    )
    assert response.status_code == 404
    assert not LedgerSubmission.objects.filter(submitted_at__isnull=False).exists()


@pytest.mark.parametrize("value", ["", "x", "²"])
def test_a_malformed_village_is_a_404(paired, value):
    response = _client(paired.cadre.user).post(
        reverse("ledgers:submission_submit"), {"village": value, "month": "2026-11"}
    )
    assert response.status_code == 404


def test_a_leader_who_is_not_the_villages_cadre_may_not_submit_it(paired):
    plan_ledger_submissions(TODAY)
    response = _client(paired.leader.user).post(
        reverse("ledgers:submission_submit"), {"village": paired.village.pk, "month": "2026-11"}
    )
    assert response.status_code == 403
    assert LedgerSubmission.objects.get().submitted_at is None


def test_submitting_needs_a_post(paired):
    response = _client(paired.cadre.user).get(reverse("ledgers:submission_submit"))
    assert response.status_code == 405


def test_the_index_shows_the_cadre_her_button_and_the_leader_the_count(paired):
    with time_machine.travel(at(TODAY), tick=False):
        plan_ledger_submissions(TODAY)
        mine = _client(paired.cadre.user).get(reverse("ledgers:index")).content.decode()
        leaders = _client(paired.leader.user).get(reverse("ledgers:index")).content.decode()
        outsiders = _client(paired.outsider.user).get(reverse("ledgers:index")).content.decode()

    assert f'id="submission-{paired.village.pk}"' in mine
    assert reverse("ledgers:submission_submit") in mine
    assert 'data-submitted="0"' in leaders
    assert reverse("ledgers:submission_submit") not in leaders
    assert 'id="submissions"' not in outsiders


def test_a_new_village_cadre_takes_over_the_open_submissions(paired):
    plan_ledger_submissions(TODAY)
    pairing = Pairing.objects.get(kind=Pairing.Kind.VILLAGE, cadre=paired.cadre)
    pairing.end_date = TODAY - timedelta(days=1)
    pairing.start_date = date(2026, 3, 1)
    with time_machine.travel(at(TODAY), tick=False):
        pairing.save()
        successor = CadreFactory(name="刘洋", scope_area=paired.village)
        pairing_assign_area(
            area=paired.village, kind=Pairing.Kind.VILLAGE, cadre=successor, start_date=TODAY
        )

    assert ledger_item(paired).cadre == successor


def test_submissions_are_read_in_scope(paired):
    plan_ledger_submissions(TODAY)
    assert LedgerSubmission.objects.visible_to(paired.leader.user).count() == 1
    assert LedgerSubmission.objects.visible_to(paired.outsider.user).count() == 0


# --- The digest's lines about returned entries ----------------------------------------------


def _returned_case(personas, note="请补充双方姓名"):
    case = StabilityCase.objects.create(
        area=personas.village,
        kind=StabilityCase.Kind.NEIGHBOUR,
        parties="向朝清、向朝明",
        summary="宅基地边界纠纷",
        risk=StabilityCase.Risk.LOW,
        recorded_by=personas.cadre.user,
    )
    services.entry_return(entry=case, by=personas.reviewer.user, note=note)
    return case


def test_the_digest_lists_the_authors_returned_entries(personas):
    _returned_case(personas)
    _returned_case(personas, note="风险等级应为中")

    lines = returned_section(personas.cadre.user, TODAY)

    assert len(lines) == 3
    assert "2" in lines[0]
    assert any("请补充双方姓名" in line for line in lines[1:])
    assert any("风险等级应为中" in line for line in lines[1:])
    assert returned_section(personas.leader.user, TODAY) == []
    assert returned_section.candidates(TODAY) == {personas.cadre.user.pk}


def test_an_entry_sent_back_to_the_queue_leaves_the_digest(personas):
    case = _returned_case(personas)
    services.entry_update(entry=case, by=personas.cadre.user, fields={"parties": "向朝清、向朝明"})
    assert returned_section(personas.cadre.user, TODAY) == []
    assert returned_section.candidates(TODAY) == set()


def test_a_cadre_with_nothing_due_gets_a_digest_about_her_returned_entries(
    personas, django_capture_on_commit_callbacks
):
    _returned_case(personas)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(TODAY, 8))

    digest = Notification.objects.get(user=personas.cadre.user, kind=Notification.Kind.DIGEST)
    assert "请补充双方姓名" in digest.body
    assert digest_lines(personas.cadre.user, TODAY)[-1].endswith("请补充双方姓名")
    assert not Notification.objects.filter(user=personas.leader.user).exists()
