"""Who may see what: the one place the user → visible areas/households rule is read.

This app knows nothing of cadres (they live in `contact`, which builds on this
one), so `contact` registers the resolver that turns a user into a Scope when
it loads. Every model's `visible_to(user)` queryset method asks `scope_for`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class Scope:
    # Area codes are prefixes: a township's code starts every village's code in it.
    area_codes: tuple[str, ...] = ()
    everything: bool = False
    # Households visible beyond the areas (a cadre's paired households): a
    # queryset of ids or None.
    extra_household_ids: Any = field(default=None, compare=False)
    # Users whose own scope lies within these areas (a queryset of ids or None):
    # for records kept per user rather than per area, such as the export log.
    user_ids: Any = field(default=None, compare=False)

    def area_q(self, path: str) -> Q:
        """A filter on the area code behind `path` ("" for Area itself, "area__" ...)."""
        q = Q(pk__in=[])
        for code in self.area_codes:
            q |= Q(**{f"{path}code__startswith": code})
        return q


NOTHING = Scope()
EVERYTHING = Scope(everything=True)

_resolver: Callable[[Any], Scope] | None = None


def register_scope_resolver(resolver: Callable[[Any], Scope]) -> None:
    global _resolver
    _resolver = resolver


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    cached = getattr(user, "_minqingtong_scope", None)
    if cached is not None:
        return cached
    scope = _resolver(user) if _resolver else NOTHING
    user._minqingtong_scope = scope
    return scope
