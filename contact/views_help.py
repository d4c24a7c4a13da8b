"""Help plans and assistance (帮扶计划, 慰问): per household, and totalled per household, cadre, village and month.

Replaces the plan a cadre wrote in the 民情记录簿 ("focus on house repair and
furniture", seed 000) and the hand-kept tally of what was handed over ("3
bags of fertiliser and 500 yuan", seed 001).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Sum, When
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contact.forms_help import (
    AssistanceFilterForm,
    AssistanceHeaderForm,
    AssistanceItemFormSet,
    AssistanceTotalsForm,
    HelpPlanForm,
)
from contact.models import Assistance, Cadre, HelpPlan, Pairing
from contact.views import int_param, require_perm
from households.models import Area
from households.panels import register_detail_panel
from households.views import get_household_for_user

PAGE_SIZE = 20
PANEL_ASSISTANCE_ROWS = 5


def _get_help_plan_for_user(user, pk) -> HelpPlan:
    return get_object_or_404(
        HelpPlan.objects.visible_to(user).select_related("household", "responsible"), pk=pk
    )


# --- The household page's panel -------------------------------------------------


@register_detail_panel
def household_help_panel(request, household) -> str:
    """The household's help plans with their status, and what it has been given, with totals."""
    plans = household.help_plans.select_related("responsible").annotate(
        items=Count("assistance"), given=Sum("assistance__value_yuan")
    )
    assistance = household.assistance.select_related("given_by", "help_plan")
    return render_to_string(
        "contact/help/_household_panel.html",
        {
            "household": household,
            "plans": plans,
            "assistance": assistance[:PANEL_ASSISTANCE_ROWS],
            "totals": assistance.aggregate(count=Count("pk"), value=Sum("value_yuan")),
            "today": timezone.localdate(),
            "can_record": request.user.has_perm("contact.add_assistance")
            and hasattr(request.user, "cadre"),
        },
        request=request,
    )


# --- Help plans -------------------------------------------------------------------


@login_required
def help_plan_create(request, pk):
    household = get_household_for_user(request.user, pk)
    require_perm(request.user, "contact.add_helpplan")
    # The cadre paired with the household usually answers for its plan.
    pairing = Pairing.objects.current_for(household).select_related("cadre").first()
    responsible = pairing.cadre if pairing else getattr(request.user, "cadre", None)
    plan = HelpPlan(household=household)
    form = HelpPlanForm(
        request.POST or None, instance=plan, user=request.user, initial={"responsible": responsible}
    )
    return _help_plan_form(request, form, household)


@login_required
def help_plan_edit(request, pk):
    plan = _get_help_plan_for_user(request.user, pk)
    require_perm(request.user, "contact.change_helpplan")
    form = HelpPlanForm(request.POST or None, instance=plan, user=request.user)
    return _help_plan_form(request, form, plan.household)


def _help_plan_form(request, form, household):
    if request.method == "POST":
        if form.is_valid():
            plan = form.save()
            messages.success(request, _("Help plan “%(goal)s” saved.") % {"goal": plan.goal})
            return redirect(household)
        status = 400
    else:
        status = 200
    return render(
        request,
        "contact/help/help_plan_form.html",
        {"form": form, "household": household, "plan": form.instance},
        status=status,
    )


# --- Assistance ---------------------------------------------------------------------


def assistance_record(*, household, given_by, date, help_plan, items) -> list[Assistance]:
    """Several items handed over together ("3 bags of fertiliser and 500 yuan"): one row each."""
    with transaction.atomic():
        return [
            Assistance.objects.create(
                household=household, given_by=given_by, date=date, help_plan=help_plan, **item
            )
            for item in items
        ]


@login_required
def assistance_create(request, pk):
    """Assistance handed over outside a visit (a holiday 慰问, a delivery by someone else)."""
    household = get_household_for_user(request.user, pk)
    require_perm(request.user, "contact.add_assistance")
    cadre = getattr(request.user, "cadre", None)
    if cadre is None:
        raise Http404(_("Only cadres record assistance they hand over."))
    initial = {}
    plan_pk = int_param(request, "plan")
    if plan_pk:
        initial["help_plan"] = household.help_plans.filter(pk=plan_pk).first()
    header = AssistanceHeaderForm(request.POST or None, household=household, initial=initial)
    items = AssistanceItemFormSet(request.POST or None, prefix="item")
    status = 200
    if request.method == "POST":
        if header.is_valid() and items.is_valid():
            claim = f"assistance-submission:{header.cleaned_data['submission']}"
            if header.cleaned_data["submission"] and not cache.add(claim, cadre.pk, 24 * 3600):
                # Sent before (a double tap, a resend): it is on the household's page.
                return redirect(household)
            try:
                rows = assistance_record(
                    household=household,
                    given_by=cadre,
                    date=header.cleaned_data["date"],
                    help_plan=header.cleaned_data["help_plan"],
                    items=items.filled_rows(),
                )
            except Exception:
                cache.delete(claim)  # not recorded: sending it again must work
                raise
            total = sum((row.value_yuan for row in rows), start=0)
            messages.success(
                request,
                _("%(n)d items recorded for %(household)s, worth %(total)s yuan in all.")
                % {"n": len(rows), "household": household.head_name, "total": f"{total:.2f}"},
            )
            return redirect(household)
        status = 400
    return render(
        request,
        "contact/help/assistance_form.html",
        {"household": household, "header": header, "items": items},
        status=status,
    )


def _village_expression(field: str, output_field):
    """The village a household's area belongs to: the area itself, or a group's parent."""
    return Case(
        When(
            household__area__level=Area.Level.GROUP,
            then=F(f"household__area__parent__{field}"),
        ),
        default=F(f"household__area__{field}"),
        output_field=output_field,
    )


def _grouped(rows, by: str):
    """One row per household, cadre, village or month: key, name, place, count and total value."""
    if by == "cadre":
        rows = rows.values(key=F("given_by"), name=F("given_by__name"), place=F("given_by__unit"))
    elif by == "village":
        rows = rows.values(
            key=_village_expression("id", IntegerField()),
            name=_village_expression("name", CharField()),
            place=Case(
                When(
                    household__area__level=Area.Level.GROUP,
                    then=F("household__area__parent__parent__name"),
                ),
                default=F("household__area__parent__name"),
                output_field=CharField(),
            ),
        )
    elif by == "month":
        rows = rows.values(key=TruncMonth("date"))
    else:
        rows = rows.values(
            key=F("household"), name=F("household__head_name"), place=F("household__area__name")
        )
    return rows.annotate(count=Count("pk"), total=Sum("value_yuan"))


_SORTS = {
    "value": ["-total", "key"],
    "-value": ["total", "key"],
    "count": ["-count", "-total", "key"],
}
_LIST_PARAM = {"household": "household", "cadre": "cadre", "village": "area", "month": "month"}


@login_required
def assistance_totals(request):
    """Totals within the user's scope; every figure links to the rows it counts."""
    form = AssistanceTotalsForm(request.GET or None, user=request.user)
    by, sort = form.grouping(), form.sort_order()
    rows = form.apply(Assistance.objects.visible_to(request.user))
    grouped = _grouped(rows, by)
    if sort == "name":
        grouped = grouped.order_by("-key" if by == "month" else "name", "key")
    else:
        grouped = grouped.order_by(*_SORTS[sort])
    page = Paginator(grouped, PAGE_SIZE).get_page(request.GET.get("page"))

    filters = form.query()
    list_url = reverse("contact:assistance_list")
    for row in page.object_list:
        query = dict(filters)
        if by == "month":
            query.pop("year", None)
            query["month"] = f"{row['key']:%Y-%m}"
        elif by == "village":
            query["area"] = str(row["key"])
        else:
            query[_LIST_PARAM[by]] = str(row["key"])
        row["url"] = f"{list_url}?{urlencode(query)}"

    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    for name in ("page", "by"):
        tab_query.pop(name, None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    unsorted["by"] = by
    return render(
        request,
        "contact/help/assistance_totals.html",
        {
            "form": form,
            "by": by,
            "sort": sort,
            "tabs": AssistanceTotalsForm.BY_CHOICES,
            "page": page,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "query_without_sort": unsorted.urlencode(),
            "form_keep": [("by", by)],
            "grand": rows.aggregate(count=Count("pk"), total=Sum("value_yuan")),
            "all_url": f"{list_url}?{urlencode(filters)}",
        },
    )


@login_required
def assistance_list(request):
    """The rows behind a total: filtered by household, cadre, area and period."""
    scoped = Assistance.objects.visible_to(request.user)
    form = AssistanceFilterForm(request.GET or None, user=request.user)
    rows = form.apply(scoped)
    household = cadre = None
    household_pk = int_param(request, "household")
    if household_pk is not None:
        household = get_household_for_user(request.user, household_pk)
        rows = rows.filter(household=household)
    cadre_pk = int_param(request, "cadre")
    if cadre_pk is not None:
        # A cadre outside the user's scope may still have given to one of its households.
        cadre = get_object_or_404(
            Cadre.objects.filter(
                Q(pk__in=Cadre.objects.visible_to(request.user).values("pk"))
                | Q(pk__in=scoped.values("given_by"))
            ),
            pk=cadre_pk,
        )
        rows = rows.filter(given_by=cadre)
    rows = rows.select_related("household__area", "given_by", "help_plan", "visit")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contact/help/assistance_list.html",
        {
            "form": form,
            "household": household,
            "cadre": cadre,
            "page": page,
            "query": query.urlencode(),
            "grand": rows.aggregate(count=Count("pk"), total=Sum("value_yuan")),
            "form_keep": [
                (name, value)
                for name, value in (("household", household_pk), ("cadre", cadre_pk))
                if value is not None
            ],
        },
    )


urlpatterns = [
    path(
        "households/<int:pk>/help-plans/new/",
        help_plan_create,
        name="help_plan_create",
    ),
    path("help-plans/<int:pk>/edit/", help_plan_edit, name="help_plan_edit"),
    path(
        "households/<int:pk>/assistance/new/",
        assistance_create,
        name="assistance_create",
    ),
    path("assistance/", assistance_totals, name="assistance_totals"),
    path("assistance/list/", assistance_list, name="assistance_list"),
]
