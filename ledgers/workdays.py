"""China's working days: weekends, public holidays and the weekend days made working days (调休).

The State Council publishes each year's calendar in the autumn before; the
chinesecalendar package carries every year up to its release. A year it does
not know yet is read from `WorkdayOverride` rows the office adds in the admin,
and falls back to Monday–Friday for any day the office has not listed.
"""

import time
from datetime import date, timedelta

import chinese_calendar
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ledgers.models import WorkdayOverride


class WorkdayCalendar:
    """Answers "is this a working day?" with the overrides read once, for a run of questions."""

    def __init__(self):
        self._overrides = dict(WorkdayOverride.objects.values_list("date", "is_workday"))

    def is_workday(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # A year the package does not know and the office has not entered.
            return day.weekday() < 5

    def add_workdays(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (the day something was recorded does not count)."""
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end is not later)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


_shared: tuple[float, WorkdayCalendar] | None = None
SHARED_SECONDS = 60


def shared_calendar() -> WorkdayCalendar:
    """One calendar for a run of many questions (the reminder sweep's escalation ladder).

    The office's overrides are read again after a minute, or at once when this
    process saves one; another process's change reaches it within the minute.
    Deadlines are not counted with it: `add_workdays` reads the overrides fresh.
    """
    global _shared
    now = time.monotonic()
    if _shared is None or now - _shared[0] > SHARED_SECONDS:
        _shared = (now, WorkdayCalendar())
    return _shared[1]


@receiver([post_save, post_delete], sender=WorkdayOverride, dispatch_uid="ledgers.workdays_changed")
def _overrides_changed(sender, **kwargs):
    global _shared
    _shared = None


def known_years() -> range:
    """The years the installed package knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def is_workday(day: date) -> bool:
    return WorkdayCalendar().is_workday(day)


def add_workdays(start: date, days: int) -> date:
    return WorkdayCalendar().add_workdays(start, days)
