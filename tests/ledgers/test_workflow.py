"""The demand workflow (登记 → 交办 → 办理中 → 办结 → 回访 → 销号): every transition, allowed and refused.

The matrix at the top takes every state and every action of
`services.TRANSITIONS` and checks that the action is allowed exactly from
its source states. The tests after it check who may take each action, and
the branches of the workflow: escalation, 答复说明, reopening and the
resident's "it came back".
"""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contact.roles import Role
from ledgers import services
from ledgers.models import Demand, DemandEvent, ReturnVisit
from tests.factories import CadreFactory

State = Demand.State
Action = DemandEvent.Action
SAT = ReturnVisit.Satisfaction
SOLVED = ReturnVisit.Solved
SHANGHAI = ZoneInfo("Asia/Shanghai")

ALL_STATES = list(State.values)
ALL_ACTIONS = list(services.TRANSITIONS)


def record(personas, household, *, kind="roads", urgency="serious", text="通组路垮塌一段", **kw):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind=kind,
        urgency=urgency,
        description=text,
        resident_phone=household.phone,
        **kw,
    )
    return demand


def put_in_state(demand: Demand, state: str, personas) -> Demand:
    """The demand as the workflow would have left it in `state`, set directly.

    Escalated demands are with the township; from 交办 on, 张丽 is the handler.
    """
    fields = {"state": state}
    if state == State.ESCALATED:
        fields.update(escalated_to=personas.township, handler_level=Demand.HandlerLevel.TOWNSHIP)
    elif state != State.RECORDED:
        fields.update(
            handler_cadre=personas.cadre,
            handler_level=Demand.HandlerLevel.CADRE,
            assigned_at=timezone.now(),
        )
    if state in (State.RESOLVED, State.RETURN_VISITED, State.CLOSED):
        fields.update(
            resolved_at=timezone.now(),
            resolution_kind=Demand.Resolution.SOLVED,
            resolution="已填平垮塌路段",
        )
    if state == State.CLOSED:
        fields["closed_at"] = timezone.now()
    Demand.objects.filter(pk=demand.pk).update(**fields)
    demand.refresh_from_db()
    return demand


def take(action: str, demand: Demand, by, note: str = "按程序办理"):
    """Call the service behind `action` with arguments that are complete and valid."""
    if action == Action.ASSIGN:
        return services.demand_assign(
            demand=demand, by=by, handler_cadre=demand.cadre, instructions=note
        )
    if action == Action.ESCALATE:
        level = Demand.HandlerLevel.COUNTY if demand.escalated_to_id else "township"
        return services.demand_escalate(demand=demand, by=by, level=level, note=note)
    if action == Action.START:
        return services.demand_start(demand=demand, by=by, note=note)
    if action in (Action.RESOLVE, Action.EXPLAIN):
        return services.demand_resolve(
            demand=demand, by=by, resolution=note, explained=action == Action.EXPLAIN
        )
    if action == Action.RETURN_VISIT:
        return services.demand_return_visit(
            demand=demand, by=by, satisfaction=SAT.SATISFIED, solved=SOLVED.SOLVED, comment=note
        )
    if action == Action.CLOSE:
        return services.demand_close(demand=demand, by=by, note=note)
    if action == Action.REOPEN:
        return services.demand_reopen(demand=demand, by=by, note=note)
    raise AssertionError(action)


def entitled(action: str, personas):
    """Who, among the personas, may take `action` on a 群安村 demand in the matrix's set-up."""
    return {
        Action.ASSIGN: personas.leader,  # 交办 needs a leader of the township
        Action.ESCALATE: personas.leader,
        Action.START: personas.cadre,  # the handler
        Action.RESOLVE: personas.cadre,
        Action.EXPLAIN: personas.leader,
        Action.RETURN_VISIT: personas.cadre,  # any cadre of the area may go back and ask
        Action.CLOSE: personas.reviewer,  # 销号 by the party office
        Action.REOPEN: personas.leader,
    }[action].user


EXPECTED_STATE = {
    Action.ASSIGN: State.ASSIGNED,
    Action.ESCALATE: State.ESCALATED,
    Action.START: State.IN_PROGRESS,
    Action.RESOLVE: State.RESOLVED,
    Action.EXPLAIN: State.RESOLVED,
    Action.RETURN_VISIT: State.RETURN_VISITED,
    Action.CLOSE: State.CLOSED,
    # Back to work with its handler (张丽 in the set-up).
    Action.REOPEN: State.ASSIGNED,
}


def test_the_matrix_covers_every_action_of_the_workflow():
    assert set(ALL_ACTIONS) == set(EXPECTED_STATE)
    assert len(ALL_STATES) == 7


@pytest.mark.parametrize("action", ALL_ACTIONS)
@pytest.mark.parametrize("state", ALL_STATES)
def test_an_action_is_allowed_exactly_from_its_source_states(personas, household, state, action):
    demand = put_in_state(record(personas, household), state, personas)
    events_before = demand.events.count()
    user = entitled(action, personas)
    listed = action in [t.action for t in services.allowed_actions(user, demand)]

    if state in services.TRANSITIONS[action].sources:
        assert listed
        take(action, demand, user, note="第一次办理")
        demand.refresh_from_db()
        assert demand.state == EXPECTED_STATE[action]
        event = demand.events.order_by("-pk").first()
        assert demand.events.count() == events_before + 1
        assert (event.action, event.from_state, event.to_state, event.by) == (
            action,
            state,
            EXPECTED_STATE[action],
            user,
        )
        assert "第一次办理" in event.note
    else:
        assert not listed
        with pytest.raises(ValidationError):
            take(action, demand, user)
        demand.refresh_from_db()
        assert demand.state == state
        assert demand.events.count() == events_before


@pytest.mark.parametrize("persona", ["outsider", "supervisor"])
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_an_outsider_or_a_supervisor_may_take_no_action(personas, household, persona, action):
    source = services.TRANSITIONS[action].sources[0]
    demand = put_in_state(record(personas, household), source, personas)
    user = getattr(personas, persona).user
    assert services.allowed_actions(user, demand) == []
    with pytest.raises(PermissionDenied):
        take(action, demand, user)
    demand.refresh_from_db()
    assert demand.state == source
    assert not demand.events.exclude(action=Action.RECORD).exists()


def test_a_leader_of_another_township_may_not_return_visit_or_close(personas, household):
    # 白头镇's secretary holds the same permissions as 王成龙, but not over 桤泉镇.
    other_leader = CadreFactory(
        scope_area=personas.other_township, roles=[Role.TOWNSHIP_LEADER]
    ).user
    resolved = put_in_state(record(personas, household), State.RESOLVED, personas)
    visited = put_in_state(record(personas, household), State.RETURN_VISITED, personas)
    recorded = record(personas, household)
    for action, demand in [
        (Action.RETURN_VISIT, resolved),
        (Action.CLOSE, visited),
        (Action.REOPEN, visited),
        (Action.ASSIGN, recorded),
    ]:
        with pytest.raises(PermissionDenied):
            take(action, demand, other_leader)
    assert ReturnVisit.objects.count() == 0
    assert list(Demand.objects.order_by("pk").values_list("state", flat=True)) == [
        State.RESOLVED,
        State.RETURN_VISITED,
        State.RECORDED,
    ]


# --- Who may do what -------------------------------------------------------------


def test_a_cadre_may_not_assign(personas, household):
    demand = record(personas, household)
    with pytest.raises(PermissionDenied):
        services.demand_assign(demand=demand, by=personas.cadre.user, handler_unit="镇水务站")
    demand.refresh_from_db()
    assert demand.state == State.RECORDED and demand.handler_unit == ""


def test_a_cadre_may_not_close(personas, household):
    demand = put_in_state(record(personas, household), State.RETURN_VISITED, personas)
    with pytest.raises(PermissionDenied):
        services.demand_close(demand=demand, by=personas.cadre.user)
    demand.refresh_from_db()
    assert demand.state == State.RETURN_VISITED and demand.closed_at is None


def test_the_township_leader_assigns_to_a_cadre_or_a_unit(personas, household):
    demand = record(personas, household)
    services.demand_assign(
        demand=demand, by=personas.leader.user, handler_cadre=personas.cadre, instructions="一周内"
    )
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED
    assert demand.handler_cadre == personas.cadre
    assert demand.handler_level == Demand.HandlerLevel.CADRE
    assert demand.instructions == "一周内" and demand.assigned_at is not None

    services.demand_assign(demand=demand, by=personas.leader.user, handler_unit=" 镇水务站 ")
    demand.refresh_from_db()
    assert demand.handler_cadre is None and demand.handler_unit == "镇水务站"
    assert demand.handler_level == Demand.HandlerLevel.UNIT
    assert demand.events.filter(action=Action.ASSIGN).count() == 2


def test_assigning_needs_a_handler_in_the_leaders_area(personas, household):
    demand = record(personas, household)
    with pytest.raises(ValidationError):
        services.demand_assign(demand=demand, by=personas.leader.user, handler_unit="  ")
    with pytest.raises(ValidationError):
        services.demand_assign(
            demand=demand, by=personas.leader.user, handler_cadre=personas.outsider
        )
    demand.refresh_from_db()
    assert demand.state == State.RECORDED and demand.handler_cadre is None


def test_a_township_leader_may_not_assign_a_demand_escalated_to_the_county(personas, household):
    demand = record(personas, household)
    services.demand_escalate(
        demand=demand, by=personas.leader.user, level="county", note="涉及县道改线"
    )
    demand.refresh_from_db()
    assert demand.escalated_to == personas.county
    with pytest.raises(PermissionDenied):
        services.demand_assign(demand=demand, by=personas.leader.user, handler_unit="镇交通办")
    demand.refresh_from_db()
    assert demand.state == State.ESCALATED and demand.handler_unit == ""


def test_the_handler_starts_and_resolves(personas, household):
    demand = record(personas, household)
    services.demand_assign(demand=demand, by=personas.leader.user, handler_cadre=personas.cadre)
    services.demand_start(demand=demand, by=personas.cadre.user, note="联系施工队")
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已填平垮塌路段")
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED
    assert demand.resolution_kind == Demand.Resolution.SOLVED
    assert demand.resolution == "已填平垮塌路段" and demand.resolved_at is not None
    trail = list(demand.events.values_list("action", "from_state", "to_state", "by", "note"))
    cadre, leader = personas.cadre.user.pk, personas.leader.user.pk
    assert [t[:4] for t in trail[1:]] == [
        (Action.ASSIGN, State.RECORDED, State.ASSIGNED, leader),
        (Action.START, State.ASSIGNED, State.IN_PROGRESS, cadre),
        (Action.RESOLVE, State.IN_PROGRESS, State.RESOLVED, cadre),
    ]
    assert "张丽" in trail[1][4]  # the note names the handler
    assert [t[4] for t in trail[2:]] == ["联系施工队", "已填平垮塌路段"]


def test_someone_who_is_not_the_handler_may_not_start(personas, household):
    demand = record(personas, household)
    services.demand_assign(demand=demand, by=personas.leader.user, handler_cadre=personas.cadre)
    with pytest.raises(PermissionDenied):
        services.demand_start(demand=demand, by=personas.reviewer.user)
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED


def test_the_cadre_who_recorded_it_may_settle_it_on_the_spot(personas, household):
    demand = record(personas, household)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="当场解释清楚")
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED


def test_the_reviewer_closes(personas, household):
    demand = put_in_state(record(personas, household), State.RETURN_VISITED, personas)
    services.demand_close(demand=demand, by=personas.reviewer.user, note="核实无误")
    demand.refresh_from_db()
    assert demand.state == State.CLOSED and demand.closed_at is not None
    event = demand.events.order_by("pk").last()
    assert (event.action, event.by, event.note) == (
        Action.CLOSE,
        personas.reviewer.user,
        "核实无误",
    )


def test_an_incomplete_action_is_refused_and_changes_nothing(personas, household):
    demand = record(personas, household)
    leader = personas.leader.user
    with pytest.raises(ValidationError):
        services.demand_escalate(demand=demand, by=leader, level="township", note=" ")
    with pytest.raises(ValidationError):
        services.demand_escalate(demand=demand, by=leader, level="village", note="解决不了")
    with pytest.raises(ValidationError):
        services.demand_resolve(demand=demand, by=leader, resolution="")
    demand.refresh_from_db()
    assert demand.state == State.RECORDED
    closed = put_in_state(record(personas, household), State.CLOSED, personas)
    with pytest.raises(ValidationError):
        services.demand_reopen(demand=closed, by=leader, note="")
    closed.refresh_from_db()
    assert closed.state == State.CLOSED and closed.reopen_count == 0


# --- Escalation and 答复说明 ----------------------------------------------------------


def test_a_demand_is_escalated_to_the_township_then_to_the_county(personas, household):
    demand = record(personas, household)
    # 张丽, whose demand it is, says the village cannot solve it.
    services.demand_escalate(
        demand=demand, by=personas.cadre.user, level="township", note="村里无资金"
    )
    demand.refresh_from_db()
    assert demand.state == State.ESCALATED
    assert demand.escalated_to == personas.township
    assert demand.handler_level == Demand.HandlerLevel.TOWNSHIP

    # Once with the township, it is the township's to move on, not hers.
    with pytest.raises(PermissionDenied):
        services.demand_escalate(
            demand=demand, by=personas.cadre.user, level="county", note="镇里也解决不了"
        )
    services.demand_escalate(
        demand=demand, by=personas.leader.user, level="county", note="需县交通局立项"
    )
    demand.refresh_from_db()
    assert demand.escalated_to == personas.county
    assert demand.handler_level == Demand.HandlerLevel.COUNTY

    # Not back down, nor to the county twice, even by a leader of the county.
    county_leader = CadreFactory(scope_area=personas.county, roles=[Role.TOWNSHIP_LEADER]).user
    for level in ("township", "county"):
        with pytest.raises(ValidationError):
            services.demand_escalate(demand=demand, by=county_leader, level=level, note="再报")
    demand.refresh_from_db()
    assert demand.escalated_to == personas.county
    escalations = demand.events.filter(action=Action.ESCALATE)
    assert list(escalations.values_list("from_state", "to_state", "by")) == [
        (State.RECORDED, State.ESCALATED, personas.cadre.user.pk),
        (State.ESCALATED, State.ESCALATED, personas.leader.user.pk),
    ]
    assert "村里无资金" in escalations[0].note and "需县交通局立项" in escalations[1].note


def test_an_explanation_resolves_the_demand_and_still_needs_the_return_visit(personas, household):
    demand = record(personas, household, kind="policy", text="要求把儿子纳入低保")
    services.demand_resolve(
        demand=demand,
        by=personas.leader.user,
        resolution="家庭收入超过低保标准, 已当面解释政策",
        explained=True,
    )
    demand.refresh_from_db()
    assert demand.state == State.RESOLVED
    assert demand.resolution_kind == Demand.Resolution.EXPLAINED
    assert demand.events.order_by("pk").last().action == Action.EXPLAIN
    # It cannot be closed before someone has gone back and asked.
    with pytest.raises(ValidationError):
        services.demand_close(demand=demand, by=personas.leader.user)
    actions = [t.action for t in services.allowed_actions(personas.leader.user, demand)]
    assert Action.RETURN_VISIT in actions and Action.CLOSE not in actions


# --- Return visits and reopening ---------------------------------------------------


def resolved_demand(personas, household, on: datetime):
    with time_machine.travel(on, tick=False):
        demand = record(personas, household)
        services.demand_assign(demand=demand, by=personas.leader.user, handler_cadre=personas.cadre)
        services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修好")
    demand.refresh_from_db()
    return demand


@pytest.mark.parametrize(
    ("satisfaction", "solved"),
    [(SAT.DISSATISFIED, SOLVED.SOLVED), (SAT.SATISFIED, SOLVED.NOT_SOLVED)],
)
def test_a_dissatisfied_or_unsolved_return_visit_reopens_with_a_new_deadline(
    personas, household, satisfaction, solved
):
    # Recorded on Monday 2 March 2026: 重 is 7 working days, so due Wednesday 11 March.
    demand = resolved_demand(personas, household, datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    assert demand.deadline == date(2026, 3, 11)

    with time_machine.travel(datetime(2026, 4, 13, 10, tzinfo=SHANGHAI), tick=False):
        services.demand_return_visit(
            demand=demand,
            by=personas.cadre.user,
            satisfaction=satisfaction,
            solved=solved,
            comment="雨后又塌了",
        )
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED
    assert demand.handler_cadre == personas.cadre
    assert demand.reopen_count == 1
    assert demand.resolved_at is None and demand.resolution_kind == ""
    # 7 working days from Monday 13 April 2026 (清明 is already over): Wednesday 22 April.
    assert demand.deadline == date(2026, 4, 22)
    visit = ReturnVisit.objects.get(demand=demand)
    assert (visit.satisfaction, visit.solved, visit.comment) == (satisfaction, solved, "雨后又塌了")
    last_two = list(demand.events.order_by("-pk")[:2])[::-1]
    assert [(e.action, e.from_state, e.to_state) for e in last_two] == [
        (Action.RETURN_VISIT, State.RESOLVED, State.RESOLVED),
        (Action.REOPEN, State.RESOLVED, State.ASSIGNED),
    ]
    assert "雨后又塌了" in last_two[0].note


@pytest.mark.parametrize(
    ("satisfaction", "solved"),
    [(SAT.SATISFIED, SOLVED.SOLVED), (SAT.FAIRLY, SOLVED.PARTLY)],
)
def test_a_satisfied_return_visit_leaves_the_demand_for_closing(
    personas, household, satisfaction, solved
):
    demand = resolved_demand(personas, household, datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    services.demand_return_visit(
        demand=demand, by=personas.cadre.user, satisfaction=satisfaction, solved=solved
    )
    demand.refresh_from_db()
    assert demand.state == State.RETURN_VISITED
    assert demand.reopen_count == 0 and demand.closed_at is None
    assert ReturnVisit.objects.filter(demand=demand).count() == 1


def test_a_leader_closes_in_the_same_step_as_the_return_visit(personas, household):
    demand = resolved_demand(personas, household, datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    services.demand_return_visit(
        demand=demand,
        by=personas.leader.user,
        satisfaction=SAT.SATISFIED,
        solved=SOLVED.SOLVED,
        close=True,
    )
    demand.refresh_from_db()
    assert demand.state == State.CLOSED and demand.closed_at is not None
    assert list(demand.events.order_by("-pk").values_list("action", "by")[:2]) == [
        (Action.CLOSE, personas.leader.user.pk),
        (Action.RETURN_VISIT, personas.leader.user.pk),
    ]


def test_a_cadre_asking_to_close_with_the_return_visit_leaves_it_for_a_leader(personas, household):
    demand = resolved_demand(personas, household, datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    services.demand_return_visit(
        demand=demand,
        by=personas.cadre.user,
        satisfaction=SAT.SATISFIED,
        solved=SOLVED.SOLVED,
        close=True,
    )
    demand.refresh_from_db()
    assert demand.state == State.RETURN_VISITED and demand.closed_at is None


def test_a_leader_reopens_a_closed_demand_from_today(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    with time_machine.travel(datetime(2026, 4, 13, 10, tzinfo=SHANGHAI), tick=False):
        services.demand_reopen(demand=demand, by=personas.leader.user, note="群众反映又塌了")
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED
    assert demand.reopen_count == 1 and demand.closed_at is None
    assert demand.deadline == date(2026, 4, 22)
    event = demand.events.order_by("pk").last()
    assert (event.action, event.from_state, event.by, event.note) == (
        Action.REOPEN,
        State.CLOSED,
        personas.leader.user,
        "群众反映又塌了",
    )


# --- The resident says it came back --------------------------------------------------


def test_a_wrong_phone_number_reopens_nothing(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    assert services.demand_came_back(reference=demand.reference, phone="13800002222") is None
    assert services.demand_came_back(reference="2026-000000", phone=household.phone) is None
    demand.refresh_from_db()
    assert demand.state == State.CLOSED and not demand.flagged and demand.reopen_count == 0
    assert not demand.events.filter(action=Action.CAME_BACK).exists()


def test_the_right_reference_and_phone_reopen_a_closed_demand_and_flag_it(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    found = services.demand_came_back(
        reference=f" {demand.reference} ", phone="138-0000-1111", note="路又塌了"
    )
    assert found == demand
    demand.refresh_from_db()
    assert demand.state == State.ASSIGNED
    assert demand.flagged and demand.reopen_count == 1 and demand.closed_at is None
    event = demand.events.order_by("pk").last()
    assert (event.action, event.from_state, event.to_state, event.by, event.note) == (
        Action.CAME_BACK,
        State.CLOSED,
        State.ASSIGNED,
        None,
        "路又塌了",
    )


def test_a_demand_still_being_worked_on_is_not_reopened_by_the_resident(personas, household):
    demand = put_in_state(record(personas, household), State.IN_PROGRESS, personas)
    assert services.demand_came_back(reference=demand.reference, phone=household.phone) == demand
    demand.refresh_from_db()
    assert demand.state == State.IN_PROGRESS and not demand.flagged
    assert not demand.events.filter(action=Action.CAME_BACK).exists()


def test_a_reference_outside_the_given_demands_is_no_match(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    elsewhere = Demand.objects.exclude(household=household)
    assert (
        services.demand_came_back(
            reference=demand.reference, phone=household.phone, within=elsewhere
        )
        is None
    )
    demand.refresh_from_db()
    assert demand.state == State.CLOSED and not demand.flagged


def test_closing_clears_the_flag(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    services.demand_came_back(reference=demand.reference, phone=household.phone)
    services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="重新修好")
    services.demand_return_visit(
        demand=demand, by=personas.cadre.user, satisfaction=SAT.SATISFIED, solved=SOLVED.SOLVED
    )
    services.demand_close(demand=demand, by=personas.reviewer.user)
    demand.refresh_from_db()
    assert demand.state == State.CLOSED and not demand.flagged and demand.reopen_count == 1


# --- The duplicate guard and recording ------------------------------------------------


def test_the_duplicate_guard_finds_the_open_demand_of_the_same_household_and_kind(
    personas, household
):
    closed = put_in_state(record(personas, household, kind="roads"), State.CLOSED, personas)
    other_kind = record(personas, household, kind="water", text="自来水停了")
    assert services.open_duplicate(household=household, kind="roads") is None
    open_one = put_in_state(record(personas, household, kind="roads"), State.ASSIGNED, personas)
    assert services.open_duplicate(household=household, kind="roads") == open_one
    assert services.open_duplicate(household=household, kind="water") == other_kind
    assert services.open_duplicate(household=household, kind="housing") is None
    assert services.open_duplicate(household=None, kind="roads") is None
    assert closed.pk != open_one.pk


def test_adding_to_a_demand_records_an_add_event(personas, household):
    demand = put_in_state(record(personas, household), State.IN_PROGRESS, personas)
    services.demand_add_to(demand=demand, by=personas.reviewer.user, note="接待日又反映一次")
    event = demand.events.order_by("pk").last()
    assert (event.action, event.from_state, event.to_state, event.by, event.note) == (
        Action.ADD,
        State.IN_PROGRESS,
        State.IN_PROGRESS,
        personas.reviewer.user,
        "接待日又反映一次",
    )
    demand.refresh_from_db()
    assert demand.state == State.IN_PROGRESS


def test_nothing_is_added_to_a_closed_demand(personas, household):
    demand = put_in_state(record(personas, household), State.CLOSED, personas)
    with pytest.raises(ValidationError):
        services.demand_add_to(demand=demand, by=personas.cadre.user, note="又反映")
    assert not demand.events.filter(action=Action.ADD).exists()


def test_recording_writes_the_first_event_of_the_trail(personas, household):
    demand = record(personas, household)
    assert demand.state == State.RECORDED
    assert demand.cadre == personas.cadre and demand.recorded_by == personas.cadre.user
    assert demand.reference.startswith(f"{timezone.localdate().year}-")
    event = demand.events.get()
    assert (event.action, event.from_state, event.to_state, event.by) == (
        Action.RECORD,
        "",
        State.RECORDED,
        personas.cadre.user,
    )
    assert demand.deadline.isoformat() in event.note


def test_recording_twice_with_the_same_key_records_one_demand(personas, household):
    key = uuid.uuid4()
    first = record(personas, household, idempotency_key=key)
    demand, created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="roads",
        urgency="serious",
        description="通组路垮塌一段",
        idempotency_key=key,
    )
    assert demand == first and created is False
    assert Demand.objects.count() == 1
    assert DemandEvent.objects.filter(action=Action.RECORD).count() == 1
