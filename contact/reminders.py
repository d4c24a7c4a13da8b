"""The sweep: reminders, the escalation ladder and the daily digest, each sent exactly once.

Celery beat runs `sweep` every few minutes (`contact.tasks.sweep_due_items`).
It reads open due items and works out, from the date alone, which reminders
each has reached: the day before, on the day, and each rung of the county's
escalation ladder after so many working days overdue. A reminder is a row,
unique per item and kind, created with its notifications and the item's new
state in one transaction; a second sweep, a retried task or two workers at
once find the row and send nothing. Because nothing depends on when the last
sweep ran, a sweep that runs late, after the clock jumped or after the broker
was down, sends what became due meanwhile, once.

E-mail and SMS leave through `deliver`, claimed with a conditional update
so that two workers never send the same one; a notification whose e-mail
never left (the broker was down when it was queued, or its worker died) is
queued again by the next sweep.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from contact.due import due_plan
from contact.models import (
    Cadre,
    DueItem,
    Notification,
    Pairing,
    Reminder,
    ReminderSettings,
    person_name,
)
from contact.roles import Role
from households.models import Area

log = logging.getLogger(__name__)

Kind = Reminder.Kind
Delivery = Notification.Delivery

# A claim older than this was a worker that died while sending.
STALE_CLAIM = timedelta(minutes=10)
# A notification still waiting this long was never queued (the broker was down).
LOST_QUEUE = timedelta(minutes=2)


# --- County settings and working days --------------------------------------------------


def settings_for(area: Area) -> ReminderSettings:
    """The county's reminder settings (created with the defaults on first use)."""
    county = Area.objects.filter(code=Area.code_at(area.code, Area.Level.COUNTY)).first() or area
    found = ReminderSettings.objects.filter(county=county).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ReminderSettings.objects.create(county=county)
    except IntegrityError:
        return ReminderSettings.objects.get(county=county)


def _weekdays_between(start: date, end: date) -> int:
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count


# `ledgers` registers China's working-day calendar (调休 included); Monday–Friday until then.
_workdays_between: Callable[[date, date], int] = _weekdays_between


def register_workday_counter(counter: Callable[[date, date], int]) -> None:
    """`counter(start, end)`: working days after `start` up to and including `end`."""
    global _workdays_between
    _workdays_between = counter


def workdays_overdue(due_on: date, today: date) -> int:
    return _workdays_between(due_on, today)


# --- Who hears of an item --------------------------------------------------------------


def _users_with_role(role: Role):
    return get_user_model().objects.filter(groups__name=role.value, is_active=True)


def village_leaders(item: DueItem) -> list:
    """Rung 1: the cadres paired with the item's village (包村), but not the cadre it concerns."""
    village = Area.code_at(item.area.code, Area.Level.VILLAGE)
    cadres = (
        Pairing.objects.active()
        .filter(kind=Pairing.Kind.VILLAGE, area__code=village, cadre__isnull=False)
        .exclude(cadre_id=item.cadre_id)
        .values("cadre__user")
    )
    users = list(
        get_user_model().objects.filter(pk__in=cadres, is_active=True).select_related("cadre")
    )
    return users or township_secretaries(item)


def township_secretaries(item: DueItem) -> list:
    """Rung 2: the township's party secretary, told by the post; every township leader if none says so."""
    leaders = list(
        Cadre.objects.filter(
            scope_area__code=Area.code_at(item.area.code, Area.Level.TOWNSHIP),
            user__in=_users_with_role(Role.TOWNSHIP_LEADER),
        ).select_related("user")
    )
    secretaries = [c for c in leaders if "书记" in c.post and "副" not in c.post]
    return [c.user for c in (secretaries or leaders) if c.user_id != _cadre_user(item)]


def supervisors(item: DueItem) -> list:
    """Rung 3: the supervision office (督查, 纪委) whose scope reaches the item's area."""
    found = Cadre.objects.filter(user__in=_users_with_role(Role.SUPERVISOR)).select_related(
        "user", "scope_area"
    )
    return [c.user for c in found if item.area.code.startswith(c.scope_area.code)]


def _cadre_user(item: DueItem):
    return item.cadre.user_id if item.cadre_id else None


LADDER = (
    (Kind.ESCALATION_1, "escalate_village_leader_days", village_leaders),
    (Kind.ESCALATION_2, "escalate_secretary_days", township_secretaries),
    (Kind.ESCALATION_3, "escalate_supervision_days", supervisors),
)


def reached(item: DueItem, today: date, county: ReminderSettings) -> list[str]:
    """The reminder kinds the item has reached by `today`, in order, sent or not."""
    kinds = []
    if today == item.due_on - timedelta(days=1):
        kinds.append(Kind.BEFORE)
    if today >= item.due_on:
        kinds.append(Kind.ON_DAY)
        delays = [getattr(county, setting) or 0 for _kind, setting, _who in LADDER]
        # Counting stops where the longest delay is surely reached (a window that holds that many
        # working days even around the Spring Festival): an item a year overdue costs no more.
        window = timedelta(days=2 * max(delays) + 15)
        overdue = workdays_overdue(item.due_on, min(today, item.due_on + window))
        for kind, setting, _who in LADDER:
            days = getattr(county, setting)
            if days and overdue >= days:
                kinds.append(kind)
    return kinds


def recipients(item: DueItem, kind: str) -> list:
    if kind in (Kind.BEFORE, Kind.ON_DAY):
        return [item.cadre.user] if item.cadre_id and item.cadre.user.is_active else []
    for ladder_kind, _setting, who in LADDER:
        if ladder_kind == kind:
            return who(item)
    raise ValueError(kind)


# --- Notifications -----------------------------------------------------------------------


# The recipients come with their cadre profile (select_related), so these read no more rows.
def _email_of(user) -> str:
    cadre = getattr(user, "cadre", None)
    return (cadre.email if cadre else "") or user.email


def _phone_of(user) -> str:
    cadre = getattr(user, "cadre", None)
    return (cadre.phone if cadre else "") or ""


def notify(
    *,
    user,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    reminder: Reminder | None = None,
    county: ReminderSettings | None = None,
    sms: bool = True,
) -> Notification | None:
    """An in-app notification, with its e-mail and SMS queued after commit. None if already sent.

    Unique per user and key, so calling it again for the same thing does nothing.
    """
    email = bool(_email_of(user)) and (county is None or county.send_email)
    phone = sms and bool(_phone_of(user)) and (county is None or county.send_sms)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                key=key,
                title=title[:200],
                body=body,
                url=url[:200],
                reminder=reminder,
                email_state=Delivery.PENDING if email else Delivery.NONE,
                sms_state=Delivery.PENDING if phone else Delivery.NONE,
            )
    except IntegrityError:
        return None
    if email or phone:
        from contact.tasks import deliver_notification, enqueue

        transaction.on_commit(lambda: enqueue(deliver_notification, notification.pk))
    return notification


def _reminder_text(item: DueItem, kind: str) -> tuple[str, str]:
    who = item.cadre.name if item.cadre_id else _("nobody")
    if kind == Kind.BEFORE:
        title = _("Due tomorrow: %(title)s") % {"title": item.title}
    elif kind == Kind.ON_DAY:
        title = _("Due today: %(title)s") % {"title": item.title}
    else:
        title = _("Overdue (%(who)s): %(title)s") % {"who": who, "title": item.title}
    body = _("%(kind)s, due %(date)s, %(area)s. Responsible: %(who)s.") % {
        "kind": item.get_kind_display(),
        "date": f"{item.due_on:%Y-%m-%d}",
        "area": item.area.name,
        "who": who,
    }
    return title, body


# --- The sweep ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    items: int = 0
    reminders: int = 0
    notifications: int = 0
    digests: int = 0
    requeued: int = 0
    sent: list = field(default_factory=list)


def remind_item(
    item_id: int,
    *,
    today: date,
    result: SweepResult | None = None,
    county: ReminderSettings | None = None,
) -> int:
    """Record every reminder the item has reached and not had; returns how many were new.

    `county`: the item's county settings, when the caller has read them already.
    """
    result = result or SweepResult()
    new = 0
    with transaction.atomic():
        item = (
            DueItem.objects.select_for_update(of=("self",))
            .select_related("cadre__user", "area")
            .filter(pk=item_id, state__in=DueItem.OPEN_STATES)
            .first()
        )
        if item is None:
            return 0
        county = county or settings_for(item.area)
        had = set(item.reminders.values_list("kind", flat=True))
        for kind in reached(item, today, county):
            if kind in had or (kind == Kind.BEFORE and had):
                continue  # sent already; or "due tomorrow" after a later one (the clock went back)
            users = recipients(item, kind)
            names = "、".join(person_name(user) for user in users)
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(item=item, kind=kind, recipients=names[:300])
            except IntegrityError:
                continue  # another worker recorded it first
            new += 1
            title, body = _reminder_text(item, kind)
            notification_kind = (
                Notification.Kind.ESCALATION
                if reminder.is_escalation
                else Notification.Kind.REMINDER
            )
            for user in users:
                if notify(
                    user=user,
                    kind=notification_kind,
                    key=f"reminder:{reminder.pk}",
                    title=title,
                    body=body,
                    url=item.get_absolute_url(),
                    reminder=reminder,
                    county=county,
                ):
                    result.notifications += 1
            if reminder.is_escalation:
                item.state = DueItem.State.ESCALATED
                item.escalation_level = max(item.escalation_level, int(kind[-1]))
            elif item.state == DueItem.State.PENDING:
                item.state = DueItem.State.REMINDED
        if new:
            item.save(update_fields=["state", "escalation_level"])
    result.reminders += new
    return new


def _items_with_news(today: date, batch: int = 500):
    """Open items due by tomorrow that have reached a reminder they have not had, with their county.

    Read without locks, in batches, so that a sweep with nothing new costs a few
    queries; `remind_item` checks again under the row lock.
    """
    counties: dict[str, ReminderSettings] = {}
    last = 0
    while True:
        items = list(
            DueItem.objects.open()
            .filter(due_on__lte=today + timedelta(days=1), pk__gt=last)
            .select_related("area")
            .prefetch_related("reminders")
            .order_by("pk")[:batch]
        )
        if not items:
            return
        last = items[-1].pk
        for item in items:
            code = Area.code_at(item.area.code, Area.Level.COUNTY)
            if code not in counties:
                counties[code] = settings_for(item.area)
            had = {r.kind for r in item.reminders.all()}
            if set(reached(item, today, counties[code])) - had:
                yield item.pk, counties[code]


def sweep(*, now: datetime | None = None, batch: int = 200) -> SweepResult:
    """One pass over what is due by tomorrow; safe to run again, or twice at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    with translation.override(settings.LANGUAGE_CODE):
        due_plan(today)
        for item_id, county in _items_with_news(today):
            remind_item(item_id, today=today, result=result, county=county)
            result.items += 1
        result.digests = digest_all(now=now)
        result.requeued = requeue_undelivered(now=now)
    return result


# --- The daily digest --------------------------------------------------------------------

_DIGEST_SECTIONS: list[Callable] = []


def register_digest_section(section: Callable) -> None:
    """`section(user, today) -> list[str]`: lines for the user's digest (ledgers: entries returned).

    A section may also have `section.candidates(today)`, the users it has lines
    for, so that a user with nothing due still gets the digest.
    """
    if section not in _DIGEST_SECTIONS:
        _DIGEST_SECTIONS.append(section)


def digest_lines(user, today: date) -> list[str]:
    items = DueItem.objects.visible_to(user).open().filter(cadre__user=user, due_on__lte=today)
    lines = []
    due_today = [i for i in items if i.due_on == today]
    overdue = [i for i in items if i.due_on < today]
    if due_today:
        lines.append(_("Due today (%(count)d):") % {"count": len(due_today)})
        lines += [f"· {i.title}" for i in due_today]
    if overdue:
        lines.append(_("Overdue (%(count)d):") % {"count": len(overdue)})
        lines += [
            "· " + _("%(title)s (due %(date)s)") % {"title": i.title, "date": f"{i.due_on:%m-%d}"}
            for i in overdue
        ]
    for section in _DIGEST_SECTIONS:
        lines += section(user, today)
    return lines


def digest_send(*, user, today: date) -> Notification | None:
    """The user's digest for the day, once; None when there is nothing to say or it was sent."""
    key = f"digest:{today:%Y-%m-%d}"
    if Notification.objects.filter(user=user, kind=Notification.Kind.DIGEST, key__gte=key).exists():
        return None
    lines = digest_lines(user, today)
    if not lines:
        return None
    with transaction.atomic():
        return notify(
            user=user,
            kind=Notification.Kind.DIGEST,
            key=key,
            title=_("Today's work, %(date)s") % {"date": f"{today:%m-%d}"},
            body="\n".join(lines),
            url="/",
            sms=False,
        )


def _digest_is_due(cadre_area_code: str, now: datetime, cache: dict) -> bool:
    county = Area.code_at(cadre_area_code, Area.Level.COUNTY)
    if county not in cache:
        area = Area.objects.filter(code=county).first()
        cache[county] = settings_for(area).digest_time if area else None
    at = cache[county]
    return at is not None and timezone.localtime(now).time() >= at


def digest_all(*, now: datetime) -> int:
    """Each cadre with something to say gets the day's digest once, after their county's digest time."""
    today = timezone.localdate(now)
    key = f"digest:{today:%Y-%m-%d}"
    user_ids = set(
        DueItem.objects.open()
        .filter(due_on__lte=today, cadre__user__is_active=True)
        .values_list("cadre__user_id", flat=True)
    )
    for section in _DIGEST_SECTIONS:
        candidates = getattr(section, "candidates", None)
        if candidates is not None:
            user_ids.update(candidates(today))
    # Keys sort by date: a clock set back does not bring a second digest for an earlier day.
    sent_already = Notification.objects.filter(kind=Notification.Kind.DIGEST, key__gte=key)
    user_ids -= set(sent_already.values_list("user_id", flat=True))
    sent, cache = 0, {}
    cadres = Cadre.objects.filter(user_id__in=user_ids).select_related("user", "scope_area")
    for cadre in cadres:
        if not _digest_is_due(cadre.scope_area.code, now, cache):
            continue
        if digest_send(user=cadre.user, today=today):
            sent += 1
    return sent


# --- Delivery: e-mail and SMS --------------------------------------------------------------


class SmsSender:
    """The interface a county's SMS gateway implements; set SMS_SENDER to its dotted path."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsSender(SmsSender):
    """Writes each SMS to the log: the default until a county connects its gateway."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def sms_sender() -> SmsSender:
    return import_string(settings.SMS_SENDER)()


def _claim(pk: int, channel: str) -> bool:
    state = f"{channel}_state"
    return bool(
        Notification.objects.filter(pk=pk, **{state: Delivery.PENDING}).update(
            **{state: Delivery.SENDING}, claimed_at=timezone.now()
        )
    )


def deliver(notification_id: int) -> list[str]:
    """Send the notification's pending e-mail and SMS; returns the channels sent.

    A channel is claimed (pending → sending) before it is sent, so two
    workers never both send it; a failure puts it back to pending and raises,
    for the task to retry.
    """
    sent = []
    notification = (
        Notification.objects.select_related("user__cadre").filter(pk=notification_id).first()
    )
    if notification is None:
        return sent
    for channel in ("email", "sms"):
        if getattr(notification, f"{channel}_state") != Delivery.PENDING:
            continue
        if not _claim(notification.pk, channel):
            continue
        try:
            if channel == "email":
                _send_email(notification)
            else:
                _send_sms(notification)
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(
                **{f"{channel}_state": Delivery.PENDING}, attempts=notification.attempts + 1
            )
            raise
        Notification.objects.filter(pk=notification.pk).update(
            **{f"{channel}_state": Delivery.SENT}
        )
        sent.append(channel)
    return sent


def _send_email(notification: Notification) -> None:
    address = _email_of(notification.user)
    if not address:
        return
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.url}"
    send_mail(
        subject=f"[{_('民情通')}] {notification.title}",
        message=body,
        from_email=None,
        recipient_list=[address],
    )


def _send_sms(notification: Notification) -> None:
    phone = _phone_of(notification.user)
    if phone:
        sms_sender().send(phone, f"【民情通】{notification.title}")


def delivery_failed(notification_id: int) -> None:
    """After the last retry: what was still sending or waiting is marked failed, for the admin to see."""
    for channel in ("email", "sms"):
        state = f"{channel}_state"
        Notification.objects.filter(
            pk=notification_id, **{f"{state}__in": [Delivery.PENDING, Delivery.SENDING]}
        ).update(**{state: Delivery.FAILED})


def requeue_undelivered(*, now: datetime) -> int:
    """Queue again what never left: queued while the broker was down, or claimed by a worker that died.

    A notification that failed and waits for its task's retry (attempts > 0)
    is left to that retry.
    """
    stale = set()
    for channel in ("email", "sms"):
        state = f"{channel}_state"
        claimed = Notification.objects.filter(
            **{state: Delivery.SENDING}, claimed_at__lt=now - STALE_CLAIM
        )
        stale.update(claimed.values_list("pk", flat=True))
        claimed.update(**{state: Delivery.PENDING})
    waiting = Q(email_state=Delivery.PENDING) | Q(sms_state=Delivery.PENDING)
    never_sent = Notification.objects.filter(
        waiting, attempts=0, created_at__lt=now - LOST_QUEUE
    ).exclude(Q(email_state=Delivery.SENDING) | Q(sms_state=Delivery.SENDING))
    ids = stale | set(never_sent.values_list("pk", flat=True)[:1000])
    if ids:
        from contact.tasks import deliver_notification, enqueue

        for pk in sorted(ids):
            transaction.on_commit(lambda pk=pk: enqueue(deliver_notification, pk))
    return len(ids)
