"""Reads for the coverage page: 两个全覆盖 (seed 003) and 一帮一 (seed 004).

Seed 003: "every cadre has a village to contact or stay in, every village has
a cadre who helps it directly". Seed 004 adds that every household in
difficulty has one cadre (一帮一); seed 001's 五必访 households must be visited,
so each needs a paired cadre too.

What counts:

- A village is covered by an active pairing of kind 包村 (`Pairing.Kind.VILLAGE`,
  a cadre or a unit) or 挂点 (`POINT`) on that village or a group in it. Seed 003 counts the
  leaders' contact points (领导班子成员联系点) among the five layers that made
  its coverage complete, so a leader's 挂点 village is not "without a cadre".
- A cadre has a village when they hold such a pairing on a village (or a group
  in it). Only the ranks in `COUNTED_RANKS` are expected to have one: city and
  county leaders contact townships rather than villages, and village cadres
  are the village's own people, so neither is counted.
- A household is covered by an active 包户 pairing (`Pairing.Kind.HOUSEHOLD`).
  Must-visit households have a category with `must_visit`; households in
  difficulty one with `in_difficulty`.

Every function takes the user (what they may see, by each model's
`visible_to`) and an area (None: everything they see) and returns a queryset
or plain numbers; `coverage_rows` builds all figures of the page in a fixed
number of queries, whatever the number of villages.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr

from contact.models import Cadre, Pairing
from households.models import Area, Household, HouseholdCategory

COUNTED_RANKS = (
    Cadre.Rank.DEPARTMENT,
    Cadre.Rank.TOWNSHIP_LEADER,
    Cadre.Rank.MIDDLE,
    Cadre.Rank.TOWNSHIP,
    Cadre.Rank.FIRST_SECRETARY,
    Cadre.Rank.POLICE,
)

HOUSEHOLD_KINDS = ("must_visit", "difficulty")


def village_pairings(on=None):
    """Active 包村 and 挂点 pairings on a village or a group in it."""
    return Pairing.objects.active(on).filter(
        kind__in=[Pairing.Kind.VILLAGE, Pairing.Kind.POINT], area__level__gte=Area.Level.VILLAGE
    )


def household_pairings(on=None):
    return Pairing.objects.active(on).filter(kind=Pairing.Kind.HOUSEHOLD)


def _within(queryset, code_path: str, area):
    if area is None:
        return queryset
    return queryset.filter(**{f"{code_path}code__startswith": area.code})


def villages(user, area=None):
    """Villages the user sees within `area`, each with `is_covered`."""
    return _within(
        Area.objects.visible_to(user).filter(level=Area.Level.VILLAGE), "", area
    ).annotate(
        # On the village itself or on one of its groups.
        is_covered=Exists(village_pairings().filter(area__code__startswith=OuterRef("code")))
    )


def cadres(user, area=None, direct=False):
    """Cadres expected to have a village, each with `has_village`.

    `direct`: only those whose scope is `area` itself (a township's own staff),
    not the villages below it.
    """
    queryset = Cadre.objects.visible_to(user).filter(rank__in=COUNTED_RANKS)
    if direct and area is not None:
        queryset = queryset.filter(scope_area=area)
    else:
        queryset = _within(queryset, "scope_area__", area)
    return queryset.annotate(has_village=Exists(village_pairings().filter(cadre=OuterRef("pk"))))


def _in_category(flag: str):
    links = HouseholdCategory.households.through.objects.filter(
        household=OuterRef("pk"), **{f"householdcategory__{flag}": True}
    )
    return Exists(links)


def households(user, area=None, kind="must_visit"):
    """Must-visit (`kind="must_visit"`) or in-difficulty households, each with `is_covered`."""
    flag = {"must_visit": "must_visit", "difficulty": "in_difficulty"}[kind]
    return (
        _within(Household.objects.visible_to(user), "area__", area)
        .filter(_in_category(flag))
        .annotate(is_covered=Exists(household_pairings().filter(household=OuterRef("pk"))))
    )


@dataclass
class CoverageRow:
    """The figures of one township or village (or, with `direct`, of an area's own cadres)."""

    area: Area | None
    direct: bool = False
    villages: int = 0
    villages_covered: int = 0
    cadres: int = 0
    cadres_with_village: int = 0
    must_visit: int = 0
    must_visit_covered: int = 0
    difficulty: int = 0
    difficulty_covered: int = 0
    linked: bool = True
    query: str = ""  # set by the view: the list URLs' query string for this row

    def add(self, other: "CoverageRow") -> None:
        for name in self.FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    FIGURES = (
        "villages",
        "villages_covered",
        "cadres",
        "cadres_with_village",
        "must_visit",
        "must_visit_covered",
        "difficulty",
        "difficulty_covered",
    )

    @property
    def villages_uncovered(self) -> int:
        return self.villages - self.villages_covered

    @property
    def cadres_without_village(self) -> int:
        return self.cadres - self.cadres_with_village

    @property
    def must_visit_uncovered(self) -> int:
        return self.must_visit - self.must_visit_covered

    @property
    def difficulty_uncovered(self) -> int:
        return self.difficulty - self.difficulty_covered

    @property
    def complete(self) -> bool:
        return not (
            self.villages_uncovered
            or self.cadres_without_village
            or self.must_visit_uncovered
            or self.difficulty_uncovered
        )


@dataclass
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow
    row_level: int
    extra: list[CoverageRow] = field(default_factory=list)


def _grouped(queryset, code_path: str, length: int, **aggregates) -> dict[str, dict]:
    """One GROUP BY query: the figures per area code prefix of `length` digits."""
    rows = (
        queryset.annotate(row_code=Substr(f"{code_path}code", 1, length))
        .values("row_code")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("row_code"): row for row in rows}


def coverage_rows(user, area, row_level) -> Coverage:
    """The figures per township (`row_level` TOWNSHIP) or village within `area`, and totals.

    Each kind of record is counted in one grouped query keyed by the first
    digits of its area code (9 for a township, 12 for a village), so the
    number of queries does not grow with the number of rows. Cadres whose
    scope is above the row level (a township's own staff when the rows are
    villages) come in `extra` rows of their own, one per scope area.
    """
    length = Area.CODE_LENGTHS[row_level]
    areas = list(
        _within(Area.objects.visible_to(user).filter(level=row_level), "", area).order_by("code")
    )
    figures: dict[str, CoverageRow] = {a.code: CoverageRow(area=a) for a in areas}

    def row(code: str) -> CoverageRow:
        if code not in figures:
            figures[code] = CoverageRow(area=None, direct=len(code) < length)
        return figures[code]

    pk = "pk"
    for code, values in _grouped(
        villages(user, area),
        "",
        length,
        n=Count(pk),
        covered=Count(pk, filter=Q(is_covered=True)),
    ).items():
        row(code).villages, row(code).villages_covered = values["n"], values["covered"]
    for code, values in _grouped(
        cadres(user, area),
        "scope_area__",
        length,
        n=Count(pk),
        covered=Count(pk, filter=Q(has_village=True)),
    ).items():
        row(code).cadres, row(code).cadres_with_village = values["n"], values["covered"]
    marked = (
        _within(Household.objects.visible_to(user), "area__", area)
        .annotate(
            must=_in_category("must_visit"),
            difficult=_in_category("in_difficulty"),
            is_covered=Exists(household_pairings().filter(household=OuterRef("pk"))),
        )
        .filter(Q(must=True) | Q(difficult=True))
    )
    for code, values in _grouped(
        marked,
        "area__",
        length,
        must_n=Count(pk, filter=Q(must=True)),
        must_covered=Count(pk, filter=Q(must=True, is_covered=True)),
        difficult_n=Count(pk, filter=Q(difficult=True)),
        difficult_covered=Count(pk, filter=Q(difficult=True, is_covered=True)),
    ).items():
        target = row(code)
        target.must_visit, target.must_visit_covered = values["must_n"], values["must_covered"]
        target.difficulty, target.difficulty_covered = (
            values["difficult_n"],
            values["difficult_covered"],
        )

    # Figures keyed by an area that is not a row: a township's own cadres, or
    # records the user sees through a pairing outside their areas.
    loose = [code for code, r in figures.items() if r.area is None]
    if loose:
        visible = set(
            Area.objects.visible_to(user).filter(code__in=loose).values_list("code", flat=True)
        )
        for a in Area.objects.filter(code__in=loose):
            figures[a.code].area = a
            figures[a.code].linked = a.code in visible
    total = CoverageRow(area=area)
    for r in figures.values():
        total.add(r)
    rows = [figures[a.code] for a in areas]
    extra = sorted((figures[c] for c in loose), key=lambda r: r.area.code if r.area else "")
    return Coverage(rows=rows, total=total, row_level=row_level, extra=extra)
