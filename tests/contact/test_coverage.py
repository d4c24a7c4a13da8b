"""两个全覆盖 (seed 003) and 一帮一 (seed 004): the coverage page and the lists behind its figures.

The fixture is 桤泉镇 by hand: three villages, one without 包村; four cadres
who should hold a village, one without; must-visit and in-difficulty
households, some paired, some not, one paired only in the past.
"""

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contact import selectors
from contact.models import Cadre, Pairing
from contact.roles import Role
from households.models import Area, Household
from tests.factories import CadreFactory, HouseholdFactory, VillageFactory

pytestmark = pytest.mark.django_db

COVERAGE = reverse("contact:coverage")


@dataclass
class Place:
    xinhua: Area  # 新华村, the village without 包村
    liuqiang: Cadre  # 刘强, a middle-level cadre with a village
    must_unpaired: Household
    difficulty_unpaired: list[Household]


def _ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def pair_village(area, cadre=None, unit="", kind=Pairing.Kind.VILLAGE, **dates):
    return Pairing.objects.create(
        kind=kind,
        cadre=cadre,
        unit=unit,
        area=area,
        start_date=dates.get("start", _ago(60)),
        end_date=dates.get("end"),
    )


def pair_household(cadre, household, **dates):
    return Pairing.objects.create(
        kind=Pairing.Kind.HOUSEHOLD,
        cadre=cadre,
        household=household,
        start_date=dates.get("start", _ago(60)),
        end_date=dates.get("end"),
    )


@pytest.fixture
def place(personas) -> Place:
    p = personas
    xinhua = VillageFactory(code="510184104203", name="新华村", parent=p.township)
    liuqiang = CadreFactory(
        name="刘强", rank=Cadre.Rank.MIDDLE, scope_area=p.township, roles=[Role.CADRE]
    )
    # Not counted: a village cadre without a village pairing, a county leader.
    CadreFactory(name="村支书", rank=Cadre.Rank.VILLAGE, scope_area=p.village)
    CadreFactory(name="县领导", rank=Cadre.Rank.CITY_LEADER, scope_area=p.county)

    pair_village(p.village, cadre=p.cadre)  # 张丽 包村 群安村
    pair_village(p.village, cadre=liuqiang)  # 刘强 too
    pair_village(p.other_village, unit="崇州市农业农村局")  # 部门包村 金桂村
    pair_village(p.other_village, cadre=p.leader, kind=Pairing.Kind.POINT)  # 王成龙 挂点
    pair_village(xinhua, cadre=p.reviewer, start=_ago(400), end=_ago(30))  # ended
    # 李秀英 (reviewer, township rank) has no village now. 赵志刚 of 白头镇 neither.

    h1 = HouseholdFactory(area=p.village, head_name="向朝清", categories=["tekun"])
    h2 = HouseholdFactory(area=p.village, head_name="刘永林", categories=["petitioner"])
    h3 = HouseholdFactory(
        area=p.other_village, head_name="周大海", categories=["old_cadre", "petitioner"]
    )
    h4 = HouseholdFactory(area=xinhua, head_name="杨秀兰", categories=["dibao"])
    h5 = HouseholdFactory(area=p.group, head_name="陈桂芳", categories=["dibao", "ordinary"])
    h6 = HouseholdFactory(area=p.village, head_name="李富贵", categories=["ordinary"])
    away = HouseholdFactory(area=p.outsider_village, head_name="王春发", categories=["tekun"])
    pair_household(p.cadre, h1)
    pair_household(p.cadre, h3)
    pair_household(p.cadre, h5, start=_ago(400), end=_ago(1))
    pair_household(p.cadre, h6)
    pair_household(p.outsider, away, start=_ago(400), end=_ago(100))
    return Place(xinhua=xinhua, liuqiang=liuqiang, must_unpaired=h2, difficulty_unpaired=[h4, h5])


def figures(row) -> dict:
    return {name: getattr(row, name) for name in selectors.CoverageRow.FIGURES}


def test_the_township_totals(personas, place):
    coverage = selectors.coverage_rows(personas.leader.user, personas.township, Area.Level.VILLAGE)
    assert figures(coverage.total) == {
        "villages": 3,
        "villages_covered": 2,
        "cadres": 4,  # 张丽, 王成龙, 李秀英, 刘强
        "cadres_with_village": 3,
        "must_visit": 3,  # 向朝清, 刘永林, 周大海 (two must-visit categories, counted once)
        "must_visit_covered": 2,
        "difficulty": 3,  # 向朝清, 杨秀兰, 陈桂芳 (ended pairing)
        "difficulty_covered": 1,
    }


def test_the_figures_per_village(personas, place):
    coverage = selectors.coverage_rows(personas.leader.user, personas.township, Area.Level.VILLAGE)
    rows = {row.area.name: figures(row) for row in coverage.rows}
    assert list(rows) == ["群安村", "金桂村", "新华村"]
    assert rows["群安村"] == {
        "villages": 1,
        "villages_covered": 1,
        "cadres": 1,  # 张丽's scope is the village
        "cadres_with_village": 1,
        "must_visit": 2,
        "must_visit_covered": 1,
        "difficulty": 2,  # 向朝清, and 陈桂芳 in 1组
        "difficulty_covered": 1,
    }
    assert rows["金桂村"]["villages_covered"] == 1  # a unit and a 挂点 both cover it
    assert rows["新华村"]["villages_covered"] == 0
    # The township's own staff: 王成龙, 李秀英, 刘强.
    (direct,) = coverage.extra
    assert direct.area == personas.township and direct.direct
    assert (direct.cadres, direct.cadres_with_village) == (3, 2)


def test_the_lists_hold_what_is_missing(client, personas, place):
    client.force_login(personas.leader.user)
    area = personas.township.pk

    def listed(name, **query):
        response = client.get(reverse(f"contact:{name}"), {"area": area, **query})
        assert response.status_code == 200
        return {obj.pk for obj in response.context["page"].object_list}

    assert listed("coverage_villages", covered="no") == {place.xinhua.pk}
    assert listed("coverage_cadres", covered="no") == {personas.reviewer.pk}
    assert listed("coverage_households", kind="must_visit", covered="no") == {
        place.must_unpaired.pk
    }
    assert listed("coverage_households", kind="difficulty", covered="no") == {
        h.pk for h in place.difficulty_unpaired
    }
    assert listed("coverage_cadres", direct="1") == {
        personas.leader.pk,
        personas.reviewer.pk,
        place.liuqiang.pk,
    }


LINK = re.compile(r'<a href="([^"]+)" class="[^"]*coverage-link[^"]*" data-count="(\d+)"')


def linked_figures(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(href), int(n)) for href, n in LINK.findall(page)]


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_every_figure_links_to_the_list_it_counts(client, personas, place, who):
    client.force_login(getattr(personas, who).user)
    page = client.get(COVERAGE).content.decode()
    links = linked_figures(page)
    # Total and rows: four figures of three numbers, less the village and household
    # figures of the rows of cadres who work for a whole township or county.
    assert len(links) > 20
    for href, count in links:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.context["page"].paginator.count == count, href


def test_the_supervisor_sees_each_township_and_the_county_staff(client, personas, place):
    client.force_login(personas.supervisor.user)
    response = client.get(COVERAGE)
    coverage = response.context["coverage"]
    assert response.context["by_township"]
    assert [row.area.name for row in coverage.rows] == ["桤泉镇", "白头镇"]
    assert coverage.total.villages == 4 and coverage.total.villages_covered == 2
    # 陈建国 (department rank, county scope) holds no village.
    (county,) = coverage.extra
    assert county.area == personas.county
    assert (county.cadres, county.cadres_with_village) == (1, 0)
    by_village = client.get(COVERAGE, {"township": personas.other_township.pk})
    assert [row.area.name for row in by_village.context["coverage"].rows] == ["五星村"]
    assert by_village.context["coverage"].total.difficulty == 1


def test_a_township_leader_sees_no_figure_of_another_township(client, personas, place):
    client.force_login(personas.leader.user)
    response = client.get(COVERAGE)
    page = response.content.decode()
    assert "白头镇" not in page and "五星村" not in page
    assert response.context["root"] == personas.township
    assert response.context["coverage"].total.must_visit == 3  # not 王春发
    assert client.get(COVERAGE, {"township": personas.other_township.pk}).status_code == 404
    for name in ["coverage_villages", "coverage_cadres", "coverage_households"]:
        url = reverse(f"contact:{name}")
        assert client.get(url, {"area": personas.other_township.pk}).status_code == 404
        unfiltered = client.get(url).context["page"].object_list
        assert "王春发" not in {str(obj) for obj in unfiltered}


def test_the_other_township_sees_its_own(client, personas, place):
    client.force_login(personas.outsider.user)
    coverage = client.get(COVERAGE).context["coverage"]
    assert [row.area.name for row in coverage.rows] == ["五星村"]
    assert (coverage.total.difficulty, coverage.total.difficulty_covered) == (1, 0)
    assert coverage.total.cadres == 1  # 赵志刚 himself


def test_the_page_needs_the_permission_to_view_pairings(client, personas):
    client.force_login(User.objects.create_user("nobody", password="Pass1234word"))
    assert client.get(COVERAGE).status_code == 403
    assert client.get(reverse("contact:coverage_villages")).status_code == 403


def test_an_unknown_household_kind_is_not_found(client, personas):
    client.force_login(personas.leader.user)
    url = reverse("contact:coverage_households")
    assert client.get(url, {"kind": "rich"}).status_code == 404
    assert client.get(url, {"area": "x"}).status_code == 404


def test_the_lists_are_paginated(client, personas, place):
    for n in range(25):
        HouseholdFactory(area=place.xinhua, head_name=f"困难户{n}", categories=["kunnan"])
    client.force_login(personas.leader.user)
    url = reverse("contact:coverage_households")
    first = client.get(url, {"kind": "difficulty", "covered": "no"})
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.count == 27
    second = client.get(url, {"kind": "difficulty", "covered": "no", "page": 2})
    assert len(second.context["page"].object_list) == 7


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(COVERAGE).status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_the_villages(client, personas, place):
    client.force_login(personas.leader.user)
    before = _queries(client)
    for _ in range(10):
        village = VillageFactory(parent=personas.township)
        pair_village(village, cadre=CadreFactory(scope_area=personas.township))
        pair_household(personas.cadre, HouseholdFactory(area=village, categories=["tekun"]))
        HouseholdFactory(area=village, categories=["dibao"])
    after = _queries(client)
    assert len(client.get(COVERAGE).context["coverage"].rows) == 13
    assert after == before
