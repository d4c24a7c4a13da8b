from households.scope import NOTHING, Scope


def resolve_scope(user) -> Scope:
    """What a signed-in user sees.

    Everyone sees their cadre profile's scope area and everything below it: a
    village cadre the village, a township user the township, a county user the
    county. A cadre also sees the villages they are paired with (包村, 挂点)
    and the households they are paired with (包户), wherever those are.
    """
    from contact.models import Cadre, Pairing

    cadre = Cadre.objects.select_related("scope_area").filter(user=user).first()
    if cadre is None:
        return NOTHING
    active = Pairing.objects.active().filter(cadre=cadre)
    area_codes = {cadre.scope_area.code}
    area_codes.update(active.exclude(area=None).values_list("area__code", flat=True))
    # Drop codes already covered by a broader one.
    codes = tuple(
        sorted(c for c in area_codes if not any(c != o and c.startswith(o) for o in area_codes))
    )
    paired = active.filter(kind=Pairing.Kind.HOUSEHOLD).values("household_id")
    colleagues = Cadre.objects.filter(scope_area__code__startswith=cadre.scope_area.code)
    return Scope(
        area_codes=codes,
        extra_household_ids=paired,
        user_ids=colleagues.values("user_id"),
    )
