"""The ledgers' sections on pages of the apps below (DESIGN.md: one visit feeds all six ledgers).

On a visit's page: the entries raised from it, and buttons to raise more
while the cadre still has the courtyard in mind. On a household's page: its
open demands and how many entries the other ledgers hold about it.
"""

from django.template.loader import render_to_string

from households.panels import register_panel
from ledgers.kinds import DEMANDS, KINDS, difficulty_households
from ledgers.models import Demand

PANEL_ROWS = 20


@register_panel("visit")
def visit_ledger_panel(request, visit) -> str:
    """The ledger entries raised from this visit, and buttons to raise a demand, a dispute, an opinion."""
    user = request.user
    groups = []
    for kind in KINDS:
        entries = kind.model.objects.visible_to(user).filter(visit=visit)
        if kind is DEMANDS:
            entries = entries.select_related("handler_cadre")
        entries = list(entries.order_by("occurred_on", "pk")[:PANEL_ROWS])
        if entries:
            groups.append((kind, entries))
    can_add = {
        "demand": user.has_perm(DEMANDS.add_perm),
        "dispute": user.has_perm("ledgers.add_stabilitycase"),
        "opinion": user.has_perm("ledgers.add_opinionrecord"),
    }
    if not groups and not any(can_add.values()):
        return ""
    return render_to_string(
        "ledgers/_visit_ledgers_panel.html",
        {"visit": visit, "groups": groups, "can_add": can_add},
        request=request,
    )


@register_panel("household")
def household_ledger_panel(request, household) -> str:
    """The household's open demands (reference, state, deadline) and its entries in the other ledgers."""
    user = request.user
    demands = list(
        Demand.objects.visible_to(user)
        .open()
        .filter(household=household)
        .select_related("handler_cadre")
        .order_by("deadline", "pk")[:PANEL_ROWS]
    )
    others = []
    for kind in KINDS:
        if kind is DEMANDS or kind.monthly:
            continue  # 村情 and 党情 are about villages, not households
        count = kind.model.objects.visible_to(user).filter(household=household).count()
        if count:
            others.append((kind, count))
    in_difficulty = difficulty_households(user).filter(pk=household.pk).first()
    can_raise = user.has_perm(DEMANDS.add_perm)
    can_recognise = in_difficulty is not None and user.has_perm("ledgers.add_difficultyrecord")
    if not (demands or others or can_raise or in_difficulty):
        return ""
    return render_to_string(
        "ledgers/_household_ledgers_panel.html",
        {
            "household": household,
            "demands": demands,
            "others": others,
            "in_difficulty": in_difficulty,
            "can_raise": can_raise,
            "can_recognise": can_recognise,
        },
        request=request,
    )
