"""Seed 004's figures counted from records: "received 200, handled 30, return-visited 35, implemented 28".

The fixture is built by hand for March 2026 in 桤泉镇, group by group, each
group named for what it adds to which figure, with decoys around it: the
same kinds of records in 白头镇, and before and after the month (two of them
a few minutes either side of midnight, Shanghai time). The expected numbers
are the sums of the groups, not a second query.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ledgers import selectors, services
from ledgers.models import Demand, DemandEvent, ReturnVisit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
# The day the figures are read: deadlines before it have passed.
TODAY = datetime(2026, 4, 15, 9, tzinfo=SHANGHAI)

State = Demand.State
Action = DemandEvent.Action
SAT = ReturnVisit.Satisfaction
TO_STATE = {
    Action.ASSIGN: State.ASSIGNED,
    Action.RESOLVE: State.RESOLVED,
    Action.EXPLAIN: State.RESOLVED,
    Action.CLOSE: State.CLOSED,
}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


class Ledger:
    """Demands, their events and return visits, written in three bulk inserts."""

    def __init__(self, user):
        self.user = user
        self.count = 0
        self.events: list[DemandEvent] = []
        self.visits: list[ReturnVisit] = []

    def received(self, n, *, area, on, deadline, state=State.RECORDED) -> list[Demand]:
        """`n` demands; `area` and `on` may be lists, taken in turn."""
        areas = area if isinstance(area, list) else [area]
        days = on if isinstance(on, list) else [on]
        demands = []
        for i in range(n):
            self.count += 1
            demands.append(
                Demand(
                    reference=f"2026-{100000 + self.count}",
                    area=areas[i % len(areas)],
                    occurred_on=days[i % len(days)],
                    kind=Demand.Kind.ROADS,
                    urgency=Demand.Urgency.SERIOUS,
                    description=f"第{self.count}件诉求",
                    deadline=deadline,
                    state=state,
                    recorded_by=self.user,
                )
            )
        return Demand.objects.bulk_create(demands)

    def event(self, demands, action, when):
        self.events += [
            DemandEvent(demand=d, action=action, to_state=TO_STATE[action], by=self.user, at=when)
            for d in demands
        ]

    def return_visit(self, demands, satisfaction, when):
        self.visits += [
            ReturnVisit(
                demand=d,
                by=self.user,
                satisfaction=satisfaction,
                solved=ReturnVisit.Solved.SOLVED,
                visited_at=when,
            )
            for d in demands
        ]

    def save(self):
        DemandEvent.objects.bulk_create(self.events)
        ReturnVisit.objects.bulk_create(self.visits)


@pytest.fixture
def march(personas):
    """桤泉镇 in March 2026, and what each figure must list."""
    p = personas
    book = Ledger(p.cadre.user)
    villages = [p.village, p.other_village]
    expected: dict[str, set] = {name: set() for name in selectors.FIGURE_NAMES}

    def expect(names, demands):
        for name in names.split():
            expected[name] |= {d.pk for d in demands}

    # A. Received 2 March, assigned the 3rd, handled on time on the 5th (4 of
    #    them 答复说明), return-visited the 20th; 14 closed on the 25th. One is
    #    assigned a second time, and one is visited twice: each counts once.
    a = book.received(20, area=villages, on=date(2026, 3, 2), deadline=date(2026, 3, 12))
    book.event(a, Action.ASSIGN, at(date(2026, 3, 3)))
    book.event(a[:1], Action.ASSIGN, at(date(2026, 3, 4)))
    book.event(a[:16], Action.RESOLVE, at(date(2026, 3, 5)))
    book.event(a[16:], Action.EXPLAIN, at(date(2026, 3, 5)))
    book.return_visit(a[:16], SAT.SATISFIED, at(date(2026, 3, 20)))
    book.return_visit(a[16:18], SAT.FAIRLY, at(date(2026, 3, 20)))
    book.return_visit(a[18:], SAT.DISSATISFIED, at(date(2026, 3, 20)))
    book.return_visit(a[18:19], SAT.SATISFIED, at(date(2026, 3, 27)))
    book.event(a[:14], Action.CLOSE, at(date(2026, 3, 25)))
    expect("received assigned handled on_time return_visited", a)
    expect("satisfied", a[:19])
    expect("implemented", a[:14])

    # B. Received 2 March, due the 6th, handled late on the 10th; visited in April.
    b = book.received(4, area=p.village, on=date(2026, 3, 2), deadline=date(2026, 3, 6))
    book.event(b, Action.ASSIGN, at(date(2026, 3, 3)))
    book.event(b, Action.RESOLVE, at(date(2026, 3, 10)))
    book.return_visit(b, SAT.SATISFIED, at(date(2026, 4, 2)))
    expect("received assigned handled overdue", b)

    # C. Received in February, assigned then, due 3 March: 3 handled by the
    #    deadline, 3 after it; all visited on the 15th, 5 closed on the 20th and
    #    the last in April.
    c = book.received(6, area=p.village, on=date(2026, 2, 10), deadline=date(2026, 3, 3))
    book.event(c, Action.ASSIGN, at(date(2026, 2, 11)))
    book.event(c[:3], Action.RESOLVE, at(date(2026, 3, 2)))
    book.event(c[3:], Action.RESOLVE, at(date(2026, 3, 9)))
    book.return_visit(c, SAT.SATISFIED, at(date(2026, 3, 15)))
    book.event(c[:5], Action.CLOSE, at(date(2026, 3, 20)))
    book.event(c[5:], Action.CLOSE, at(date(2026, 4, 3)))
    expect("handled return_visited satisfied", c)
    expect("on_time", c[:3])
    expect("overdue", c[3:])
    expect("implemented", c[:5])

    # D. Received 5 March, assigned the 6th, due the 16th and still not handled.
    d = book.received(
        5, area=p.other_village, on=date(2026, 3, 5), deadline=date(2026, 3, 16), state="assigned"
    )
    book.event(d, Action.ASSIGN, at(date(2026, 3, 6)))
    expect("received assigned overdue", d)

    # E. Received through March, due 10 April, which has passed but is not in
    #    March; 10 of them assigned in April.
    spread = [date(2026, 3, day) for day in range(1, 32)]
    e = book.received(168, area=villages, on=spread, deadline=date(2026, 4, 10))
    book.event(e[:10], Action.ASSIGN, at(date(2026, 4, 2)))
    expect("received", e)

    # F. Received 25 March, assigned the 26th, handled ten minutes into 1 April.
    f = book.received(3, area=p.village, on=date(2026, 3, 25), deadline=date(2026, 4, 8))
    book.event(f, Action.ASSIGN, at(date(2026, 3, 26)))
    book.event(f, Action.RESOLVE, at(date(2026, 4, 1), 0, 10))
    expect("received assigned", f)

    # G. Received in February, due 20 March, not handled.
    g = book.received(2, area=p.village, on=date(2026, 2, 16), deadline=date(2026, 3, 20))
    expect("overdue", g)

    # H. Received in January, handled then; visited five minutes into 1 March,
    #    7 fairly satisfied and closed on the 6th, 2 not satisfied.
    h = book.received(9, area=p.village, on=date(2026, 1, 12), deadline=date(2026, 1, 30))
    book.event(h, Action.RESOLVE, at(date(2026, 1, 20)))
    book.return_visit(h[:7], SAT.FAIRLY, at(date(2026, 3, 1), 0, 5))
    book.return_visit(h[7:], SAT.DISSATISFIED, at(date(2026, 3, 1), 0, 5))
    book.event(h[:7], Action.CLOSE, at(date(2026, 3, 6)))
    expect("return_visited", h)
    expect("satisfied", h[:7])
    expect("implemented", h[:7])

    # I. Received in December, visited five minutes before 1 March, closed in
    #    March, one of them at 23:50 on the 31st.
    i = book.received(2, area=p.village, on=date(2025, 12, 8), deadline=date(2025, 12, 17))
    book.event(i, Action.RESOLVE, at(date(2025, 12, 15)))
    book.return_visit(i, SAT.SATISFIED, at(date(2026, 2, 28), 23, 55))
    book.event(i[:1], Action.CLOSE, at(date(2026, 3, 2)))
    book.event(i[1:], Action.CLOSE, at(date(2026, 3, 31), 23, 50))
    expect("implemented", i)

    # Decoys: 白头镇 in March, every figure; 桤泉镇 in April.
    for area in (p.outsider_village, p.other_township):
        elsewhere = book.received(5, area=area, on=date(2026, 3, 3), deadline=date(2026, 3, 10))
        book.event(elsewhere[:3], Action.ASSIGN, at(date(2026, 3, 4)))
        book.event(elsewhere[:3], Action.RESOLVE, at(date(2026, 3, 5)))
        book.return_visit(elsewhere[:3], SAT.SATISFIED, at(date(2026, 3, 6)))
        book.event(elsewhere[:3], Action.CLOSE, at(date(2026, 3, 7)))
    later = book.received(7, area=villages, on=date(2026, 4, 2), deadline=date(2026, 4, 13))
    book.event(later, Action.ASSIGN, at(date(2026, 4, 3)))
    book.event(later, Action.RESOLVE, at(date(2026, 4, 7)))
    book.return_visit(later, SAT.SATISFIED, at(date(2026, 4, 9)))
    book.event(later, Action.CLOSE, at(date(2026, 4, 10)))

    book.save()
    return expected


def figures(demands, start=MARCH, end=APRIL) -> dict[str, int]:
    with time_machine.travel(TODAY, tick=False):
        return {f.name: n for f, n in selectors.demand_figures(demands, start, end)}


def test_march_gives_seed_004s_figures(march, personas):
    township = Demand.objects.in_area(personas.township)
    assert figures(township) == {
        "received": 200,
        "assigned": 32,
        "handled": 30,
        "on_time": 23,
        "overdue": 14,
        "return_visited": 35,
        "satisfied": 32,
        "implemented": 28,
    }


def test_each_figure_lists_exactly_the_demands_built_for_it(march, personas):
    township = Demand.objects.in_area(personas.township)
    with time_machine.travel(TODAY, tick=False):
        for name in selectors.FIGURE_NAMES:
            listed = set(
                selectors.figure_queryset(township, name, MARCH, APRIL).values_list("pk", flat=True)
            )
            assert listed == march[name], name


def test_the_township_leader_sees_the_same_figures(march, personas):
    leader_sees = selectors.scoped_demands(personas.leader.user)
    township = Demand.objects.in_area(personas.township)
    assert figures(leader_sees) == figures(township)


def test_the_outsider_sees_only_baitou_figures(march, personas):
    # 白头镇's ten decoys: 5 in a village, 5 on the township itself, 3 of each handled.
    assert figures(selectors.scoped_demands(personas.outsider.user)) == {
        "received": 10,
        "assigned": 6,
        "handled": 6,
        "on_time": 6,
        "overdue": 4,
        "return_visited": 6,
        "satisfied": 6,
        "implemented": 6,
    }


def test_one_village_counts_only_its_own(march, personas):
    # 金桂村 holds half of A (10) and E (84) and all of D (5), and half the April decoys.
    counts = figures(Demand.objects.in_area(personas.other_village))
    assert counts["received"] == 10 + 84 + 5
    assert counts["overdue"] == 5
    assert counts["handled"] == 10


def test_april_counts_what_march_left_out(march, personas):
    counts = figures(Demand.objects.in_area(personas.township), APRIL, date(2026, 5, 1))
    # Received: the 7 April demands. Handled: F at ten past midnight and the 7.
    assert counts["received"] == 7
    assert counts["handled"] == 3 + 7
    assert counts["return_visited"] == 4 + 7
    assert counts["implemented"] == 1 + 7
    assert counts["assigned"] == 10 + 7


def test_a_demand_taken_through_the_workflow_counts_once_in_each_figure(personas, household):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=personas.cadre.user,
            area=household.village,
            household=household,
            kind="roads",
            urgency="urgent",
            description="通组路垮塌一段",
        )
        services.demand_assign(demand=demand, by=personas.leader.user, handler_cadre=personas.cadre)
        services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修好")
    with time_machine.travel(datetime(2026, 3, 10, 9, tzinfo=SHANGHAI), tick=False):
        services.demand_return_visit(
            demand=demand,
            by=personas.leader.user,
            satisfaction=SAT.SATISFIED,
            solved=ReturnVisit.Solved.SOLVED,
            close=True,
        )
    counts = figures(Demand.objects.in_area(personas.township))
    assert counts == {name: 0 if name == "overdue" else 1 for name in selectors.FIGURE_NAMES}
