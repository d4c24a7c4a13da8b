"""Due items follow their records: a pairing's next visit, a visit's next step, a duty, a box."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from contact.due import due_item_close, due_rebuild, due_set
from contact.models import (
    DueItem,
    Pairing,
    ReceptionDuty,
    ReceptionSchedule,
    Reminder,
    SuggestionBox,
    SuggestionBoxOpening,
    Visit,
    VisitCorrection,
)
from contact.services import pairing_assign_households, pairing_end
from households.models import HouseholdCategory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

Kind, State = DueItem.Kind, DueItem.State
START = date(2026, 11, 2)


def visit_items(household):
    return DueItem.objects.filter(kind=Kind.VISIT, household=household).order_by("pk")


def pair(personas, **household):
    household = HouseholdFactory(area=personas.village, **household)
    pairing_assign_households(cadre=personas.cadre, households=[household], start_date=START)
    return household, Pairing.objects.get(household=household, end_date=None)


def visit(personas, household, when, **fields):
    return Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        visited_at=when,
        situation="身体还将就。",
        idempotency_key=uuid.uuid4(),
        **fields,
    )


def test_a_new_pairing_is_due_for_its_first_visit_within_two_weeks(personas):
    household, _pairing = pair(personas)
    [item] = visit_items(household)
    assert item.due_on == START + timedelta(days=14)
    assert item.cadre == personas.cadre
    assert item.area == personas.village
    assert item.state == State.PENDING
    assert household.head_name in item.title


def test_a_must_visit_household_is_due_on_its_shorter_cadence(personas):
    household, _pairing = pair(personas, categories=["tekun"])
    visit(personas, household, timezone.make_aware(timezone.datetime(2026, 11, 5, 10)))
    open_item = visit_items(household).get(state=State.PENDING)
    assert open_item.due_on == date(2026, 11, 5) + timedelta(days=15)


def test_a_visit_moves_the_due_date_and_closes_the_old_item_as_done(personas):
    household, pairing = pair(personas, categories=["dibao"])
    first = visit_items(household).get()
    visit(personas, household, timezone.make_aware(timezone.datetime(2026, 11, 10, 9)))
    first.refresh_from_db()
    assert first.state == State.DONE
    new = visit_items(household).get(state=State.PENDING)
    assert new.due_on == date(2026, 11, 10) + timedelta(days=30)
    pairing.refresh_from_db()
    assert pairing.next_visit_due == new.due_on


def test_a_new_category_re_dates_the_open_item(personas):
    household, _pairing = pair(personas)
    visit(personas, household, timezone.make_aware(timezone.datetime(2026, 11, 10, 9)))
    assert visit_items(household).get(state=State.PENDING).due_on == date(2027, 5, 9)  # 180 days
    household.categories.add(HouseholdCategory.objects.get(code="tekun"))
    assert visit_items(household).get(state=State.PENDING).due_on == date(2026, 11, 25)
    assert visit_items(household).filter(state=State.CANCELLED).count() == 1


def test_a_shorter_cadence_set_in_the_admin_moves_the_households_of_the_category(personas):
    household, _pairing = pair(personas, categories=["dibao"])
    visit(personas, household, timezone.make_aware(timezone.datetime(2026, 11, 10, 9)))
    dibao = HouseholdCategory.objects.get(code="dibao")
    dibao.visit_cadence_days = 10
    dibao.save()
    assert visit_items(household).get(state=State.PENDING).due_on == date(2026, 11, 20)


def test_the_end_of_a_pairing_cancels_its_visit(personas):
    household, pairing = pair(personas)
    pairing_end(pairing=pairing, end_date=timezone.localdate(), reason="调动")
    assert not visit_items(household).filter(state__in=DueItem.OPEN_STATES).exists()
    assert visit_items(household).get().state == State.CANCELLED


def test_a_pairing_ended_on_a_later_date_is_cancelled_by_the_sweep_on_that_day(personas):
    from contact.reminders import sweep

    household, pairing = pair(personas)
    ends = timezone.localdate() + timedelta(days=3)
    pairing_end(pairing=pairing, end_date=ends, reason="调动")
    assert visit_items(household).get().state == State.PENDING
    sweep(now=timezone.now() + timedelta(days=3))
    assert visit_items(household).get().state == State.CANCELLED


def test_a_reassigned_household_is_due_for_the_new_cadre_only(personas):
    household, _pairing = pair(personas)
    pairing_assign_households(cadre=personas.leader, households=[household], start_date=START)
    open_items = visit_items(household).filter(state__in=DueItem.OPEN_STATES)
    assert [i.cadre for i in open_items] == [personas.leader]


def test_a_next_step_date_is_due_for_the_cadre_and_a_follow_up_visit_closes_it(personas):
    household, _pairing = pair(personas)
    first = visit(
        personas,
        household,
        timezone.make_aware(timezone.datetime(2026, 11, 10, 9)),
        next_step="联系村医上门",
        next_step_date=date(2026, 11, 20),
    )
    item = DueItem.objects.get(kind=Kind.NEXT_STEP)
    assert (item.due_on, item.title, item.url) == (
        date(2026, 11, 20),
        "联系村医上门",
        first.get_absolute_url(),
    )
    visit(personas, household, timezone.make_aware(timezone.datetime(2026, 11, 18, 9)))
    item.refresh_from_db()
    assert item.state == State.DONE


def test_a_correction_of_the_next_step_date_re_dates_it(personas):
    household, _pairing = pair(personas)
    logged = visit(
        personas,
        household,
        timezone.make_aware(timezone.datetime(2026, 11, 10, 9)),
        next_step="联系村医上门",
        next_step_date=date(2026, 11, 20),
    )
    VisitCorrection.objects.create(
        visit=logged,
        author=personas.cadre.user,
        reason="日期记错",
        situation=logged.situation,
        next_step="联系村医上门",
        next_step_date=date(2026, 11, 27),
    )
    assert DueItem.objects.get(kind=Kind.NEXT_STEP, state=State.PENDING).due_on == date(
        2026, 11, 27
    )


def test_only_the_cadre_concerned_marks_a_next_step_done(personas):
    household, _pairing = pair(personas)
    visit(
        personas,
        household,
        timezone.now(),
        next_step="送申请表",
        next_step_date=timezone.localdate(),
    )
    item = DueItem.objects.get(kind=Kind.NEXT_STEP)
    assert not due_item_close(item=item, by=personas.leader.user)
    assert due_item_close(item=item, by=personas.cadre.user)
    item.refresh_from_db()
    assert item.state == State.DONE
    assert not due_item_close(item=item, by=personas.cadre.user)


def test_a_reception_duty_is_due_for_the_leader_and_deleting_it_cancels_it(personas):
    schedule = ReceptionSchedule.objects.create(
        area=personas.township, weekday=2, place="镇便民服务中心"
    )
    duty = ReceptionDuty.objects.create(
        schedule=schedule, date=date(2026, 11, 25), leader=personas.leader
    )
    item = DueItem.objects.get(kind=Kind.RECEPTION)
    assert (item.due_on, item.cadre) == (date(2026, 11, 25), personas.leader)
    duty.delete()
    item.refresh_from_db()
    assert item.state == State.CANCELLED


def test_a_reception_visit_under_the_duty_closes_it(personas):
    schedule = ReceptionSchedule.objects.create(
        area=personas.township, weekday=2, place="镇便民服务中心"
    )
    duty = ReceptionDuty.objects.create(
        schedule=schedule, date=date(2026, 11, 25), leader=personas.leader
    )
    Visit.objects.create(
        cadre=personas.leader,
        area=personas.village,
        method=Visit.Method.RECEPTION,
        reception_duty=duty,
        situation="群众反映灌溉渠堵塞。",
        idempotency_key=uuid.uuid4(),
    )
    assert DueItem.objects.get(kind=Kind.RECEPTION).state == State.DONE


@time_machine.travel(date(2026, 11, 2), tick=False)
def test_a_suggestion_box_is_due_its_interval_after_the_last_opening(personas):
    box = SuggestionBox.objects.create(area=personas.village, place="村委会门口")
    box.keyholders.add(personas.cadre)
    item = DueItem.objects.get(kind=Kind.BOX)
    assert (item.due_on, item.cadre) == (date(2026, 11, 9), personas.cadre)
    opening = SuggestionBoxOpening.objects.create(
        box=box, opened_at=timezone.make_aware(timezone.datetime(2026, 11, 8, 9))
    )
    opening.opened_by.add(personas.cadre)
    item.refresh_from_db()
    assert item.state == State.DONE
    assert DueItem.objects.get(kind=Kind.BOX, state=State.PENDING).due_on == date(2026, 11, 15)


def test_an_item_closed_and_opened_again_for_the_same_date_keeps_its_trail(personas):
    household, pairing = pair(personas)
    item = visit_items(household).get()
    Reminder.objects.create(item=item, kind=Reminder.Kind.ON_DAY)
    due_set(
        source=pairing,
        kind=Kind.VISIT,
        due_on=item.due_on + timedelta(days=5),
        cadre=personas.cadre,
        area=personas.village,
        title="x",
    )
    again = due_set(
        source=pairing,
        kind=Kind.VISIT,
        due_on=item.due_on,
        cadre=personas.cadre,
        area=personas.village,
        title="x",
    )
    assert again.pk == item.pk
    assert again.state == State.REMINDED
    assert DueItem.objects.filter(kind=Kind.VISIT, state__in=DueItem.OPEN_STATES).count() == 1


def test_rebuild_restores_what_bulk_writes_skipped(personas):
    household, pairing = pair(personas)
    DueItem.objects.all().delete()
    due_rebuild()
    item = DueItem.objects.get(
        source_type=ContentType.objects.get_for_model(Pairing), source_id=pairing.pk
    )
    assert item.due_on == pairing.next_visit_due
    due_rebuild()
    assert DueItem.objects.count() == 1


def test_a_cadre_sees_their_own_items_and_not_another_townships(personas):
    household, _pairing = pair(personas)
    assert DueItem.objects.visible_to(personas.cadre.user).count() == 1
    assert DueItem.objects.visible_to(personas.leader.user).count() == 1
    assert DueItem.objects.visible_to(personas.outsider.user).count() == 0
