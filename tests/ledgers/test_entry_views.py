"""The ledgers' pages other than the demand workflow: index, lists, recording, an entry's page, edit, correct."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import include, path, resolve, reverse
from django.utils import timezone

from config import urls as project_urls
from contact.models import Assistance, HelpPlan, Visit
from households.models import Household, HouseholdCategory, Member
from ledgers import services, views_entries
from ledgers import urls as ledger_urls
from ledgers.models import (
    DifficultyRecord,
    EntryCorrection,
    OpinionRecord,
    PartySituation,
    ReviewState,
    StabilityCase,
    VillageSituation,
)

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)


def dispute(personas, *, area=None, by=None, parties="张德明 与 李春华", **extra):
    fields = {
        "occurred_on": date(2024, 3, 5),
        "kind": StabilityCase.Kind.LAND,
        "summary": "宅基地边界争议",
        "risk": StabilityCase.Risk.MEDIUM,
        **extra,
    }
    return StabilityCase.objects.create(
        area=area or personas.village,
        recorded_by=(by or personas.cadre).user,
        parties=parties,
        **fields,
    )


def one_of_each(personas, household):
    """An entry of each of the five kinds with pages here, in 群安村, recorded by 张丽."""
    common = {"area": personas.village, "recorded_by": personas.cadre.user}
    return {
        "difficulty": DifficultyRecord.objects.create(
            **common,
            household=household,
            category=HouseholdCategory.objects.get(code="kunnan"),
            reason="因病致贫",
            recognised_on=date(2024, 1, 5),
        ),
        "stability": dispute(personas),
        "village": VillageSituation.objects.create(**common, occurred_on=MARCH, population=1200),
        "opinions": OpinionRecord.objects.create(
            **common, topic=OpinionRecord.Topic.LIVELIHOOD, content="村口路灯不亮"
        ),
        "party": PartySituation.objects.create(
            **common, occurred_on=MARCH, branch="群安村党支部", members=31
        ),
    }


def dispute_post(personas, **extra):
    data = {
        "household": "",
        "area": personas.village.pk,
        "source": "direct",
        "occurred_on": "2024-03-05",
        "kind": "land",
        "parties": "张德明 与 李春华",
        "summary": "宅基地边界争议",
        "risk": "medium",
        "measures": "",
        "status": "open",
        "result": "",
        "resolved_on": "",
    }
    data.update(extra)
    return data


# --- Scope ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["difficulty", "stability", "village", "opinions", "party"])
def test_an_entry_outside_the_outsiders_township_is_a_404_on_every_page(
    client, personas, household, kind
):
    entry = one_of_each(personas, household)[kind]
    client.force_login(personas.outsider.user)
    for name in ("entry_detail", "entry_edit", "entry_correct"):
        response = client.get(reverse(f"ledgers:{name}", args=[kind, entry.pk]))
        assert response.status_code == 404, name


@pytest.mark.parametrize("kind", ["difficulty", "stability", "village", "opinions", "party"])
def test_the_cadre_opens_each_kinds_entry_page(client, personas, household, kind):
    entry = one_of_each(personas, household)[kind]
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:entry_detail", args=[kind, entry.pk]))
    assert response.status_code == 200
    assert response.context["entry"] == entry


def test_lists_show_only_the_entries_in_scope(client, personas):
    ours = dispute(personas, parties="群安村 张德明")
    theirs = dispute(
        personas, area=personas.outsider_village, by=personas.outsider, parties="五星村 王大勇"
    )
    url = reverse("ledgers:entry_list", args=["stability"])

    client.force_login(personas.cadre.user)
    html = client.get(url).content.decode()
    assert "群安村 张德明" in html and "五星村 王大勇" not in html

    client.force_login(personas.outsider.user)
    response = client.get(url)
    listed = [entry for entry, _cells in response.context["page"].object_list]
    assert listed == [theirs]
    assert ours not in listed


def test_the_derived_difficulty_list_hides_households_out_of_scope(client, personas, household):
    Household.objects.create(area=personas.outsider_village, head_name="王大勇").categories.add(
        HouseholdCategory.objects.get(code="dibao")
    )
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:entry_list", args=["difficulty"]))
    assert [h.head_name for h in response.context["page"].object_list] == ["向朝清"]


def test_an_unknown_ledger_is_a_404(client, personas):
    client.force_login(personas.cadre.user)
    assert client.get("/ledgers/nonsense/").status_code == 404


def test_the_index_counts_entries_in_the_users_scope(client, personas):
    dispute(personas, occurred_on=timezone.localdate())
    dispute(personas, review_state=ReviewState.APPROVED)
    dispute(personas, area=personas.outsider_village, by=personas.outsider)
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:index"))
    row = next(r for r in response.context["ledgers"] if r["kind"].slug == "stability")
    assert (row["total"], row["this_month"], row["awaiting"]) == (2, 1, 1)


# --- Filters ----------------------------------------------------------------------------


def test_the_stability_list_filters_by_risk_status_and_month(client, personas):
    high = dispute(personas, parties="高风险", risk=StabilityCase.Risk.HIGH)
    dispute(personas, parties="已化解", status=StabilityCase.Status.RESOLVED)
    dispute(personas, parties="二月的", occurred_on=date(2024, 2, 10))
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_list", args=["stability"])

    def listed(query):
        page = client.get(url, query).context["page"]
        return sorted(entry.parties for entry, _cells in page.object_list)

    assert listed({"risk": "high"}) == ["高风险"]
    assert listed({"status": "resolved"}) == ["已化解"]
    assert listed({"month": "2024-02"}) == ["二月的"]
    assert listed({"start": "2024-03-01", "end": "2024-03-31"}) == ["已化解", "高风险"]
    assert listed({"q": "高风"}) == ["高风险"]
    assert high.parties in listed({"month": "bad"})  # a bad value filters nothing out


# --- Recording --------------------------------------------------------------------------


def test_a_resent_form_records_the_dispute_once(client, personas):
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_create", args=["stability"])
    form = client.get(url)
    key = form.context["idempotency_key"]
    assert f'name="idempotency_key" value="{key}"' in form.content.decode()

    data = {**dispute_post(personas), "idempotency_key": str(key)}
    first, second = client.post(url, data), client.post(url, data)

    assert StabilityCase.objects.count() == 1
    case = StabilityCase.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == case.get_absolute_url()
    assert case.recorded_by == personas.cadre.user
    assert case.review_state == ReviewState.PENDING
    assert case.idempotency_key == key


def test_a_form_without_a_key_records_nothing_and_keeps_what_was_typed(client, personas):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("ledgers:entry_create", args=["stability"]), dispute_post(personas)
    )
    assert response.status_code == 400
    assert "张德明 与 李春华" in response.content.decode()
    assert not StabilityCase.objects.exists()


def test_a_village_outside_scope_cannot_be_chosen(client, personas):
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("ledgers:entry_create", args=["stability"]),
        {
            **dispute_post(personas, area=personas.outsider_village.pk),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert not StabilityCase.objects.exists()


def test_an_opinion_raised_from_a_visit_points_back_to_it(client, personas, household):
    visit = Visit.objects.create(
        cadre=personas.cadre,
        household=household,
        area=personas.village,
        visited_at=timezone.make_aware(timezone.datetime(2024, 3, 6, 10, 0)),
        method=Visit.Method.RECEPTION,
        situation="接待日来访",
        idempotency_key=uuid.uuid4(),
    )
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_create", args=["opinions"])
    form = client.get(url, {"visit": visit.pk})
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["household"] == household.pk
    assert initial["source"] == "reception"
    assert initial["occurred_on"] == date(2024, 3, 6)

    response = client.post(
        url,
        {
            "idempotency_key": str(form.context["idempotency_key"]),
            "visit": visit.pk,
            "household": household.pk,
            "area": "",
            "source": "reception",
            "occurred_on": "2024-03-06",
            "topic": "infrastructure",
            "person": "向朝清",
            "content": "希望硬化通组路",
            "response": "",
            "rectified_on": "",
        },
    )
    opinion = OpinionRecord.objects.get()
    assert response.url == opinion.get_absolute_url()
    assert opinion.visit == visit
    assert opinion.household == household
    assert opinion.area == personas.village  # the household's village, from its group

    page = client.get(opinion.get_absolute_url()).content.decode()
    assert visit.get_absolute_url() in page and household.get_absolute_url() in page


def test_a_visit_out_of_scope_cannot_be_a_source(client, personas):
    foreign = Visit.objects.create(
        cadre=personas.outsider,
        area=personas.outsider_village,
        situation="五星村",
        idempotency_key=uuid.uuid4(),
    )
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_create", args=["opinions"])
    assert client.get(url, {"visit": foreign.pk}).status_code == 404
    assert client.get(url, {"visit": "1x"}).status_code == 404


def test_the_supervisor_may_not_record(client, personas):
    client.force_login(personas.supervisor.user)
    assert client.get(reverse("ledgers:entry_create", args=["stability"])).status_code == 403


# --- 困难群众: the derived ledger --------------------------------------------------------


def test_a_dibao_household_is_listed_without_a_recognition_and_with_one(
    client, personas, household
):
    dibao = Household.objects.create(area=personas.village, head_name="刘永林", house_number="3号")
    dibao.categories.add(HouseholdCategory.objects.get(code="dibao"))
    ordinary = Household.objects.create(area=personas.village, head_name="周富贵")
    ordinary.categories.add(HouseholdCategory.objects.get(code="ordinary"))
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_list", args=["difficulty"])

    response = client.get(url)
    rows = {h.head_name: h for h in response.context["page"].object_list}
    assert set(rows) == {"向朝清", "刘永林"}
    assert rows["刘永林"].record_pk is None
    html = response.content.decode()
    assert f"{reverse('ledgers:entry_create', args=['difficulty'])}?household={dibao.pk}" in html

    record = DifficultyRecord.objects.create(
        area=personas.village,
        household=dibao,
        category=HouseholdCategory.objects.get(code="dibao"),
        reason="丧失劳动能力",
        level=DifficultyRecord.Level.CLASS_A,
        recognised_on=date(2023, 6, 1),
        recorded_by=personas.cadre.user,
    )
    HelpPlan.objects.create(
        household=dibao, goal="危房改造", measures="申请补助", responsible=personas.cadre
    )
    HelpPlan.objects.create(
        household=dibao,
        goal="已完成",
        measures="-",
        responsible=personas.cadre,
        status=HelpPlan.Status.DONE,
    )
    today = timezone.localdate()
    for day, value in ((today, "500"), (today.replace(year=today.year - 1), "300")):
        Assistance.objects.create(
            household=dibao,
            date=day,
            kind=Assistance.Kind.CASH,
            description="慰问金",
            value_yuan=Decimal(value),
            given_by=personas.cadre,
        )

    response = client.get(url)
    row = next(h for h in response.context["page"].object_list if h.pk == dibao.pk)
    assert row.record_pk == record.pk
    assert row.record_reason == "丧失劳动能力"
    assert row.record_level == "a"
    assert row.open_plans == 1
    assert row.given_this_year == Decimal(500)
    this_year = Assistance.objects.filter(household=dibao, date__year=today.year)
    assert row.given_this_year == this_year.total_value()
    html = response.content.decode()
    assert "丧失劳动能力" in html
    assert reverse("ledgers:entry_detail", args=["difficulty", record.pk]) in html


def test_the_difficulty_list_filters_by_category_and_missing_recognition(
    client, personas, household
):
    tekun = Household.objects.create(area=personas.village, head_name="孤老人")
    tekun.categories.add(HouseholdCategory.objects.get(code="tekun"))
    DifficultyRecord.objects.create(
        area=personas.village,
        household=tekun,
        category=HouseholdCategory.objects.get(code="tekun"),
        reason="无劳动能力、无收入、无赡养人",
        level=DifficultyRecord.Level.CLASS_B,
        recognised_on=date(2022, 1, 1),
        recorded_by=personas.cadre.user,
    )
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_list", args=["difficulty"])

    def names(query):
        return [h.head_name for h in client.get(url, query).context["page"].object_list]

    tekun_category = HouseholdCategory.objects.get(code="tekun")
    assert names({"category": tekun_category.pk}) == ["孤老人"]
    assert names({"level": "missing"}) == ["向朝清"]
    assert names({"level": "b"}) == ["孤老人"]


def test_recording_a_recognition_for_a_household(client, personas, household):
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_create", args=["difficulty"])
    form = client.get(url, {"household": household.pk})
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "idempotency_key": str(form.context["idempotency_key"]),
            "household": household.pk,
            "category": HouseholdCategory.objects.get(code="kunnan").pk,
            "reason": "因病致贫",
            "level": "b",
            "recognised_on": "2024-01-05",
            "monthly_allowance": "380",
            "ended_on": "",
            "source": "direct",
            "occurred_on": "2024-01-06",
        },
    )
    record = DifficultyRecord.objects.get()
    assert response.url == record.get_absolute_url()
    assert record.area == personas.village
    assert record.monthly_allowance == Decimal(380)


# --- 村情: prefilled from the registry, one sheet a month ----------------------------------------


@pytest.fixture
def registry(personas):
    """Two households in 群安村 with five people, two of them party members; one elsewhere."""
    a = Household.objects.create(area=personas.group, head_name="张德明")
    b = Household.objects.create(area=personas.village, head_name="李春华")
    for household, names in ((a, ["张德明", "王秀兰", "张小军"]), (b, ["李春华", "李明"])):
        for name in names:
            Member.objects.create(
                household=household,
                name=name,
                relation=Member.Relation.OTHER,
                is_party_member=name in ("张德明", "李明"),
            )
    elsewhere = Household.objects.create(area=personas.other_village, head_name="金桂")
    Member.objects.create(household=elsewhere, name="金桂", relation=Member.Relation.HEAD)


def village_post(personas, month, **extra):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "area": personas.village.pk,
        "month": month,
        "population": "5",
        "households_count": "2",
        "party_members": "2",
        "collective_income": "123456",
        "industries": "柑橘种植",
        "projects": "",
        "problems": "灌溉渠年久失修",
    }
    data.update(extra)
    return data


def test_the_village_sheet_is_prefilled_from_the_registry(client, personas, registry):
    client.force_login(personas.cadre.user)
    response = client.get(
        reverse("ledgers:entry_create", args=["village"]),
        {"area": personas.village.pk, "month": "2024-03"},
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["population"], initial["households_count"], initial["party_members"]) == (
        5,
        2,
        2,
    )
    assert initial["area"] == personas.village.pk
    assert initial["month"] == "2024-03"


def test_the_registry_of_a_village_out_of_scope_is_not_shown(client, personas, registry):
    client.force_login(personas.cadre.user)
    response = client.get(
        reverse("ledgers:entry_create", args=["village"]), {"area": personas.other_village.pk}
    )
    assert response.status_code == 404


def test_a_second_village_sheet_for_the_same_month_is_refused_keeping_what_was_typed(
    client, personas
):
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_create", args=["village"])
    assert client.post(url, village_post(personas, "2024-03")).status_code == 302
    sheet = VillageSituation.objects.get()
    assert sheet.occurred_on == MARCH

    response = client.post(
        url, village_post(personas, "2024-03", collective_income="98765", industries="茶叶")
    )

    assert response.status_code == 400
    assert "month" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="98765"' in html and "茶叶" in html
    assert VillageSituation.objects.count() == 1
    assert client.post(url, village_post(personas, "2024-04")).status_code == 302
    assert VillageSituation.objects.count() == 2


# --- An entry's page, edit, correct ----------------------------------------------------------


def test_editing_a_returned_entry_sends_it_back_to_the_queue(client, personas):
    case = dispute(personas, review_state=ReviewState.RETURNED, review_note="当事人姓名写全")
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_edit", args=["stability", case.pk])
    assert "当事人姓名写全" in client.get(url).content.decode()

    response = client.post(url, dispute_post(personas, parties="张德明 与 李春华（邻居）"))

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.review_state == ReviewState.PENDING
    assert case.parties == "张德明 与 李春华（邻居）"
    history = client.get(case.get_absolute_url()).context["history"]
    changes = [c for h in history for c in h["changes"]]
    label = str(StabilityCase._meta.get_field("parties").verbose_name)
    assert (label, "张德明 与 李春华", "张德明 与 李春华（邻居）") in [
        (str(label), old, new) for label, old, new in changes
    ]


def test_only_the_author_edits_and_an_approved_entry_goes_to_correction(client, personas):
    case = dispute(personas)
    client.force_login(personas.leader.user)
    assert client.get(reverse("ledgers:entry_edit", args=["stability", case.pk])).status_code == 403

    case.review_state = ReviewState.APPROVED
    case.save()
    client.force_login(personas.cadre.user)
    response = client.get(reverse("ledgers:entry_edit", args=["stability", case.pk]))
    assert response.url == reverse("ledgers:entry_correct", args=["stability", case.pk])


def test_a_correction_of_an_approved_entry_leaves_it_unchanged_until_reviewed(client, personas):
    case = dispute(personas)
    services.entry_approve(entry=case, by=personas.reviewer.user)
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_correct", args=["stability", case.pk])
    form = client.get(url)
    assert form.context["form"]["parties"].value() == "张德明 与 李春华"

    data = {**dispute_post(personas, risk="high"), "reason": "风险等级评估有误"}
    first, second = client.post(url, data), client.post(url, data)

    assert first.status_code == second.status_code == 302
    correction = EntryCorrection.objects.get()
    assert correction.entry == case
    assert correction.changes == {"risk": "high"}
    assert correction.reason == "风险等级评估有误"
    assert correction.author == personas.cadre.user
    case.refresh_from_db()
    assert case.risk == StabilityCase.Risk.MEDIUM
    assert case.review_state == ReviewState.APPROVED
    page = client.get(case.get_absolute_url())
    assert page.context["corrections"][0]["correction"] == correction


def test_a_correction_that_changes_nothing_is_refused(client, personas):
    case = dispute(personas, review_state=ReviewState.APPROVED)
    client.force_login(personas.cadre.user)
    response = client.post(
        reverse("ledgers:entry_correct", args=["stability", case.pk]),
        {**dispute_post(personas), "reason": "没改什么"},
    )
    assert response.status_code == 400
    assert not EntryCorrection.objects.exists()


def approved_demand(personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=personas.village,
        household=household,
        kind="roads",
        urgency="light",
        description="通组路有坑",
        resident_name="向朝清",
    )
    services.entry_approve(entry=demand, by=personas.reviewer.user)
    return demand


# The correction page of a demand is reached by this URL conf too: in ledgers/urls.py,
# views_demands' "demands/<pk>/<action>/" comes first and takes ".../correct/" for
# itself, so these tests put the correction route ahead of it, as urls.py should.
urlpatterns = [
    path(
        "ledgers/",
        include(
            (
                [p for p in views_entries.urlpatterns if p.name == "entry_correct"]
                + ledger_urls.urlpatterns,
                "ledgers",
            )
        ),
    ),
    *[p for p in project_urls.urlpatterns if str(p.pattern) != "ledgers/"],
]


@pytest.mark.urls(__name__)
def test_an_approved_demand_is_corrected_through_its_content_fields(client, personas, household):
    demand = approved_demand(personas, household)
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_correct", args=["demands", demand.pk])
    assert client.get(url).context["form"]["description"].value() == "通组路有坑"
    response = client.post(
        url,
        {
            "kind": "roads",
            "urgency": "urgent",
            "description": "通组路有坑",
            "resident_name": "向朝清",
            "resident_phone": "",
            "reason": "雨季将至，应为急",
        },
    )
    assert response.status_code == 302
    assert response.url == demand.get_absolute_url()
    assert EntryCorrection.objects.get().changes == {"urgency": "urgent"}
    demand.refresh_from_db()
    assert demand.urgency == "light"


@pytest.mark.urls(__name__)
def test_a_correction_of_a_demand_with_a_bad_phone_number_is_refused(client, personas, household):
    demand = approved_demand(personas, household)
    client.force_login(personas.cadre.user)
    url = reverse("ledgers:entry_correct", args=["demands", demand.pk])
    response = client.post(
        url,
        {
            "kind": "roads",
            "urgency": "light",
            "description": "通组路有坑",
            "resident_name": "向朝清",
            "resident_phone": "打电话找我",
            "reason": "电话记错了",
        },
    )
    assert response.status_code == 400
    assert "resident_phone" in response.context["form"].errors
    assert not EntryCorrection.objects.exists()


@pytest.mark.urls(__name__)
def test_an_outsider_cannot_correct_a_demand(client, personas, household):
    demand = approved_demand(personas, household)
    client.force_login(personas.outsider.user)
    url = reverse("ledgers:entry_correct", args=["demands", demand.pk])
    assert client.get(url).status_code == 404


def test_the_project_url_of_a_demands_correction_reaches_the_correction_page(personas, household):
    """Fails while ledgers/urls.py lets views_demands' "<pk>/<action>/" take ".../correct/"."""
    demand = approved_demand(personas, household)
    url = reverse("ledgers:entry_correct", args=["demands", demand.pk])
    assert resolve(url).func is views_entries.entry_correct


def test_a_demands_entry_page_is_the_demand_page(rf, personas):
    request = rf.get("/")
    request.user = personas.cadre.user
    response = views_entries.entry_detail(request, kind="demands", pk=7)
    assert response.status_code == 302
    assert response.url == reverse("ledgers:demand_detail", args=[7])


def test_the_entry_page_shows_the_reviewers_note(client, personas):
    case = dispute(personas)
    services.entry_return(entry=case, by=personas.reviewer.user, note="补充调解措施")
    client.force_login(personas.cadre.user)
    response = client.get(case.get_absolute_url())
    assert "补充调解措施" in response.content.decode()
    assert response.context["editable"] is True
    assert response.context["correctable"] is False


def test_a_future_date_is_refused(client, personas):
    client.force_login(personas.cadre.user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("ledgers:entry_create", args=["stability"]),
        {
            **dispute_post(personas, occurred_on=tomorrow.isoformat()),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert not StabilityCase.objects.exists()
