"""Deadlines in China's working days: weekends, holidays, 调休, the office's own rows, county settings."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine

from ledgers import services, workdays
from ledgers.models import CountySettings, Demand, WorkdayOverride
from tests.factories import HouseholdFactory, VillageFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The first year the installed chinesecalendar does not know (2027 with 1.11).
UNKNOWN_YEAR = workdays.known_years().stop


def first_weekday(year: int, month: int, weekday: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


# --- The calendar -------------------------------------------------------------------


def test_weekends_are_skipped():
    friday = date(2026, 3, 6)
    assert not workdays.is_workday(date(2026, 3, 7))
    assert not workdays.is_workday(date(2026, 3, 8))
    assert workdays.add_workdays(friday, 1) == date(2026, 3, 9)
    assert workdays.add_workdays(friday, 5) == date(2026, 3, 13)


def test_the_2026_national_day_holiday_is_skipped_and_its_working_saturday_counts():
    # The package's own calendar: 1–7 October off, Saturday 10 October worked (调休).
    holiday = [date(2026, 10, d) for d in range(1, 8)]
    assert all(chinese_calendar.is_holiday(d) for d in holiday)
    working_saturday = date(2026, 10, 10)
    assert working_saturday.weekday() == 5 and chinese_calendar.is_workday(working_saturday)

    wednesday = date(2026, 9, 30)
    assert not any(workdays.is_workday(d) for d in holiday)
    assert workdays.add_workdays(wednesday, 1) == date(2026, 10, 8)
    assert workdays.add_workdays(wednesday, 2) == date(2026, 10, 9)
    assert workdays.add_workdays(wednesday, 3) == working_saturday
    assert workdays.add_workdays(wednesday, 4) == date(2026, 10, 12)
    assert workdays.WorkdayCalendar().workdays_between(wednesday, date(2026, 10, 12)) == 4


def test_the_spring_festival_is_skipped_and_its_working_saturday_counts():
    assert chinese_calendar.is_workday(date(2026, 2, 14))  # a Saturday, worked
    assert chinese_calendar.is_holiday(date(2026, 2, 23))  # a Monday, off
    friday = date(2026, 2, 13)
    assert workdays.add_workdays(friday, 1) == date(2026, 2, 14)
    assert workdays.add_workdays(friday, 2) == date(2026, 2, 24)


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday():
    friday = first_weekday(UNKNOWN_YEAR, 10, 4)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(friday)
    assert workdays.is_workday(friday)
    assert not workdays.is_workday(friday + timedelta(days=1))
    assert workdays.add_workdays(friday, 1) == friday + timedelta(days=3)
    assert workdays.add_workdays(friday - timedelta(days=1), 1) == friday


def test_the_offices_holiday_in_an_unknown_year_is_skipped():
    friday = first_weekday(UNKNOWN_YEAR, 10, 4)
    WorkdayOverride.objects.create(date=friday, is_workday=False, note="国庆节")
    assert not workdays.is_workday(friday)
    # Thursday + 1 working day: not the Friday off, not the weekend, the Monday.
    assert workdays.add_workdays(friday - timedelta(days=1), 1) == friday + timedelta(days=3)


def test_the_offices_working_saturday_in_an_unknown_year_counts():
    friday = first_weekday(UNKNOWN_YEAR, 10, 4)
    saturday = friday + timedelta(days=1)
    WorkdayOverride.objects.create(date=saturday, is_workday=True, note="国庆调休")
    assert workdays.is_workday(saturday)
    assert workdays.add_workdays(friday, 1) == saturday


def test_the_offices_rows_override_the_package_too():
    WorkdayOverride.objects.create(date=date(2026, 10, 10), is_workday=False)
    WorkdayOverride.objects.create(date=date(2026, 10, 1), is_workday=True)
    wednesday = date(2026, 9, 30)
    assert workdays.add_workdays(wednesday, 1) == date(2026, 10, 1)
    # 8 and 9 October, then not Saturday the 10th: Monday the 12th.
    assert workdays.add_workdays(wednesday, 3) == date(2026, 10, 9)
    assert workdays.add_workdays(wednesday, 4) == date(2026, 10, 12)


def test_the_known_years_include_this_one():
    assert 2026 in workdays.known_years()
    assert UNKNOWN_YEAR not in workdays.known_years()


# --- Deadlines per urgency and county ---------------------------------------------------

# Monday 12 October 2026: no holiday in the 30 working days after it.
MONDAY = date(2026, 10, 12)
DEFAULT_DEADLINES = {
    Demand.Urgency.URGENT: date(2026, 10, 15),  # 3 working days
    Demand.Urgency.SERIOUS: date(2026, 10, 21),  # 7
    Demand.Urgency.MODERATE: date(2026, 11, 2),  # 15
    Demand.Urgency.LIGHT: date(2026, 11, 23),  # 30
}


@pytest.mark.parametrize(("urgency", "deadline"), DEFAULT_DEADLINES.items())
def test_the_default_deadline_per_urgency(personas, urgency, deadline):
    assert services.deadline_for(area=personas.village, urgency=urgency, start=MONDAY) == deadline


@pytest.mark.parametrize(("urgency", "deadline"), DEFAULT_DEADLINES.items())
def test_a_recorded_demand_is_due_by_its_urgency(personas, household, urgency, deadline):
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=personas.cadre.user,
            area=household.village,
            household=household,
            kind="roads",
            urgency=urgency,
            description="通组路垮塌一段",
        )
    assert demand.occurred_on == MONDAY
    assert Demand.objects.get(pk=demand.pk).deadline == deadline


def test_a_minor_demand_recorded_before_qingming_is_due_a_day_later(personas):
    # 30 working days from Monday 2 March 2026 reach 清明 (Monday 6 April, off).
    assert workdays.is_workday(date(2026, 4, 6)) is False
    deadline = services.deadline_for(
        area=personas.village, urgency=Demand.Urgency.LIGHT, start=date(2026, 3, 2)
    )
    assert deadline == date(2026, 4, 14)


def test_the_countys_settings_change_the_deadline(personas, household):
    CountySettings.objects.create(county=personas.county, urgent_days=2, light_days=20)
    assert services.deadline_for(area=personas.village, urgency="urgent", start=MONDAY) == date(
        2026, 10, 14
    )
    assert services.deadline_for(
        area=personas.outsider_village, urgency="light", start=MONDAY
    ) == date(2026, 11, 9)
    # What the county left alone keeps the default.
    assert services.deadline_for(area=personas.village, urgency="serious", start=MONDAY) == date(
        2026, 10, 21
    )
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=personas.cadre.user,
            area=household.village,
            household=household,
            kind="water",
            urgency="urgent",
            description="自来水停了三天",
        )
    assert demand.deadline == date(2026, 10, 14)


def test_a_county_without_settings_uses_the_defaults(personas):
    CountySettings.objects.create(county=personas.county, urgent_days=2)
    elsewhere = VillageFactory()  # in a county of its own
    assert elsewhere.code[:6] != personas.county.code
    household = HouseholdFactory(area=elsewhere)
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=None,
            area=elsewhere,
            household=household,
            kind="water",
            urgency="urgent",
            description="自来水停了三天",
        )
    assert demand.deadline == DEFAULT_DEADLINES[Demand.Urgency.URGENT]


def test_a_changed_urgency_moves_the_deadline(personas, household):
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=personas.cadre.user,
            area=household.village,
            household=household,
            kind="roads",
            urgency="light",
            description="通组路垮塌一段",
        )
        services.demand_update(demand=demand, by=personas.cadre.user, fields={"urgency": "urgent"})
    demand.refresh_from_db()
    assert demand.deadline == DEFAULT_DEADLINES[Demand.Urgency.URGENT]


def test_a_demand_past_its_deadline_is_overdue_until_resolved(personas, household):
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SHANGHAI), tick=False):
        demand, _created = services.demand_record(
            by=personas.cadre.user,
            area=household.village,
            household=household,
            kind="roads",
            urgency="urgent",
            description="通组路垮塌一段",
        )
    with time_machine.travel(datetime(2026, 10, 15, 18, tzinfo=SHANGHAI), tick=False):
        assert not demand.is_overdue
        assert not Demand.objects.overdue().exists()
    with time_machine.travel(datetime(2026, 10, 16, 8, tzinfo=SHANGHAI), tick=False):
        assert demand.is_overdue
        assert list(Demand.objects.overdue()) == [demand]
        services.demand_resolve(demand=demand, by=personas.cadre.user, resolution="已修好")
        demand.refresh_from_db()
        assert not demand.is_overdue and demand.resolved_on_time is False
        assert not Demand.objects.overdue().exists()
