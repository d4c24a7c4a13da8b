"""张丽's home page lists what the party office returned to her, with the note, until she corrects it."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import HouseholdCategory
from ledgers import services
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


@pytest.fixture
def cadre(client, personas):
    client.force_login(personas.cadre.user)
    return client


def home_page(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def opinion(personas, by=None, content="希望村里开通公交"):
    return OpinionRecord.objects.create(
        area=personas.village,
        recorded_by=(by or personas.cadre).user,
        topic=OpinionRecord.Topic.LIVELIHOOD,
        content=content,
    )


def returned(entry, personas, note):
    services.entry_return(entry=entry, by=personas.reviewer.user, note=note)
    entry.refresh_from_db()
    return entry


def test_nothing_returned_shows_no_list(cadre, personas):
    opinion(personas)
    assert 'id="returned-entries"' not in home_page(cadre)


def test_a_returned_entry_is_on_the_authors_home_page_with_the_note_and_a_link(cadre, personas):
    entry = returned(opinion(personas), personas, "反映人是谁? 请补充")
    page = home_page(cadre)
    assert 'id="returned-entries"' in page
    assert "反映人是谁? 请补充" in page
    assert "李秀英" in page  # who returned it
    assert f'href="{entry.get_absolute_url()}"' in page


def test_after_the_author_edits_it_it_awaits_review_and_leaves_the_home_page(cadre, personas):
    entry = returned(opinion(personas), personas, "反映人是谁? 请补充")
    services.entry_update(entry=entry, by=personas.cadre.user, fields={"person": "向朝清"})
    entry.refresh_from_db()
    assert entry.review_state == ReviewState.PENDING
    assert "反映人是谁? 请补充" not in home_page(cadre)


def test_returned_entries_of_every_ledger_are_listed(cadre, personas, household):
    demand, _created = services.demand_record(
        by=personas.cadre.user,
        area=household.village,
        household=household,
        kind="water",
        urgency="moderate",
        description="自来水经常停",
    )
    by = personas.cadre.user
    entries = [
        demand,
        DifficultyRecord.objects.create(
            area=personas.village,
            household=household,
            recorded_by=by,
            category=HouseholdCategory.objects.get(code="kunnan"),
            reason="因病致贫",
            recognised_on=date(2025, 6, 1),
        ),
        StabilityCase.objects.create(
            area=personas.village,
            recorded_by=by,
            kind=StabilityCase.Kind.NEIGHBOUR,
            parties="向朝清、向朝明",
            summary="宅基地边界",
            risk=StabilityCase.Risk.LOW,
        ),
        VillageSituation.objects.create(
            area=personas.village, recorded_by=by, occurred_on=date(2026, 3, 1), population=1620
        ),
        opinion(personas),
        PartySituation.objects.create(
            area=personas.village,
            recorded_by=by,
            occurred_on=date(2026, 3, 1),
            branch="群安村党支部",
        ),
    ]
    for n, entry in enumerate(entries):
        returned(entry, personas, f"第{n + 1}条退回意见")
    page = home_page(cadre)
    for n, entry in enumerate(entries):
        assert f"第{n + 1}条退回意见" in page
        assert f'href="{entry.get_absolute_url()}"' in page


def test_entries_returned_to_someone_else_are_not_on_her_page(cadre, personas):
    returned(opinion(personas, by=personas.leader, content="王成龙记的"), personas, "给王成龙的")
    assert "给王成龙的" not in home_page(cadre)


def test_pending_and_approved_entries_are_not_listed(cadre, personas):
    entry = opinion(personas)
    services.entry_approve(entry=entry, by=personas.reviewer.user, note="批准的备注")
    assert "批准的备注" not in home_page(cadre)


def _approved_case(personas):
    case = StabilityCase.objects.create(
        area=personas.village,
        recorded_by=personas.cadre.user,
        kind=StabilityCase.Kind.FAMILY,
        parties="向家兄弟",
        summary="赡养老人",
        risk=StabilityCase.Risk.MEDIUM,
    )
    services.entry_approve(entry=case, by=personas.reviewer.user)
    case.refresh_from_db()
    return case


def test_a_returned_correction_is_listed_until_a_new_one_is_sent(cadre, personas):
    case = _approved_case(personas)
    correction = services.correction_submit(
        entry=case, by=personas.cadre.user, reason="结果漏填", fields={"result": "已调解"}
    )
    services.correction_return(correction=correction, by=personas.reviewer.user, note="请附协议")
    page = home_page(cadre)
    assert "请附协议" in page
    assert f'href="{case.get_absolute_url()}"' in page

    services.correction_submit(
        entry=case, by=personas.cadre.user, reason="结果漏填", fields={"result": "已调解, 附协议"}
    )
    assert "请附协议" not in home_page(cadre)


def test_a_correction_returned_long_ago_is_no_longer_listed(cadre, personas):
    case = _approved_case(personas)
    correction = services.correction_submit(
        entry=case, by=personas.cadre.user, reason="结果漏填", fields={"result": "已调解"}
    )
    services.correction_return(correction=correction, by=personas.reviewer.user, note="请附协议")
    EntryCorrection.objects.filter(pk=correction.pk).update(
        reviewed_at=timezone.now() - timedelta(days=45)
    )
    assert "请附协议" not in home_page(cadre)
