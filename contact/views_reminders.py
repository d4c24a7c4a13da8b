"""The bell's notifications, a cadre's due items, and a township leader's overdue list.

What the sweep (`contact.reminders`) records reaches people here: the
notification list behind the bell, each due item with its trail of
reminders and escalations, the "due and overdue" card of a cadre's home
page, and the leader's page of overdue items by cadre and by village, which
replaces the township's weekly call round of "who has not been yet".
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q, Window
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from contact.due import due_item_close
from contact.models import Cadre, DueItem, Notification, Reminder
from contact.views import int_param, query_without_page
from households.models import Area
from households.panels import register_panel

PAGE_SIZE = 20
# The home page's card: what a phone screen holds; the rest is on the full list.
HOME_SHOWN = 10
HOME_DAYS_AHEAD = 7
# Who reads the overdue page: those who may see every cadre of their area (leaders,
# the party office, supervisors), not a cadre who sees only due items of their own.
OVERDUE_PERMISSIONS = ("contact.view_dueitem", "contact.view_cadre")
# A village's code is the first digits of its own and its groups' codes (DESIGN.md).
VILLAGE_CODE_LENGTH = Area.CODE_LENGTHS[Area.Level.VILLAGE]


def escalation_label(level: int) -> str:
    """The rung an item reached, in the words of its trail ("Escalated to ...")."""
    if not level:
        return ""
    return dict(Reminder.Kind.choices).get(f"escalation_{level}", "")


def _with_days_overdue(items, today):
    for item in items:
        item.days_overdue = (today - item.due_on).days if item.is_open else 0
        item.escalation_text = escalation_label(item.escalation_level)
    return items


# --- The bell: notifications ----------------------------------------------------------------


def _local_path(url: str, request) -> bool:
    """Only a path of this site: a notification never sends its reader elsewhere."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    )


@login_required
def notifications(request):
    """The user's own notifications, newest first; unread ones stand out."""
    found = Notification.objects.visible_to(request.user)
    unread_only = bool(request.GET.get("unread"))
    if unread_only:
        found = found.unread()
    page = Paginator(found.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "contact/reminders/notifications.html",
        {
            "page": page,
            "unread_only": unread_only,
            "query": query_without_page(request),
        },
    )


@require_POST
@login_required
def notification_open(request, pk):
    """Mark the notification read and go where it points."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    if notification.url and _local_path(notification.url, request):
        return redirect(notification.url)
    return redirect("contact:notifications")


@require_POST
@login_required
def notifications_read_all(request):
    count = Notification.objects.visible_to(request.user).unread().update(read_at=timezone.now())
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("contact:notifications")


# --- Due items ------------------------------------------------------------------------------


def _get_due_item_for_user(user, pk) -> DueItem:
    return get_object_or_404(
        DueItem.objects.visible_to(user).select_related("cadre", "area", "household"), pk=pk
    )


@login_required
def due_item(request, pk):
    """One due item and its trail: each reminder and escalation, when, and to whom."""
    item = _get_due_item_for_user(request.user, pk)
    today = timezone.localdate()
    _with_days_overdue([item], today)
    return render(
        request,
        "contact/reminders/due_item.html",
        {
            "item": item,
            "trail": list(item.reminders.order_by("sent_at", "pk")),
            "closable": item.closable_by(request.user),
            "today": today,
        },
    )


@require_POST
@login_required
def due_item_done(request, pk):
    """The cadre it concerns says a next step or a reception duty is done."""
    item = _get_due_item_for_user(request.user, pk)
    if not item.closable_by(request.user):
        if item.is_open:
            raise PermissionDenied
        messages.info(request, _("This is already closed."))
        return redirect(item)
    if due_item_close(item=item, by=request.user):
        messages.success(request, _("Marked as done."))
    else:
        messages.info(request, _("This is already closed."))
    return redirect(item)


@login_required
def due_list(request):
    """Everything open that the user answers for, earliest first; overdue only on request."""
    today = timezone.localdate()
    items = (
        DueItem.objects.visible_to(request.user)
        .open()
        .filter(cadre__user=request.user)
        .select_related("area")
        .order_by("due_on", "pk")
    )
    overdue_only = bool(request.GET.get("overdue"))
    if overdue_only:
        items = items.filter(due_on__lt=today)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_days_overdue(page.object_list, today)
    return render(
        request,
        "contact/reminders/due_list.html",
        {
            "page": page,
            "overdue_only": overdue_only,
            "query": query_without_page(request),
            "today": today,
        },
    )


@register_panel("home")
def due_on_home(request, user) -> str:
    """The home page's "due and overdue" card: rows and totals in one query."""
    cadre = getattr(user, "cadre", None)
    if cadre is None:
        return ""
    today = timezone.localdate()
    items = list(
        DueItem.objects.visible_to(user)
        .open()
        .filter(cadre=cadre, due_on__lte=today + timedelta(days=HOME_DAYS_AHEAD))
        .select_related("area")
        # Window aggregates are computed before LIMIT: the totals of all, not of those shown.
        .annotate(
            total=Window(Count("pk")),
            overdue_total=Window(Count("pk", filter=Q(due_on__lt=today))),
        )
        .order_by("due_on", "pk")[:HOME_SHOWN]
    )
    _with_days_overdue(items, today)
    return render_to_string(
        "contact/reminders/_home_due.html",
        {
            "items": items,
            "total": items[0].total if items else 0,
            "overdue_total": items[0].overdue_total if items else 0,
            "days_ahead": HOME_DAYS_AHEAD,
            "today": today,
        },
        request=request,
    )


# --- The leader's page: overdue by cadre and village ----------------------------------------


def _village_code_of(code: str) -> str:
    return Area.code_at(code, Area.Level.VILLAGE)


def _filter_by_place(items, area: Area):
    """A village's items include its groups'; an item placed on a township is the township's own."""
    if len(area.code) >= VILLAGE_CODE_LENGTH:
        return items.filter(area__code__startswith=_village_code_of(area.code))
    return items.filter(area__code=area.code)


@login_required
@permission_required(OVERDUE_PERMISSIONS, raise_exception=True)
def due_overdue(request):
    """Overdue items in the user's area, counted by cadre and by village, and listed."""
    today = timezone.localdate()
    overdue = DueItem.objects.visible_to(request.user).overdue(today)

    by_cadre = list(
        overdue.values("cadre", "cadre__name")
        .annotate(n=Count("pk"), oldest=Min("due_on"), level=Max("escalation_level"))
        .order_by("-n", "oldest", "cadre__name")
    )
    for row in by_cadre:
        row["days_overdue"] = (today - row["oldest"]).days
        row["escalation_text"] = escalation_label(row["level"])
        row["cadre_param"] = row["cadre"] or 0

    by_place = list(
        overdue.annotate(
            place_code=Substr("area__code", 1, VILLAGE_CODE_LENGTH),
        )
        .values("place_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "place_code")
    )
    places = {
        a.code: a for a in Area.objects.filter(code__in=[row["place_code"] for row in by_place])
    }
    for row in by_place:
        row["area"] = places.get(row["place_code"])
    by_place = [row for row in by_place if row["area"] is not None]

    listed = overdue.select_related("cadre", "area")
    chosen_cadre = chosen_place = None
    cadre_pk = int_param(request, "cadre")
    if cadre_pk is not None:
        if cadre_pk == 0:
            listed = listed.filter(cadre=None)
        else:
            listed = listed.filter(cadre_id=cadre_pk)
            chosen_cadre = next(
                (row["cadre__name"] for row in by_cadre if row["cadre"] == cadre_pk), None
            )
            if chosen_cadre is None:  # nothing overdue any more, or not a cadre one may see
                chosen_cadre = get_object_or_404(
                    Cadre.objects.visible_to(request.user), pk=cadre_pk
                ).name
    place_pk = int_param(request, "area")
    if place_pk is not None:
        chosen_place = get_object_or_404(Area.objects.visible_to(request.user), pk=place_pk)
        listed = _filter_by_place(listed, chosen_place)
    page = Paginator(listed.order_by("due_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_days_overdue(page.object_list, today)
    return render(
        request,
        "contact/reminders/overdue.html",
        {
            "by_cadre": by_cadre,
            "by_place": by_place,
            "total": sum(row["n"] for row in by_cadre),
            "page": page,
            "filtered": cadre_pk is not None or place_pk is not None,
            "no_cadre": cadre_pk == 0,
            "chosen_cadre": chosen_cadre,
            "chosen_place": chosen_place,
            "query": query_without_page(request),
            "today": today,
        },
    )


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/<int:pk>/open/", notification_open, name="notification_open"),
    path("notifications/read/", notifications_read_all, name="notifications_read_all"),
    path("due/", due_list, name="due_list"),
    path("due/overdue/", due_overdue, name="due_overdue"),
    path("due/<int:pk>/", due_item, name="due_item"),
    path("due/<int:pk>/done/", due_item_done, name="due_item_done"),
]
