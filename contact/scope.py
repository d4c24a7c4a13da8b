from households.scope import NOTHING, Scope


def resolve_scope(user) -> Scope:
    """A user sees the area of their cadre profile and everything below it.

    A village cadre's scope is the village, a township user's the township,
    a county user's the county.
    """
    from contact.models import Cadre

    cadre = Cadre.objects.select_related("scope_area").filter(user=user).first()
    if cadre is None:
        return NOTHING
    return Scope(area_codes=(cadre.scope_area.code,))
