"""The pages of the demand workflow: the list, recording with its guards, the demand's page and its steps.

张丽 (群安村) records, 王成龙 (the township's secretary) assigns and closes,
李秀英 (党政办) closes, and 赵志刚 of 白头镇 must find nothing of 桤泉镇.
"""

import uuid
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from contact.models import Visit
from ledgers import selectors, services
from ledgers.models import Demand, DemandAttachment, DemandEvent, ReturnVisit, ReviewState, Source
from tests.contact.visit_data import jpeg_upload

pytestmark = pytest.mark.django_db

State = Demand.State
Action = DemandEvent.Action
LIST = reverse("ledgers:demand_list")
CREATE = reverse("ledgers:demand_create")


def record(personas, household=None, *, by=None, area=None, **kw) -> Demand:
    fields = {"kind": "roads", "urgency": "serious", "description": "通组路垮塌一段", **kw}
    demand, _created = services.demand_record(
        by=(by or personas.cadre).user,
        area=area or (household.village if household else personas.village),
        household=household,
        resident_phone=household.phone if household else "",
        **fields,
    )
    return demand


def step_url(demand, action):
    return reverse("ledgers:demand_action", args=[demand.pk, action])


def listed(response) -> list[Demand]:
    return list(response.context["page"].object_list)


def new_demand_post(household, **extra):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "household": household.pk if household else "",
        "source": Source.DIRECT,
        "kind": "water",
        "urgency": "urgent",
        "description": "自来水管冻裂，全组停水",
        "resident_name": "",
        "resident_phone": "",
        "occurred_on": timezone.localdate().isoformat(),
    }
    data.update(extra)
    return data


# --- Scope ----------------------------------------------------------------------------


def test_the_list_shows_the_demands_in_scope_and_an_outsider_sees_none(client, personas, household):
    roads = record(personas, household)
    well = record(personas, area=personas.other_village, by=personas.leader, kind="water")
    client.force_login(personas.leader.user)
    assert set(listed(client.get(LIST))) == {roads, well}

    client.force_login(personas.outsider.user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == []
    assert roads.reference not in response.content.decode()


def test_every_page_of_a_demand_outside_ones_scope_is_a_404(client, personas, household):
    demand = record(personas, household)
    services.demand_resolve(
        demand=demand,
        by=personas.cadre.user,
        resolution="已修复",
        files=[jpeg_upload(size=(400, 300))],
    )
    attachment = DemandAttachment.objects.get()
    client.force_login(personas.outsider.user)
    for url in (
        demand.get_absolute_url(),
        reverse("ledgers:demand_edit", args=[demand.pk]),
        step_url(demand, "return_visit"),
        reverse("ledgers:demand_attachment", args=[attachment.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        step_url(demand, "return_visit"), {"satisfaction": "satisfied", "solved": "solved"}
    )
    assert response.status_code == 404
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED


# --- Filters ---------------------------------------------------------------------------


def test_the_list_filters_by_state_urgency_and_kind(client, personas, household):
    urgent = record(personas, household, urgency="urgent", kind="water")
    light = record(personas, household, urgency="light", kind="roads")
    assigned = record(personas, household, urgency="light", kind="housing")
    services.demand_assign(demand=assigned, by=personas.leader.user, handler_cadre=personas.cadre)
    client.force_login(personas.leader.user)

    assert listed(client.get(LIST, {"state": "assigned"})) == [assigned]
    assert set(listed(client.get(LIST, {"state": "recorded"}))) == {urgent, light}
    assert listed(client.get(LIST, {"urgency": "urgent"})) == [urgent]
    assert set(listed(client.get(LIST, {"urgency": "light"}))) == {light, assigned}
    assert listed(client.get(LIST, {"urgency": "light", "kind": "roads"})) == [light]


def test_overdue_only_lists_the_late_ones_with_their_days_overdue(client, personas, household):
    late = record(personas, household, occurred_on=date(2026, 1, 5))
    on_time = record(personas, household, occurred_on=timezone.localdate())
    late_but_resolved = record(personas, household, occurred_on=date(2026, 1, 5))
    services.demand_resolve(demand=late_but_resolved, by=personas.cadre.user, resolution="已修")
    client.force_login(personas.cadre.user)

    response = client.get(LIST, {"overdue": "on"})
    rows = listed(response)
    assert rows == [late]
    assert rows[0].days_overdue == (timezone.localdate() - late.deadline).days > 0
    assert on_time not in rows


def test_the_search_finds_a_reference_and_a_residents_name(client, personas, household):
    roads = record(personas, household, resident_name="向朝清")
    other = record(personas, area=personas.village, description="路灯不亮", resident_name="刘永林")
    client.force_login(personas.cadre.user)
    assert listed(client.get(LIST, {"q": roads.reference})) == [roads]
    assert listed(client.get(LIST, {"q": "刘永林"})) == [other]
    assert listed(client.get(LIST, {"q": "路灯"})) == [other]


def test_mine_lists_what_i_handle_or_answer_for(client, personas, household):
    mine = record(personas, household)
    handled = record(personas, area=personas.other_village, by=personas.leader, kind="water")
    services.demand_assign(demand=handled, by=personas.leader.user, handler_cadre=personas.reviewer)
    not_mine = record(personas, area=personas.other_village, by=personas.leader, kind="housing")
    client.force_login(personas.reviewer.user)
    assert listed(client.get(LIST, {"mine": "on"})) == [handled]
    client.force_login(personas.cadre.user)
    rows = listed(client.get(LIST, {"mine": "on"}))
    assert mine in rows
    assert not_mine not in rows


def test_a_figure_link_lists_exactly_the_demands_the_figure_counts(client, personas, household):
    first = record(personas, household)
    # Received in January, assigned this month: "assigned" counts it, "received" does not.
    january = record(personas, household, kind="water", occurred_on=date(2026, 1, 5))
    services.demand_assign(demand=first, by=personas.leader.user, handler_cadre=personas.cadre)
    services.demand_assign(demand=january, by=personas.leader.user, handler_cadre=personas.cadre)
    today = timezone.localdate()
    start = today.replace(day=1)
    client.force_login(personas.leader.user)
    for name in selectors.FIGURE_NAMES:
        expected = selectors.figure_queryset(
            Demand.objects.visible_to(personas.leader.user).in_area(personas.village),
            name,
            start,
            today + timedelta(days=1),
        )
        response = client.get(
            LIST,
            {
                "figure": name,
                "from": start.isoformat(),
                "to": today.isoformat(),
                "area": personas.village.pk,
            },
        )
        assert set(listed(response)) == set(expected), name
        assert response.context["total"] == expected.count()


# --- Recording ---------------------------------------------------------------------------


def test_a_cadre_records_a_demand_and_is_told_its_reference_and_deadline(
    client, personas, household
):
    client.force_login(personas.cadre.user)
    url = f"{CREATE}?household={household.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["resident_name"] == "向朝清"

    response = client.post(url, new_demand_post(household))
    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response.url == demand.get_absolute_url()
    assert demand.household == household
    assert demand.area == personas.village  # the household's village, not its group
    assert demand.recorded_by == personas.cadre.user
    assert demand.cadre == personas.cadre
    assert demand.resident_name == "向朝清"  # left empty: the head of the household
    assert demand.resident_phone == "13800001111"
    with translation.override("zh-hans"):
        deadline = date_format(demand.deadline, "DATE_FORMAT")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert demand.reference in message
    assert deadline in message


def test_the_same_form_sent_twice_records_one_demand(client, personas, household):
    client.force_login(personas.cadre.user)
    data = new_demand_post(household)
    first = client.post(CREATE, data)
    second = client.post(CREATE, data)
    demand = Demand.objects.get()
    assert first.url == second.url == demand.get_absolute_url()


def test_an_outsider_cannot_record_for_a_household_outside_scope(client, personas, household):
    client.force_login(personas.outsider.user)
    assert client.get(f"{CREATE}?household={household.pk}").status_code == 404
    assert client.post(CREATE, new_demand_post(household)).status_code == 404
    assert not Demand.objects.exists()


def test_a_supervisor_without_the_permission_cannot_record(client, personas, household):
    client.force_login(personas.supervisor.user)
    assert client.get(CREATE).status_code == 403
    client.force_login(personas.leader.user)
    assert client.get(LIST).content.decode().count(CREATE) == 1


def test_a_rejected_form_keeps_what_was_typed(client, personas, household):
    client.force_login(personas.cadre.user)
    response = client.post(
        CREATE, new_demand_post(household, kind="", description="村口路灯坏了三盏")
    )
    assert response.status_code == 400
    assert "村口路灯坏了三盏" in response.content.decode()
    assert response.context["form"].errors["kind"]
    assert not Demand.objects.exists()


def test_a_bad_phone_number_is_refused_and_kept(client, personas, household):
    client.force_login(personas.cadre.user)
    response = client.post(CREATE, new_demand_post(household, resident_phone="12345"))
    assert response.status_code == 400
    assert 'value="12345"' in response.content.decode()
    assert not Demand.objects.exists()


def test_without_a_household_the_village_is_needed(client, personas):
    client.force_login(personas.cadre.user)
    response = client.post(CREATE, new_demand_post(None))
    assert response.status_code == 400
    assert response.context["form"].errors["area"]
    response = client.post(CREATE, new_demand_post(None, area=personas.village.pk))
    assert response.status_code == 302
    assert Demand.objects.get().area == personas.village


def test_a_demand_raised_during_a_visit_starts_from_the_visit(client, personas, household):
    visit = Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        visited_at=timezone.now() - timedelta(days=2),
        method=Visit.Method.HOME,
        situation="房屋漏雨",
        idempotency_key=uuid.uuid4(),
    )
    client.force_login(personas.cadre.user)
    page = client.get(f"{CREATE}?visit={visit.pk}")
    initial = page.context["form"].initial
    assert initial["household"] == household
    assert initial["source"] == Source.VISIT
    assert initial["occurred_on"] == timezone.localdate(visit.visited_at)

    data = new_demand_post(household, visit=visit.pk, source=Source.VISIT, kind="housing")
    data["occurred_on"] = initial["occurred_on"].isoformat()
    client.post(CREATE, data)
    demand = Demand.objects.get(kind="housing")
    assert demand.visit == visit
    assert demand.occurred_on == timezone.localdate(visit.visited_at)
    assert visit.get_absolute_url() in client.get(demand.get_absolute_url()).content.decode()


def test_a_visit_outside_scope_is_a_404(client, personas, household):
    visit = Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        situation="房屋漏雨",
        idempotency_key=uuid.uuid4(),
    )
    client.force_login(personas.outsider.user)
    assert client.get(f"{CREATE}?visit={visit.pk}").status_code == 404


# --- The duplicate guard --------------------------------------------------------------------


def test_the_same_problem_again_shows_the_open_demand_instead_of_recording(
    client, personas, household
):
    existing = record(personas, household, kind="water", description="自来水管冻裂")
    client.force_login(personas.cadre.user)
    response = client.post(CREATE, new_demand_post(household, kind="water"))
    assert response.status_code == 200
    assert response.context["duplicate"] == existing
    page = response.content.decode()
    assert existing.reference in page
    assert "自来水管冻裂" in page
    assert f'name="add_to" value="{existing.pk}"' in page
    assert Demand.objects.count() == 1


def test_add_to_it_records_the_new_words_on_the_open_demand(client, personas, household):
    existing = record(personas, household, kind="water")
    client.force_login(personas.cadre.user)
    data = new_demand_post(household, kind="water", description="又停水三天了", add_to=existing.pk)
    response = client.post(CREATE, data)
    assert response.status_code == 302
    assert response.url == existing.get_absolute_url()
    assert Demand.objects.count() == 1
    added = existing.events.get(action=Action.ADD)
    assert added.note == "又停水三天了"
    assert added.by == personas.cadre.user
    # Sent again (a double tap): nothing more is added.
    client.post(CREATE, data)
    assert existing.events.filter(action=Action.ADD).count() == 1


def test_adding_to_a_demand_closed_meanwhile_keeps_the_visit_for_recording_it_anew(
    client, personas, household
):
    visit = Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        method=Visit.Method.HOME,
        situation="又停水",
        idempotency_key=uuid.uuid4(),
    )
    existing = record(personas, household, kind="water")
    client.force_login(personas.cadre.user)
    data = new_demand_post(household, kind="water", visit=visit.pk, description="又停水三天了")
    asked = client.post(CREATE, data)
    assert asked.context["duplicate"] == existing
    # While she reads the question, the office closes the old demand.
    Demand.objects.filter(pk=existing.pk).update(state=State.CLOSED)
    refused = client.post(CREATE, {**data, "add_to": existing.pk})
    assert refused.status_code == 400
    assert refused.context["visit"] == visit
    assert f'name="visit" value="{visit.pk}"' in refused.content.decode()
    # Sent again from that page, as a new demand: it still comes from the visit.
    client.post(CREATE, data)
    assert Demand.objects.exclude(pk=existing.pk).get().visit == visit


def test_record_as_new_anyway_records_a_second_demand(client, personas, household):
    existing = record(personas, household, kind="water")
    client.force_login(personas.cadre.user)
    response = client.post(CREATE, new_demand_post(household, kind="water", confirm_new="1"))
    assert response.status_code == 302
    assert Demand.objects.count() == 2
    assert Demand.objects.exclude(pk=existing.pk).get().kind == "water"


def test_a_closed_demand_of_the_same_kind_does_not_stop_a_new_one(client, personas, household):
    old = record(personas, household, kind="water")
    Demand.objects.filter(pk=old.pk).update(state=State.CLOSED)
    client.force_login(personas.cadre.user)
    assert client.post(CREATE, new_demand_post(household, kind="water")).status_code == 302
    assert Demand.objects.count() == 2


# --- The demand's page and who sees which button ---------------------------------------------


def test_the_leader_sees_assign_and_the_cadre_does_not(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    assert step_url(demand, "assign") in client.get(demand.get_absolute_url()).content.decode()
    client.force_login(personas.cadre.user)
    page = client.get(demand.get_absolute_url()).content.decode()
    assert step_url(demand, "assign") not in page
    assert step_url(demand, "resolve") in page  # the cadre the resident turned to settles it
    client.force_login(personas.supervisor.user)
    page = client.get(demand.get_absolute_url())
    assert page.status_code == 200
    assert page.context["actions"] == []


def test_the_reviewer_sees_close_on_a_return_visited_demand_and_the_cadre_does_not(
    client, personas, household
):
    demand = record(personas, household)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修复")
    services.demand_return_visit(
        demand=demand, by=personas.cadre.user, satisfaction="satisfied", solved="solved"
    )
    client.force_login(personas.reviewer.user)
    assert step_url(demand, "close") in client.get(demand.get_absolute_url()).content.decode()
    client.force_login(personas.cadre.user)
    assert step_url(demand, "close") not in client.get(demand.get_absolute_url()).content.decode()


def test_the_page_shows_the_trail_the_visit_and_the_household(client, personas, household):
    demand = record(personas, household, description="通组路垮塌一段")
    services.demand_assign(
        demand=demand, by=personas.leader.user, handler_cadre=personas.cadre, instructions="三日内"
    )
    client.force_login(personas.cadre.user)
    response = client.get(demand.get_absolute_url())
    page = response.content.decode()
    assert "通组路垮塌一段" in page
    assert household.get_absolute_url() in page
    assert "王成龙" in page  # who assigned it, in the trail
    assert "三日内" in page
    assert "13800001111" in page
    assert [e.action for e in response.context["events"]] == [Action.RECORD, Action.ASSIGN]


def test_a_forged_step_the_user_may_not_take_is_a_403_and_changes_nothing(
    client, personas, household
):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    response = client.post(
        step_url(demand, "assign"), {"handler_cadre": personas.cadre.pk, "instructions": "x"}
    )
    assert response.status_code == 403
    assert response.context["refusal"]
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    assert demand.handler_cadre is None
    assert demand.events.count() == 1


def test_a_step_the_state_does_not_allow_is_refused_clearly(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    response = client.post(step_url(demand, "close"), {"note": "销号"})
    assert response.status_code == 409
    assert response.context["refusal"]
    assert demand.reference in response.content.decode()
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    assert demand.closed_at is None


def test_a_stale_click_after_someone_else_moved_it_on_is_refused_not_an_error(
    client, personas, household
):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    assert client.get(step_url(demand, "resolve")).status_code == 200
    # Meanwhile the leader escalates it to the township.
    services.demand_escalate(
        demand=demand, by=personas.leader.user, level="township", note="需镇里协调"
    )
    response = client.post(step_url(demand, "resolve"), {"resolution": "已修复"})
    assert response.status_code == 409
    demand.refresh_from_db()
    assert demand.state == State.ESCALATED
    assert not demand.events.filter(action=Action.RESOLVE).exists()


def test_every_step_the_user_may_take_has_its_own_page(client, personas, household):
    recorded = record(personas, household)
    client.force_login(personas.leader.user)
    offered = [t.action for t in client.get(recorded.get_absolute_url()).context["actions"]]
    assert set(offered) == {"assign", "escalate", "resolve", "explain"}
    for action in offered:
        page = client.get(step_url(recorded, action))
        assert page.status_code == 200, action
        assert 'method="post"' in page.content.decode()
    services.demand_resolve(demand=recorded, by=personas.cadre.user, resolution="已修复")
    services.demand_return_visit(
        demand=recorded, by=personas.cadre.user, satisfaction="satisfied", solved="solved"
    )
    page = client.get(step_url(recorded, "close"))
    assert page.status_code == 200
    assert "data-confirm" in page.content.decode()


def test_an_unknown_step_is_a_404(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    assert client.get(step_url(demand, "came_back")).status_code == 404
    assert client.post(step_url(demand, "destroy")).status_code == 404


def test_the_leader_assigns_through_the_form(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    response = client.post(
        step_url(demand, "assign"),
        {"handler_cadre": personas.cadre.pk, "instructions": "本周内修复"},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED
    assert demand.handler_cadre == personas.cadre
    assert demand.instructions == "本周内修复"


def test_an_assignment_sent_twice_is_taken_once(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    key = client.get(step_url(demand, "assign")).context["form"]["idempotency_key"].value()
    data = {
        "handler_cadre": personas.cadre.pk,
        "instructions": "本周内修复",
        "idempotency_key": key,
    }
    first, second = (
        client.post(step_url(demand, "assign"), data),
        client.post(step_url(demand, "assign"), data),
    )
    assert first.status_code == second.status_code == 302
    assert second.url == demand.get_absolute_url()
    assert demand.events.filter(action=Action.ASSIGN).count() == 1


def test_a_resolution_sent_twice_shows_the_demand_not_a_refusal(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    key = client.get(step_url(demand, "resolve")).context["form"]["idempotency_key"].value()
    data = {"resolution": "已修复", "idempotency_key": key}
    first, second = (
        client.post(step_url(demand, "resolve"), data),
        client.post(step_url(demand, "resolve"), data),
    )
    assert first.status_code == second.status_code == 302
    assert demand.events.filter(action=Action.RESOLVE).count() == 1


def test_a_step_the_service_refused_can_be_sent_again_with_the_same_form(
    client, personas, household
):
    demand = record(personas, household)
    services.demand_escalate(
        demand=demand, by=personas.leader.user, level="township", note="需镇里协调"
    )
    client.force_login(personas.leader.user)
    key = client.get(step_url(demand, "escalate")).context["form"]["idempotency_key"].value()
    # Already with the township: refused, and the form comes back to be changed.
    refused = client.post(
        step_url(demand, "escalate"),
        {"level": "township", "note": "镇里无法解决", "idempotency_key": key},
    )
    assert refused.status_code == 400
    sent = client.post(
        step_url(demand, "escalate"),
        {"level": "county", "note": "镇里无法解决", "idempotency_key": key},
    )
    assert sent.status_code == 302
    demand.refresh_from_db()
    assert demand.escalated_to == personas.county


def test_an_assignment_to_nobody_is_refused_and_keeps_the_instructions(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    response = client.post(step_url(demand, "assign"), {"instructions": "本周内修复"})
    assert response.status_code == 400
    assert "本周内修复" in response.content.decode()
    demand.refresh_from_db()
    assert demand.state == State.RECORDED


def test_a_cadre_outside_the_leaders_area_cannot_be_chosen(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    response = client.post(step_url(demand, "assign"), {"handler_cadre": personas.outsider.pk})
    assert response.status_code == 400
    demand.refresh_from_db()
    assert demand.handler_cadre is None


def test_resolving_with_a_photo_stores_it_as_an_attachment(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    response = client.post(
        step_url(demand, "resolve"),
        {"resolution": "已填平垮塌路段", "files": [jpeg_upload(size=(400, 300))]},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED
    assert demand.resolution == "已填平垮塌路段"
    attachment = DemandAttachment.objects.get(demand=demand)
    assert attachment.content_type == "image/jpeg"
    url = reverse("ledgers:demand_attachment", args=[attachment.pk])
    assert url in client.get(demand.get_absolute_url()).content.decode()
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"


def test_an_account_without_a_role_cannot_fetch_an_attachment_in_its_scope(
    client, personas, household
):
    demand = record(personas, household)
    services.demand_resolve(
        demand=demand,
        by=personas.cadre.user,
        resolution="已填平垮塌路段",
        files=[jpeg_upload(size=(400, 300))],
    )
    attachment = DemandAttachment.objects.get(demand=demand)
    url = reverse("ledgers:demand_attachment", args=[attachment.pk])
    client.force_login(personas.cadre.user)
    assert client.get(url).status_code == 200
    # 张丽's account loses its role (she left the cadre group); her profile's scope stays.
    personas.cadre.user.groups.clear()
    client.force_login(type(personas.cadre.user).objects.get(pk=personas.cadre.user.pk))
    assert client.get(demand.get_absolute_url()).status_code == 403
    assert client.get(url).status_code == 403


def test_a_file_that_is_neither_photo_nor_pdf_is_refused_and_the_text_kept(
    client, personas, household
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    demand = record(personas, household)
    client.force_login(personas.cadre.user)
    response = client.post(
        step_url(demand, "resolve"),
        {
            "resolution": "已填平垮塌路段",
            "files": [SimpleUploadedFile("notes.txt", b"just text", content_type="text/plain")],
        },
    )
    assert response.status_code == 400
    assert "已填平垮塌路段" in response.content.decode()
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    assert not DemandAttachment.objects.exists()


def test_an_explanation_resolves_it_as_explained(client, personas, household):
    demand = record(personas, household)
    client.force_login(personas.leader.user)
    response = client.post(step_url(demand, "explain"), {"explanation": "不属于补助范围，已解释"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED
    assert demand.resolution_kind == Demand.Resolution.EXPLAINED
    assert demand.events.filter(action=Action.EXPLAIN).exists()


def test_a_dissatisfied_return_visit_reopens_the_demand(client, personas, household):
    demand = record(personas, household)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修复")
    client.force_login(personas.cadre.user)
    form = client.get(step_url(demand, "return_visit")).context["form"]
    assert "close" not in form.fields  # 张丽 may not close: no box to tick
    response = client.post(
        step_url(demand, "return_visit"),
        {"satisfaction": "dissatisfied", "solved": "not_solved", "comment": "下雨又垮了"},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    assert demand.reopen_count == 1
    assert ReturnVisit.objects.get(demand=demand).comment == "下雨又垮了"


def test_a_leaders_return_visit_closes_it_when_ticked(client, personas, household):
    demand = record(personas, household)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修复")
    client.force_login(personas.leader.user)
    form = client.get(step_url(demand, "return_visit")).context["form"]
    assert form.fields["close"].initial is True
    response = client.post(
        step_url(demand, "return_visit"),
        {"satisfaction": "satisfied", "solved": "solved", "close": "on"},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.CLOSED


def test_a_reopen_needs_a_reason(client, personas, household):
    demand = record(personas, household)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修复")
    client.force_login(personas.leader.user)
    assert client.post(step_url(demand, "reopen"), {"note": ""}).status_code == 400
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED
    assert client.post(step_url(demand, "reopen"), {"note": "群众反映未修好"}).status_code == 302
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    assert demand.reopen_count == 1


# --- Editing -----------------------------------------------------------------------------


def test_the_author_edits_until_approval_and_the_deadline_follows_the_urgency(
    client, personas, household
):
    demand = record(personas, household, urgency="light")
    url = reverse("ledgers:demand_edit", args=[demand.pk])
    client.force_login(personas.cadre.user)
    assert url in client.get(demand.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "roads",
            "urgency": "urgent",
            "description": "通组路垮塌，车辆无法通行",
            "resident_name": "向朝清",
            "resident_phone": "13800001111",
        },
    )
    assert response.status_code == 302
    before = demand.deadline
    demand.refresh_from_db()
    assert demand.urgency == "urgent"
    assert demand.description == "通组路垮塌，车辆无法通行"
    assert demand.deadline < before
    assert demand.events.filter(action=Action.EDIT).exists()


def test_someone_else_cannot_edit_and_an_approved_demand_is_not_edited(client, personas, household):
    demand = record(personas, household)
    url = reverse("ledgers:demand_edit", args=[demand.pk])
    client.force_login(personas.leader.user)
    assert url not in client.get(demand.get_absolute_url()).content.decode()
    assert client.post(url, {"description": "改"}).status_code == 403

    Demand.objects.filter(pk=demand.pk).update(review_state=ReviewState.APPROVED)
    client.force_login(personas.cadre.user)
    assert url not in client.get(demand.get_absolute_url()).content.decode()
    response = client.post(
        url,
        {"kind": "roads", "urgency": "urgent", "description": "改", "resident_name": ""},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.description == "通组路垮塌一段"
