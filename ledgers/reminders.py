"""What the ledgers make due, kept in contact's due items (contact.due) in the same transaction.

`contact` sweeps and sends; it does not import the ledgers, so the ledgers
register here what only they know: a demand's deadline and its return
visit, China's working days for the escalation ladder, and the lines of a
cadre's digest about entries the reviewers returned.
"""

from datetime import timedelta

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from contact.due import due_cancel, due_done, due_set, register_due_source
from contact.models import DueItem
from contact.reminders import register_workday_counter, settings_for
from ledgers.models import Demand
from ledgers.workdays import WorkdayCalendar

State = Demand.State
WORKING = (State.RECORDED, State.ESCALATED, State.ASSIGNED, State.IN_PROGRESS)


def demand_sync_due(demand: Demand) -> None:
    """While a demand is worked on, its deadline is due; once resolved, its return visit.

    The deadline concerns the handler, or until there is one the cadre who
    recorded it (the ladder takes it to the leaders who should assign it).
    The return visit concerns the cadre the resident turned to, who knows
    the household; the county sets how many days after resolution it is due.
    """
    working = demand.state in WORKING
    if working:
        due_set(
            source=demand,
            kind=DueItem.Kind.DEMAND,
            due_on=demand.deadline,
            cadre=demand.handler_cadre or demand.cadre,
            area=demand.area,
            household=demand.household,
            title=_("Demand %(reference)s: %(text)s")
            % {"reference": demand.reference, "text": demand.description[:60]},
            url=demand.get_absolute_url(),
        )
    else:
        # Resolved (or past it): the deadline is done, met or missed; the trail shows which.
        due_done(source=demand, kind=DueItem.Kind.DEMAND)

    if demand.state == State.RESOLVED and demand.resolved_at:
        days = settings_for(demand.area).return_visit_days
        due_set(
            source=demand,
            kind=DueItem.Kind.RETURN_VISIT,
            due_on=timezone.localdate(demand.resolved_at) + timedelta(days=days),
            cadre=demand.cadre or demand.handler_cadre,
            area=demand.area,
            household=demand.household,
            title=_("Return visit for %(reference)s: %(text)s")
            % {"reference": demand.reference, "text": demand.description[:60]},
            url=demand.get_absolute_url(),
        )
    elif not working or demand.return_visits.exists():
        # Return-visited, closed, or reopened by an unsatisfied return visit.
        due_done(source=demand, kind=DueItem.Kind.RETURN_VISIT)
    else:
        due_cancel(source=demand, kind=DueItem.Kind.RETURN_VISIT)


@receiver(post_save, sender=Demand, dispatch_uid="ledgers.demand_due")
def _demand_saved(sender, instance: Demand, raw=False, **kwargs):
    if not raw:
        demand_sync_due(instance)


register_due_source(Demand, demand_sync_due)
register_workday_counter(lambda start, end: WorkdayCalendar().workdays_between(start, end))
