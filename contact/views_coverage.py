"""两个全覆盖 (seed 003) and 一帮一 (seed 004): which villages, cadres and households lack a pairing.

The page replaces the hand-tallied coverage table a township sends the
county: per township, or per village of a chosen township, the villages with
no cadre, the cadres with no village, and the must-visit and in-difficulty
households with no paired cadre. Every figure links to the list it counts;
the lists and the figures come from the same selectors (contact.selectors).
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from contact import selectors
from households.models import Area

PAGE_SIZE = 20
_COVERED = {"yes": True, "no": False}


def _area_param(user, value, level=None) -> Area | None:
    """The area named by a query parameter if the user may see it; a 404 otherwise."""
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404
    areas = Area.objects.visible_to(user)
    if level is not None:
        areas = areas.filter(level=level)
    return get_object_or_404(areas, pk=value)


def _only_one(queryset) -> Area | None:
    found = list(queryset[:2])
    return found[0] if len(found) == 1 else None


def _coverage_root(request) -> tuple[Area | None, int, bool]:
    """The area the page is about, the level of its rows, and whether a wider view exists.

    A chosen township (`?township=`) is shown village by village. Without one,
    a user who sees several townships gets one row per township (under their
    county if they see exactly one); a user who sees one township gets its
    villages; a village cadre gets their villages.
    """
    user = request.user
    visible = Area.objects.visible_to(user)
    townships = visible.filter(level=Area.Level.TOWNSHIP)
    chosen = _area_param(user, request.GET.get("township"), Area.Level.TOWNSHIP)
    if chosen is not None:
        return chosen, Area.Level.VILLAGE, townships.exclude(pk=chosen.pk).exists()
    if townships.count() == 1:
        return townships.get(), Area.Level.VILLAGE, False
    if townships.exists():
        return _only_one(visible.filter(level=Area.Level.COUNTY)), Area.Level.TOWNSHIP, False
    return None, Area.Level.VILLAGE, False


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def coverage(request):
    root, row_level, wider = _coverage_root(request)
    figures = selectors.coverage_rows(request.user, root, row_level)
    # The query string each row's figures link with: the lists count the same rows.
    figures.total.query = f"area={root.pk}&" if root else ""
    for row in figures.rows + figures.extra:
        row.query = f"area={row.area.pk}&" if row.area else ""
        if row.direct:
            row.query += "direct=1&"
        row.linked = row.linked and row.area is not None
    return render(
        request,
        "contact/coverage/coverage.html",
        {
            "root": root,
            "coverage": figures,
            "by_township": row_level == Area.Level.TOWNSHIP,
            "wider": wider,
        },
    )


def _list_context(request) -> dict:
    """The area and covered filters of a list, and the query strings its links keep."""
    area = _area_param(request.user, request.GET.get("area"))
    query = request.GET.copy()
    query.pop("page", None)
    base = query.copy()
    base.pop("covered", None)
    return {
        "area": area,
        "covered": _COVERED.get(request.GET.get("covered", "")),
        "query": query.urlencode(),
        "base_query": base.urlencode(),
    }


def _filter_covered(queryset, field, covered):
    return queryset if covered is None else queryset.filter(**{field: covered})


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def coverage_villages(request):
    context = _list_context(request)
    villages = _filter_covered(
        selectors.villages(request.user, context["area"]), "is_covered", context["covered"]
    )
    page = _page(request, villages.select_related("parent").order_by("code"))
    # Who covers each village on the page, in one query (a pairing may be on one of its groups).
    codes = [v.code for v in page]
    holders = Q(pk__in=[])
    for code in codes:
        holders |= Q(area__code__startswith=code)
    covering = list(selectors.village_pairings().filter(holders).select_related("cadre", "area"))
    for village in page:
        village.covering = [p for p in covering if p.area.code.startswith(village.code)]
    return render(request, "contact/coverage/villages.html", {**context, "page": page})


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def coverage_cadres(request):
    context = _list_context(request)
    context["direct"] = request.GET.get("direct") == "1"
    cadres = _filter_covered(
        selectors.cadres(request.user, context["area"], direct=context["direct"]),
        "has_village",
        context["covered"],
    )
    cadres = cadres.select_related("scope_area").prefetch_related(
        Prefetch(
            "pairings",
            queryset=selectors.village_pairings().select_related("area"),
            to_attr="village_pairings",
        )
    )
    page = _page(request, cadres.order_by("scope_area__code", "name"))
    return render(request, "contact/coverage/cadres.html", {**context, "page": page})


@login_required
@permission_required("contact.view_pairing", raise_exception=True)
def coverage_households(request):
    kind = request.GET.get("kind", "must_visit")
    if kind not in selectors.HOUSEHOLD_KINDS:
        raise Http404
    context = _list_context(request)
    households = _filter_covered(
        selectors.households(request.user, context["area"], kind),
        "is_covered",
        context["covered"],
    )
    households = households.select_related("area__parent").prefetch_related(
        "categories",
        Prefetch(
            "pairings",
            queryset=selectors.household_pairings().select_related("cadre"),
            to_attr="active_pairings",
        ),
    )
    page = _page(request, households.order_by("area__code", "house_number", "pk"))
    return render(
        request, "contact/coverage/households.html", {**context, "kind": kind, "page": page}
    )


urlpatterns = [
    path("coverage/", coverage, name="coverage"),
    path("coverage/villages/", coverage_villages, name="coverage_villages"),
    path("coverage/cadres/", coverage_cadres, name="coverage_cadres"),
    path("coverage/households/", coverage_households, name="coverage_households"),
]
