"""Review (审核) in the admin, as 李秀英 of 桤泉镇's party office does it.

张丽 records entries in 群安村; 李秀英 (group 党政办, staff, no superuser)
finds them in her queue, approves or returns them; 赵志刚 of 白头镇 finds
nothing of 桤泉镇, whatever URL he types. Approved entries are locked, and a
change after approval comes through a correction, reviewed in its own queue.
"""

from datetime import date

import pytest
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from contact.roles import Role
from ledgers import services
from ledgers.models import (
    CountySettings,
    Demand,
    DemandEvent,
    EntryCorrection,
    OpinionRecord,
    ReviewState,
    StabilityCase,
    WorkdayOverride,
)
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db


def opinion(personas, *, by=None, area=None, content="村口路灯坏了三盏", **fields):
    return OpinionRecord.objects.create(
        area=area or personas.village,
        recorded_by=(by or personas.cadre).user,
        topic=OpinionRecord.Topic.INFRASTRUCTURE,
        content=content,
        occurred_on=date(2026, 3, 4),
        **fields,
    )


def demand(personas, household, text="通组路垮塌一段", by=None):
    record, _created = services.demand_record(
        by=(by or personas.cadre).user,
        area=household.village,
        household=household,
        kind=Demand.Kind.ROADS,
        urgency=Demand.Urgency.SERIOUS,
        description=text,
        occurred_on=date(2026, 3, 4),
    )
    return record


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def reviewer(client, personas):
    client.force_login(personas.reviewer.user)
    return client


def approve_selected(client, model_name, entries, query=""):
    return client.post(
        reverse(f"admin:ledgers_{model_name}_changelist") + query,
        {
            "action": "approve_selected",
            "index": 0,
            ACTION_CHECKBOX_NAME: [e.pk for e in entries],
        },
    )


# --- Access and scope -------------------------------------------------------------------


def test_the_reviewer_works_in_the_admin_with_her_groups_permissions(reviewer, personas):
    user = personas.reviewer.user
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("ledgers.review_entry")
    for model in (
        "demand",
        "difficultyrecord",
        "stabilitycase",
        "villagesituation",
        "opinionrecord",
        "partysituation",
        "entrycorrection",
    ):
        response = reviewer.get(reverse(f"admin:ledgers_{model}_changelist"))
        assert response.status_code == 200, model
    assert reviewer.get(reverse("admin:ledgers_review_overview")).status_code == 200
    queue_with_counts = reverse("admin:ledgers_demand_changelist") + "?_facets=True"
    assert reviewer.get(queue_with_counts).status_code == 200
    assert reviewer.get(reverse("admin:app_list", args=["ledgers"])).status_code == 200


def test_the_queue_shows_pending_entries_of_her_township_and_not_of_another(
    reviewer, personas, household
):
    ours = demand(personas, household, "通组路垮塌一段")
    theirs = demand(
        personas,
        type(household).objects.create(area=personas.outsider_village, head_name="罗大勇"),
        "五星村的水管爆了",
        by=personas.outsider,
    )
    approved = demand(personas, household, "早已审核的诉求")
    Demand.objects.filter(pk=approved.pk).update(review_state=ReviewState.APPROVED)

    response = reviewer.get(reverse("admin:ledgers_demand_changelist"))
    shown = list(response.context["cl"].result_list)
    assert shown == [ours]
    page = response.content.decode()
    assert ours.reference in page
    assert theirs.reference not in page
    assert approved.reference not in page


def test_the_queue_can_show_every_state_and_still_not_another_township(
    reviewer, personas, household
):
    ours = opinion(personas, review_state=ReviewState.APPROVED)
    opinion(personas, by=personas.outsider, area=personas.outsider_village, content="白头镇的意见")
    url = reverse("admin:ledgers_opinionrecord_changelist")
    assert list(reviewer.get(url).context["cl"].result_list) == []
    assert list(reviewer.get(url + "?review_state=all").context["cl"].result_list) == [ours]
    approved = reviewer.get(url + "?review_state=approved").context["cl"].result_list
    assert list(approved) == [ours]


def test_an_entry_of_another_township_is_not_found_by_its_change_url(client, personas, household):
    entry = opinion(personas)
    outsider = personas.outsider.user
    outsider.is_staff = True  # even in the admin, his scope is 白头镇
    outsider.save()
    client.force_login(outsider)
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])

    response = client.get(change)
    # Django's admin answers an id outside get_queryset like a missing one: back to the index.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert entry.content not in client.get(change, follow=True).content.decode()

    response = client.post(change, {"content": "改掉别人的台账"})
    assert response.status_code in (302, 403)
    entry.refresh_from_db()
    assert entry.content == "村口路灯坏了三盏"

    history = reverse("admin:ledgers_opinionrecord_history", args=[entry.pk])
    assert client.get(history).status_code == 404
    version = entry.history.latest().history_id
    past = reverse("admin:ledgers_opinionrecord_simple_history", args=[entry.pk, version])
    assert client.get(past).status_code == 404
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    assert client.post(review, {"_approve": "1"}).status_code == 404
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING


def test_a_household_of_another_township_is_no_choice_when_correcting(
    reviewer, personas, household
):
    entry = opinion(personas, household=household)
    elsewhere = type(household).objects.create(area=personas.outsider_village, head_name="罗大勇")
    response = reviewer.post(
        reverse("admin:ledgers_opinionrecord_change", args=[entry.pk]),
        {
            "area": personas.village.pk,
            "household": elsewhere.pk,
            "occurred_on": "2026-03-04",
            "topic": "infrastructure",
            "content": entry.content,
            "person": "",
            "response": "",
            "rectified_on": "",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    entry.refresh_from_db()
    assert entry.household == household


# --- Approve and return ---------------------------------------------------------------


def test_bulk_approve_approves_pending_entries_and_skips_her_own_and_reviewed_ones(
    reviewer, personas
):
    first = opinion(personas, content="路灯坏了")
    second = opinion(personas, content="垃圾清运不及时")
    her_own = opinion(personas, by=personas.reviewer, content="李秀英自己记的")
    returned = opinion(personas, content="已退回的", review_state=ReviewState.RETURNED)

    response = approve_selected(
        reviewer, "opinionrecord", [first, second, her_own, returned], "?review_state=all"
    )
    assert response.status_code == 302
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.review_state == ReviewState.APPROVED
        assert entry.reviewed_by == personas.reviewer.user
        assert entry.reviewed_at is not None
    her_own.refresh_from_db()
    returned.refresh_from_db()
    assert her_own.review_state == ReviewState.PENDING
    assert returned.review_state == ReviewState.RETURNED
    said = messages_of(response)
    # Two messages: how many were approved, how many skipped (numbers, whatever the language).
    assert len(said) == 2 and all("2" in m for m in said)


def test_only_a_reviewer_sees_the_review_actions(client, personas):
    entry = opinion(personas)
    client.force_login(personas.leader.user)  # staff, may change entries, may not review
    response = client.get(reverse("admin:ledgers_opinionrecord_changelist"))
    form = response.context["action_form"]
    actions = [name for name, _label in form.fields["action"].choices] if form else []
    assert "approve_selected" not in actions
    assert "return_selected" not in actions
    approve_selected(client, "opinionrecord", [entry])
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    assert client.post(review, {"_approve": "1"}).status_code == 403


def test_returning_selected_entries_asks_for_a_note_first(reviewer, personas):
    first = opinion(personas, content="路灯坏了")
    second = opinion(personas, content="垃圾清运不及时")
    url = reverse("admin:ledgers_opinionrecord_changelist")
    selected = {ACTION_CHECKBOX_NAME: [first.pk, second.pk], "action": "return_selected"}

    response = reviewer.post(url, {**selected, "index": 0})
    assert response.status_code == 200
    assert response.templates[0].name == "admin/ledgers/return_selected.html"
    first.refresh_from_db()
    assert first.review_state == ReviewState.PENDING

    response = reviewer.post(url, {**selected, "apply": "1", "note": "   "})
    assert response.status_code == 400  # the note is required
    assert response.context["review_form"].errors
    first.refresh_from_db()
    assert first.review_state == ReviewState.PENDING

    response = reviewer.post(url, {**selected, "apply": "1", "note": "请写明路灯位置"})
    assert response.status_code == 302
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.review_state == ReviewState.RETURNED
        assert entry.review_note == "请写明路灯位置"
        assert entry.reviewed_by == personas.reviewer.user


def test_the_change_page_of_a_pending_entry_has_approve_and_return(reviewer, personas):
    entry = opinion(personas)
    response = reviewer.get(reverse("admin:ledgers_opinionrecord_change", args=[entry.pk]))
    page = response.content.decode()
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    assert f'action="{review}"' in page
    assert 'name="_approve"' in page and 'name="_return"' in page


def test_returning_from_the_change_page_needs_a_note_and_keeps_what_was_typed(reviewer, personas):
    entry = opinion(personas)
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])

    response = reviewer.post(review, {"note": "没有按按钮"})
    assert response.status_code == 400
    response = reviewer.post(review, {"_return": "1", "note": ""})
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING

    response = reviewer.post(review, {"_return": "1", "note": "缺少反映人姓名"})
    assert response.status_code == 302
    assert response.url == reverse("admin:ledgers_opinionrecord_changelist")
    entry.refresh_from_db()
    assert (entry.review_state, entry.review_note) == (ReviewState.RETURNED, "缺少反映人姓名")


def test_approving_from_the_change_page_approves_with_an_optional_note(reviewer, personas):
    entry = opinion(personas)
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    response = reviewer.post(review, {"_approve": "1", "note": ""})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.APPROVED
    assert entry.reviewed_by == personas.reviewer.user


def test_an_entry_its_author_changed_after_the_reviewer_opened_it_is_not_approved_unseen(
    reviewer, personas
):
    entry = opinion(personas)
    page = reviewer.get(reverse("admin:ledgers_opinionrecord_change", args=[entry.pk]))
    seen = page.context["review_form"]["seen"].value()
    assert f'name="seen" value="{seen}"' in page.content.decode()
    # Meanwhile 张丽 rewrites it.
    services.entry_update(entry=entry, by=personas.cadre.user, fields={"content": "路灯全坏了"})
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    response = reviewer.post(review, {"_approve": "1", "note": "", "seen": seen})
    assert response.status_code == 302
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.WARNING]
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING
    # Read again, it is approved.
    seen = reviewer.get(response.url).context["review_form"]["seen"].value()
    reviewer.post(review, {"_approve": "1", "note": "", "seen": seen})
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.APPROVED


def test_a_workflow_step_after_the_reviewer_opened_a_demand_does_not_stop_the_review(
    reviewer, personas, household
):
    record = demand(personas, household)
    page = reviewer.get(reverse("admin:ledgers_demand_change", args=[record.pk]))
    seen = page.context["review_form"]["seen"].value()
    services.demand_resolve(demand=record, by=personas.cadre.user, resolution="已修复")
    review = reverse("admin:ledgers_demand_review", args=[record.pk])
    reviewer.post(review, {"_approve": "1", "note": "", "seen": seen})
    record.refresh_from_db()
    assert record.review_state == ReviewState.APPROVED


def test_approving_her_own_entry_is_an_error_message_not_a_crash(reviewer, personas):
    entry = opinion(personas, by=personas.reviewer)
    review = reverse("admin:ledgers_opinionrecord_review", args=[entry.pk])
    response = reviewer.post(review, {"_approve": "1"})
    assert response.status_code == 302
    assert response.url == reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.ERROR]
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING
    # Her own entry's page offers her no buttons.
    page = reviewer.get(response.url).content.decode()
    assert 'name="_approve"' not in page


# --- The lock and the history -------------------------------------------------------------


def _opinion_post(entry, **changes):
    return {
        "area": entry.area_id,
        "household": entry.household_id or "",
        "occurred_on": entry.occurred_on.isoformat(),
        "topic": entry.topic,
        "content": entry.content,
        "person": entry.person,
        "response": entry.response,
        "rectified": "on" if entry.rectified else "",
        "rectified_on": "",
        **changes,
    }


def test_an_approved_entry_is_read_only_in_the_admin(reviewer, personas):
    entry = opinion(personas)
    services.entry_approve(entry=entry, by=personas.reviewer.user)
    entry.refresh_from_db()
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])

    response = reviewer.get(change)
    assert response.status_code == 200
    assert 'name="content"' not in response.content.decode()  # shown, not editable
    assert 'name="_approve"' not in response.content.decode()

    response = reviewer.post(change, _opinion_post(entry, content="审核后偷偷改掉"))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.content == "村口路灯坏了三盏"
    assert entry.review_state == ReviewState.APPROVED


def test_a_pending_entry_is_corrected_by_the_office_and_its_history_says_who(reviewer, personas):
    entry = opinion(personas)
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])
    response = reviewer.post(change, _opinion_post(entry, content="村口路灯坏了五盏"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.content == "村口路灯坏了五盏"
    latest = entry.history.latest()
    assert latest.history_user == personas.reviewer.user
    assert latest.prev_record.content == "村口路灯坏了三盏"

    page = reviewer.get(reverse("admin:ledgers_opinionrecord_history", args=[entry.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "村口路灯坏了五盏" in text and "村口路灯坏了三盏" in text
    assert "李秀英" in text or personas.reviewer.user.username in text


def test_a_leader_cannot_change_someone_elses_entry_in_the_admin(client, personas):
    entry = opinion(personas)  # recorded by 张丽
    client.force_login(personas.leader.user)
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])
    page = client.get(change)
    assert page.status_code == 200  # he may read it
    assert page.context["has_change_permission"] is False
    response = client.post(change, _opinion_post(entry, content="村口路灯都好了"))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.content == "村口路灯坏了三盏"


def test_a_leader_may_still_change_his_own_pending_entry_in_the_admin(client, personas):
    entry = opinion(personas, by=personas.leader)
    client.force_login(personas.leader.user)
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])
    response = client.post(change, _opinion_post(entry, content="村口路灯坏了五盏"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.content == "村口路灯坏了五盏"


def test_a_returned_entry_corrected_by_the_office_goes_back_to_the_queue(reviewer, personas):
    entry = opinion(personas, review_state=ReviewState.RETURNED, review_note="写清楚位置")
    change = reverse("admin:ledgers_opinionrecord_change", args=[entry.pk])
    reviewer.post(change, _opinion_post(entry, content="村口(3组)路灯坏了三盏"))
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING


def test_a_past_version_cannot_be_written_back_over_an_approved_entry(reviewer, personas):
    entry = opinion(personas)
    first_version = entry.history.earliest().history_id
    services.entry_approve(entry=entry, by=personas.reviewer.user)
    past = reverse("admin:ledgers_opinionrecord_simple_history", args=[entry.pk, first_version])
    response = reviewer.get(past)
    assert response.status_code == 200
    assert 'name="content"' not in response.content.decode()  # shown, not a form to send back
    response = reviewer.post(past, _opinion_post(entry, content="回滚"))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.APPROVED
    assert entry.content == "村口路灯坏了三盏"


def test_office_changes_to_a_demands_urgency_move_its_deadline_and_join_its_trail(
    reviewer, personas, household
):
    record = demand(personas, household)
    before = record.deadline
    response = reviewer.post(
        reverse("admin:ledgers_demand_change", args=[record.pk]),
        {
            "area": record.area_id,
            "household": record.household_id,
            "occurred_on": record.occurred_on.isoformat(),
            "kind": record.kind,
            "urgency": Demand.Urgency.URGENT,
            "description": record.description,
            "resident_name": "",
            "resident_phone": "",
            # The read-only inlines still send their management forms.
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
            "events-0-id": record.events.get().pk,
            "events-0-demand": record.pk,
            "return_visits-TOTAL_FORMS": "0",
            "return_visits-INITIAL_FORMS": "0",
            "return_visits-MIN_NUM_FORMS": "0",
            "return_visits-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.urgency == Demand.Urgency.URGENT
    assert record.deadline < before
    assert record.events.last().action == DemandEvent.Action.EDIT
    assert record.events.last().by == personas.reviewer.user


def test_a_demands_page_shows_its_trail(reviewer, personas, household):
    record = demand(personas, household)
    services.demand_assign(
        demand=record, by=personas.leader.user, handler_unit="镇交通办", instructions="三日内抢修"
    )
    page = reviewer.get(reverse("admin:ledgers_demand_change", args=[record.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "三日内抢修" in text  # the assignment's note, in the read-only trail
    assert "王成龙" in text  # who assigned it
    assert 'name="events-0-note"' not in text


# --- Corrections ------------------------------------------------------------------------


def approved_case(personas):
    case = StabilityCase.objects.create(
        area=personas.village,
        recorded_by=personas.cadre.user,
        kind=StabilityCase.Kind.NEIGHBOUR,
        parties="向朝清、向朝明",
        summary="宅基地边界",
        risk=StabilityCase.Risk.LOW,
        occurred_on=date(2026, 3, 4),
    )
    services.entry_approve(entry=case, by=personas.reviewer.user)
    case.refresh_from_db()
    return case


def submit_correction(personas, case, **fields):
    return services.correction_submit(
        entry=case,
        by=personas.cadre.user,
        reason="调解结果漏填",
        fields={"status": StabilityCase.Status.RESOLVED, "result": "双方签字", **fields},
    )


def test_the_correction_queue_shows_the_change_as_field_now_and_proposed(reviewer, personas):
    case = approved_case(personas)
    correction = submit_correction(personas, case)
    response = reviewer.get(reverse("admin:ledgers_entrycorrection_changelist"))
    assert list(response.context["cl"].result_list) == [correction]
    page = reviewer.get(
        reverse("admin:ledgers_entrycorrection_change", args=[correction.pk])
    ).content.decode()
    assert "调解结果漏填" in page
    assert "双方签字" in page
    assert str(StabilityCase._meta.get_field("result").verbose_name) in page
    # The entry's own page points to it.
    entry_page = reviewer.get(
        reverse("admin:ledgers_stabilitycase_change", args=[case.pk])
    ).content.decode()
    assert reverse("admin:ledgers_entrycorrection_change", args=[correction.pk]) in entry_page


def test_an_approved_correction_applies_and_its_history_names_the_reviewer(reviewer, personas):
    case = approved_case(personas)
    correction = submit_correction(personas, case)
    review = reverse("admin:ledgers_entrycorrection_review", args=[correction.pk])

    response = reviewer.post(review, {"_approve": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == StabilityCase.Status.RESOLVED
    assert case.result == "双方签字"
    assert case.review_state == ReviewState.APPROVED  # still locked
    latest = case.history.latest()
    assert latest.history_user == personas.reviewer.user
    assert latest.history_change_reason == "调解结果漏填"
    correction.refresh_from_db()
    assert correction.state == ReviewState.APPROVED
    assert correction.reviewed_by == personas.reviewer.user


def test_a_returned_correction_leaves_the_entry_as_it_was(reviewer, personas):
    case = approved_case(personas)
    correction = submit_correction(personas, case)
    url = reverse("admin:ledgers_entrycorrection_changelist")
    selected = {ACTION_CHECKBOX_NAME: [correction.pk], "action": "return_selected"}

    response = reviewer.post(url, {**selected, "apply": "1", "note": ""})
    assert response.status_code == 400
    response = reviewer.post(url, {**selected, "apply": "1", "note": "请附调解协议"})
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.state, correction.review_note) == (ReviewState.RETURNED, "请附调解协议")
    case.refresh_from_db()
    assert case.status == StabilityCase.Status.OPEN
    assert case.result == ""


def test_bulk_approving_corrections_skips_her_own(reviewer, personas):
    case = approved_case(personas)
    theirs = submit_correction(personas, case)
    hers = services.correction_submit(
        entry=case, by=personas.reviewer.user, reason="风险等级", fields={"risk": "medium"}
    )
    response = approve_selected(reviewer, "entrycorrection", [theirs, hers])
    assert response.status_code == 302
    theirs.refresh_from_db()
    hers.refresh_from_db()
    assert theirs.state == ReviewState.APPROVED
    assert hers.state == ReviewState.PENDING


def test_corrections_of_another_township_are_not_in_the_queue(client, personas):
    case = approved_case(personas)
    correction = submit_correction(personas, case)
    other_reviewer = CadreFactory(scope_area=personas.other_township, roles=[Role.REVIEWER])
    client.force_login(other_reviewer.user)
    response = client.get(reverse("admin:ledgers_entrycorrection_changelist"))
    assert list(response.context["cl"].result_list) == []
    review = reverse("admin:ledgers_entrycorrection_review", args=[correction.pk])
    assert client.post(review, {"_approve": "1"}).status_code == 404
    correction.refresh_from_db()
    assert correction.state == ReviewState.PENDING


# --- The overview -------------------------------------------------------------------------


def test_the_overview_counts_what_awaits_review_in_her_area_per_ledger(
    reviewer, personas, household
):
    demand(personas, household)
    opinion(personas)
    opinion(personas, content="第二条")
    opinion(personas, review_state=ReviewState.RETURNED, content="退回的")
    opinion(personas, by=personas.outsider, area=personas.outsider_village, content="白头镇的")
    submit_correction(personas, approved_case(personas))

    response = reviewer.get(reverse("admin:ledgers_review_overview"))
    rows = {row["queue_url"]: row for row in response.context["rows"]}
    opinions = rows[reverse("admin:ledgers_opinionrecord_changelist")]
    assert (opinions["pending"], opinions["returned"], opinions["corrections"]) == (2, 1, 0)
    assert rows[reverse("admin:ledgers_demand_changelist")]["pending"] == 1
    cases = rows[reverse("admin:ledgers_stabilitycase_changelist")]
    assert (cases["pending"], cases["corrections"]) == (0, 1)
    assert response.context["total_pending"] == 3
    page = response.content.decode()
    assert reverse("admin:ledgers_entrycorrection_changelist") + "?kind=stabilitycase" in page


def test_the_ledgers_page_of_the_admin_links_to_the_overview(reviewer):
    page = reviewer.get(reverse("admin:app_list", args=["ledgers"])).content.decode()
    assert reverse("admin:ledgers_review_overview") in page
    queue = reviewer.get(reverse("admin:ledgers_demand_changelist")).content.decode()
    assert reverse("admin:ledgers_review_overview") in queue


# --- County settings and working days ----------------------------------------------------


@pytest.fixture
def administrator(client, personas):
    cadre = CadreFactory(scope_area=personas.county, roles=[Role.ADMINISTRATOR])
    client.force_login(cadre.user)
    return client


def test_county_settings_take_only_a_county(administrator, personas):
    url = reverse("admin:ledgers_countysettings_add")
    days = {"urgent_days": 2, "serious_days": 5, "moderate_days": 10, "light_days": 20}
    response = administrator.post(url, {"county": personas.township.pk, **days})
    assert response.status_code == 200
    assert not CountySettings.objects.exists()
    response = administrator.post(url, {"county": personas.county.pk, **days})
    assert response.status_code == 302
    assert services.county_settings_for(personas.village).urgent_days == 2


def test_county_settings_of_another_county_are_not_listed(administrator, personas):
    from tests.factories import AreaFactory

    other = CountySettings.objects.create(county=AreaFactory(code="510181", name="都江堰市"))
    ours = CountySettings.objects.create(county=personas.county)
    response = administrator.get(reverse("admin:ledgers_countysettings_changelist"))
    assert list(response.context["cl"].result_list) == [ours]
    assert other not in response.context["cl"].result_list


def test_the_workday_page_says_which_years_the_calendar_knows(administrator):
    from ledgers.workdays import known_years

    response = administrator.get(reverse("admin:ledgers_workdayoverride_changelist"))
    assert response.status_code == 200
    years = known_years()
    assert str(years.stop - 1) in response.content.decode()

    response = administrator.post(
        reverse("admin:ledgers_workdayoverride_add"),
        {"date": f"{years.stop}-01-01", "is_workday": "", "note": "元旦"},
    )
    assert response.status_code == 302
    assert WorkdayOverride.objects.get().note == "元旦"


def test_a_reviewer_reads_the_workday_table_but_does_not_change_it(reviewer):
    assert reviewer.get(reverse("admin:ledgers_workdayoverride_changelist")).status_code == 200
    assert reviewer.get(reverse("admin:ledgers_workdayoverride_add")).status_code == 403


def test_nobody_adds_or_deletes_ledger_entries_in_the_admin(reviewer, personas):
    entry = opinion(personas)
    assert reviewer.get(reverse("admin:ledgers_opinionrecord_add")).status_code == 403
    delete = reverse("admin:ledgers_opinionrecord_delete", args=[entry.pk])
    assert reviewer.post(delete, {"post": "yes"}).status_code == 403
    assert OpinionRecord.objects.filter(pk=entry.pk).exists()
    # Not even with the permission granted by hand.
    personas.reviewer.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="ledgers", codename="delete_opinionrecord")
    )
    assert reviewer.post(delete, {"post": "yes"}).status_code == 403
    assert EntryCorrection.objects.count() == 0
