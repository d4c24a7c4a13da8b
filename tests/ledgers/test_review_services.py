"""The review services (审核): approve, return with a note, the author's edit, corrections after approval.

The admin and any other page call these; what they refuse here is refused
everywhere: an author reviewing their own entry, a return without a note,
a change to an approved entry other than through a reviewed correction.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from households.models import HouseholdCategory
from ledgers import services
from ledgers.models import (
    Demand,
    DifficultyRecord,
    EntryCorrection,
    OpinionRecord,
    ReviewState,
    VillageSituation,
)

pytestmark = pytest.mark.django_db


def opinion(personas, *, by=None, **fields):
    return OpinionRecord.objects.create(
        area=personas.village,
        recorded_by=(by or personas.cadre).user,
        topic=OpinionRecord.Topic.LIVELIHOOD,
        content="希望村里开通公交",
        occurred_on=date(2026, 3, 4),
        **fields,
    )


def approved(entry, personas):
    services.entry_approve(entry=entry, by=personas.reviewer.user)
    entry.refresh_from_db()
    return entry


# --- Approve and return -------------------------------------------------------------------


def test_approving_records_who_and_when_and_locks_the_entry(personas):
    entry = opinion(personas)
    assert services.entry_approve(entry=entry, by=personas.reviewer.user, note="属实") is True
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.APPROVED
    assert entry.reviewed_by == personas.reviewer.user
    assert entry.reviewed_at is not None
    assert entry.review_note == "属实"
    assert entry.is_locked
    assert not entry.editable_by(personas.cadre.user)


def test_an_entry_reviewed_meanwhile_is_not_approved_again(personas):
    entry = opinion(personas, review_state=ReviewState.RETURNED, review_note="补充地点")
    assert services.entry_approve(entry=entry, by=personas.reviewer.user) is False
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.RETURNED


def test_the_reviewer_cannot_approve_or_return_her_own_entry(personas):
    entry = opinion(personas, by=personas.reviewer)
    with pytest.raises(ValidationError):
        services.entry_approve(entry=entry, by=personas.reviewer.user)
    with pytest.raises(ValidationError):
        services.entry_return(entry=entry, by=personas.reviewer.user, note="自己退回自己")
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING


def test_a_cadre_without_the_review_permission_cannot_approve(personas):
    entry = opinion(personas, by=personas.leader)
    with pytest.raises(PermissionDenied):
        services.entry_approve(entry=entry, by=personas.cadre.user)


def test_returning_needs_a_note(personas):
    entry = opinion(personas)
    with pytest.raises(ValidationError):
        services.entry_return(entry=entry, by=personas.reviewer.user, note="  ")
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING


def test_returning_sets_the_state_and_the_note(personas):
    entry = opinion(personas)
    assert services.entry_return(entry=entry, by=personas.reviewer.user, note="反映人是谁?")
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.RETURNED
    assert entry.review_note == "反映人是谁?"
    assert entry.reviewed_by == personas.reviewer.user


# --- The author's edit ----------------------------------------------------------------------


def test_the_authors_edit_sends_a_returned_entry_back_to_the_queue(personas):
    entry = opinion(personas)
    services.entry_return(entry=entry, by=personas.reviewer.user, note="反映人是谁?")
    entry.refresh_from_db()
    services.entry_update(entry=entry, by=personas.cadre.user, fields={"person": "向朝清"})
    entry.refresh_from_db()
    assert entry.person == "向朝清"
    assert entry.review_state == ReviewState.PENDING
    assert entry in OpinionRecord.objects.visible_to(personas.reviewer.user).awaiting_review()


def test_only_the_author_edits_and_only_before_approval(personas):
    entry = opinion(personas)
    with pytest.raises(PermissionDenied):
        services.entry_update(entry=entry, by=personas.leader.user, fields={"person": "别人"})
    approved(entry, personas)
    with pytest.raises(PermissionDenied):
        services.entry_update(entry=entry, by=personas.cadre.user, fields={"person": "审核后"})
    entry.refresh_from_db()
    assert entry.person == ""


def test_a_returned_demand_edited_by_its_author_awaits_review_again(personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind=Demand.Kind.WATER,
        urgency=Demand.Urgency.MODERATE,
        description="自来水经常停",
    )
    services.entry_return(entry=demand, by=personas.reviewer.user, note="写明停水时段")
    demand.refresh_from_db()
    services.demand_update(
        demand=demand, by=personas.cadre.user, fields={"description": "自来水每天下午停"}
    )
    demand.refresh_from_db()
    assert demand.review_state == ReviewState.PENDING


def test_every_change_of_an_entry_is_in_its_history(personas):
    entry = opinion(personas)
    services.entry_return(entry=entry, by=personas.reviewer.user, note="反映人是谁?")
    entry.refresh_from_db()
    services.entry_update(entry=entry, by=personas.cadre.user, fields={"person": "向朝清"})
    states = [h.review_state for h in entry.history.order_by("history_date", "history_id")]
    assert states == [ReviewState.PENDING, ReviewState.RETURNED, ReviewState.PENDING]
    latest = entry.history.latest()
    delta = latest.diff_against(latest.prev_record)
    assert {c.field for c in delta.changes} == {"person", "review_state"}


def test_the_history_names_the_author_of_an_edit_made_outside_a_request(personas):
    entry = opinion(personas)
    services.entry_update(entry=entry, by=personas.cadre.user, fields={"person": "向朝清"})
    assert entry.history.latest().history_user == personas.cadre.user


# --- Corrections after approval -------------------------------------------------------------


def village_sheet(personas):
    return VillageSituation.objects.create(
        area=personas.village,
        recorded_by=personas.cadre.user,
        occurred_on=date(2026, 3, 1),
        population=1620,
        households_count=512,
        party_members=48,
        collective_income=86000,
    )


def test_a_correction_keeps_only_what_differs_and_leaves_the_entry_alone(personas):
    sheet = approved(village_sheet(personas), personas)
    correction = services.correction_submit(
        entry=sheet,
        by=personas.cadre.user,
        reason="人口数抄错",
        fields={"population": 1602, "households_count": 512},
    )
    assert correction.changes == {"population": 1602}
    assert correction.state == ReviewState.PENDING
    sheet.refresh_from_db()
    assert sheet.population == 1620


def test_a_correction_is_for_approved_entries_only(personas):
    sheet = village_sheet(personas)
    with pytest.raises(ValidationError):
        services.correction_submit(
            entry=sheet, by=personas.cadre.user, reason="改", fields={"population": 1}
        )


def test_an_approved_correction_applies_with_its_reason_in_the_history(personas):
    sheet = approved(village_sheet(personas), personas)
    correction = services.correction_submit(
        entry=sheet, by=personas.cadre.user, reason="人口数抄错", fields={"population": 1602}
    )
    assert services.correction_approve(correction=correction, by=personas.reviewer.user)
    sheet.refresh_from_db()
    assert sheet.population == 1602
    assert sheet.review_state == ReviewState.APPROVED
    latest = sheet.history.latest()
    assert latest.population == 1602
    assert latest.prev_record.population == 1620
    assert latest.history_change_reason == "人口数抄错"
    correction.refresh_from_db()
    assert (correction.state, correction.reviewed_by) == (
        ReviewState.APPROVED,
        personas.reviewer.user,
    )


def test_a_correction_of_a_related_value_applies_by_id(personas, household):
    record = DifficultyRecord.objects.create(
        area=personas.village,
        household=household,
        recorded_by=personas.cadre.user,
        category=HouseholdCategory.objects.get(code="kunnan"),
        reason="因病致贫",
        recognised_on=date(2025, 6, 1),
    )
    approved(record, personas)
    dibao = HouseholdCategory.objects.get(code="dibao")
    correction = services.correction_submit(
        entry=record, by=personas.cadre.user, reason="已纳入低保", fields={"category": dibao}
    )
    services.correction_approve(correction=correction, by=personas.reviewer.user)
    record.refresh_from_db()
    assert record.category == dibao


def test_the_author_of_a_correction_cannot_approve_it(personas):
    sheet = approved(village_sheet(personas), personas)
    correction = services.correction_submit(
        entry=sheet, by=personas.reviewer.user, reason="我来改", fields={"population": 1}
    )
    with pytest.raises(ValidationError):
        services.correction_approve(correction=correction, by=personas.reviewer.user)
    sheet.refresh_from_db()
    assert sheet.population == 1620


def test_a_returned_correction_changes_nothing(personas):
    sheet = approved(village_sheet(personas), personas)
    correction = services.correction_submit(
        entry=sheet, by=personas.cadre.user, reason="人口数抄错", fields={"population": 1602}
    )
    with pytest.raises(ValidationError):
        services.correction_return(correction=correction, by=personas.reviewer.user, note="")
    assert services.correction_return(
        correction=correction, by=personas.reviewer.user, note="请附户籍底册"
    )
    correction.refresh_from_db()
    assert (correction.state, correction.review_note) == (ReviewState.RETURNED, "请附户籍底册")
    sheet.refresh_from_db()
    assert sheet.population == 1620
    # A returned correction cannot be approved afterwards.
    assert services.correction_approve(correction=correction, by=personas.reviewer.user) is False
    sheet.refresh_from_db()
    assert sheet.population == 1620


def test_corrections_are_visible_with_their_entry(personas):
    sheet = approved(village_sheet(personas), personas)
    correction = services.correction_submit(
        entry=sheet, by=personas.cadre.user, reason="人口数抄错", fields={"population": 1602}
    )
    assert correction in EntryCorrection.objects.visible_to(personas.reviewer.user)
    assert correction not in EntryCorrection.objects.visible_to(personas.outsider.user)
