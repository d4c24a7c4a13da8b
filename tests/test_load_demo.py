"""`load_demo`: the demo county a new user meets on the first `make run`.

The county is built once for this module (inside a transaction rolled back
at the end), since every test only reads it.
"""

import io
import random
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from contact.models import Cadre, DueItem, Notification, Pairing, Reminder, ResidentMessage, Visit
from contact.reminders import sweep
from contact.roles import Role
from households.models import Area, Household, HouseholdCategory, Member
from households.validators import validate_id_number, validate_phone
from ledgers.models import (
    LEDGER_MODELS,
    Demand,
    DemandEvent,
    EntryCorrection,
    LedgerSubmission,
    PartySituation,
    ReturnVisit,
    ReviewState,
    Source,
    VillageSituation,
)
from ledgers.selectors import demand_figures

PASSWORD = "Chongzhou2012"

PERSONAS = {
    # user name: (name, role, scope)
    "zhangli": ("张丽", Role.CADRE, "群安村"),
    "zhangdong": ("张冬", Role.CADRE, "金桂村"),
    "wangchenglong": ("王成龙", Role.TOWNSHIP_LEADER, "桤泉镇"),
    "qq_dangzhengban": ("李秀英", Role.REVIEWER, "桤泉镇"),
    "ducha": ("陈建国", Role.SUPERVISOR, "崇州市"),
    "admin_cz": ("周敏", Role.ADMINISTRATOR, "崇州市"),
    "outsider": ("赵志刚", Role.CADRE, "泉水村"),
}


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Area, Household, Member, User, Cadre, Pairing, Visit, *LEDGER_MODELS)
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The output of one `load_demo --password …`; the data stays until the module ends."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("load_demo", password=PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_it_builds_one_real_county_with_townships_villages_and_groups():
    county = Area.objects.get(code="510184")
    assert county.name == "崇州市"
    assert Area.objects.filter(level=Area.Level.TOWNSHIP).count() == 5
    assert Area.objects.get(name="群安村").parent.name == "桤泉镇"
    assert Area.objects.filter(level=Area.Level.GROUP).count() > 100


def test_it_creates_about_two_thousand_households_with_members():
    households = Household.objects.count()
    assert 1900 <= households <= 2100
    assert Household.objects.filter(members__relation=Member.Relation.HEAD).distinct().count() == (
        households
    )
    assert 3 <= Member.objects.count() / households <= 4.5
    assert not Household.objects.filter(area__level__lt=Area.Level.VILLAGE).exists()
    assert not Household.objects.filter(search_initials="").exists()


def test_household_phones_are_valid_mainland_numbers():
    for phone in Household.objects.exclude(phone="").values_list("phone", flat=True)[:500]:
        validate_phone(phone)


def test_id_numbers_are_stored_encrypted_and_decrypt_to_valid_numbers():
    members = list(Member.objects.all())
    assert all(m.id_number_encrypted and m.id_number_hash for m in members)
    assert len({m.id_number_hash for m in members}) == len(members)
    for member in random.Random(7).sample(members, 200):
        number = member.id_number
        assert validate_id_number(number) == number
        assert number.startswith("510184")
        assert number not in member.id_number_encrypted
        assert number[6:14] == f"{member.birth_date:%Y%m%d}"
        assert (int(number[16]) % 2 == 1) == (member.sex == Member.Sex.MALE)


def test_ages_agree_with_relations():
    for household in Household.objects.prefetch_related("members")[:400]:
        members = list(household.members.all())
        head = next(m for m in members if m.relation == Member.Relation.HEAD)
        for m in members:
            if m.relation == Member.Relation.CHILD:
                assert head.birth_date < m.birth_date
            if m.relation == Member.Relation.PARENT:
                assert m.birth_date < head.birth_date
        assert head.age >= 18


def test_categories_come_in_realistic_shares():
    total = Household.objects.count()
    shares = {c.code: c.households.count() / total for c in HouseholdCategory.objects.all()}
    assert shares["ordinary"] > 0.6
    for code, share in shares.items():
        if code != "ordinary":
            assert 0 < share < 0.08, code
    ordinary_and_more = Household.objects.filter(categories__code="ordinary").filter(
        categories__in=HouseholdCategory.objects.exclude(code="ordinary")
    )
    assert not ordinary_and_more.exists()


def test_the_families_of_seed_000_are_there():
    xiang = Household.objects.get(head_name="向朝清")
    assert xiang.area.parent.name == "群安村"
    assert xiang.members.count() == 4
    head = xiang.members.get(relation=Member.Relation.HEAD)
    assert head.age == 73
    assert "务工" in xiang.income_sources
    assert "下岗" in xiang.members.get(relation=Member.Relation.CHILD).employment
    assert "长年有病" in xiang.members.get(relation=Member.Relation.SPOUSE).health

    liu = Household.objects.get(head_name="刘永林")
    assert liu.area.parent.parent.name == "桤泉镇"
    assert liu.housing_area_m2 < 50


def test_cadres_of_every_rank_and_every_role_exist():
    assert set(Cadre.objects.values_list("rank", flat=True)) == set(Cadre.Rank.values)
    for role in Role:
        assert Cadre.objects.filter(user__groups__name=role.value).exists(), role
    assert Cadre.objects.filter(must_change_password=False).count() == 0


def test_the_personas_have_their_names_roles_and_scopes():
    for username, (name, role, scope) in PERSONAS.items():
        cadre = Cadre.objects.select_related("user", "scope_area").get(user__username=username)
        assert (cadre.name, cadre.scope_area.name) == (name, scope), username
        assert cadre.roles == {role.value}, username
        assert cadre.user.check_password(PASSWORD)
    outsider = Cadre.objects.get(user__username="outsider")
    assert outsider.scope_area.parent.name == "羊马街道"


def test_staff_flag_follows_the_roles():
    assert not User.objects.get(username="zhangli").is_staff
    for username in ("wangchenglong", "qq_dangzhengban", "ducha", "admin_cz"):
        assert User.objects.get(username=username).is_staff, username


def test_the_output_lists_the_accounts_and_the_password_once(demo):
    assert demo.count(PASSWORD) == 1
    for username, (name, _role, _scope) in PERSONAS.items():
        line = next(line for line in demo.splitlines() if line.startswith(username + " "))
        assert name in line


def test_running_it_again_changes_nothing():
    before = counts()
    out = io.StringIO()

    call_command("load_demo", password="Another2026pw", stdout=out)

    assert counts() == before
    assert "Another2026pw" not in out.getvalue()
    assert User.objects.get(username="zhangli").check_password(PASSWORD)


def test_if_empty_does_nothing_quietly_when_areas_exist():
    before = counts()
    out = io.StringIO()
    call_command("load_demo", if_empty=True, stdout=out)
    assert out.getvalue() == "" and counts() == before


# --- The ledgers ------------------------------------------------------------------------


def test_demands_exist_in_every_state():
    assert set(Demand.objects.values_list("state", flat=True)) == set(Demand.State.values)


def test_some_demands_are_overdue_some_reopened_and_solved_again_some_explained_or_escalated():
    assert Demand.objects.overdue().exists()
    reopened = Demand.objects.filter(reopen_count__gte=1)
    assert reopened.filter(state=Demand.State.CLOSED).exists()
    assert ReturnVisit.objects.filter(satisfaction=ReturnVisit.Satisfaction.DISSATISFIED).exists()
    assert Demand.objects.filter(resolution_kind=Demand.Resolution.EXPLAINED).exists()
    assert Demand.objects.filter(escalated_to__level=Area.Level.TOWNSHIP).exists()
    assert Demand.objects.filter(escalated_to__level=Area.Level.COUNTY).exists()
    came_back = Demand.objects.filter(flagged=True)
    assert came_back.exists()
    assert not came_back.filter(state=Demand.State.CLOSED).exists()
    assert (
        DemandEvent.objects.filter(
            action=DemandEvent.Action.CAME_BACK, demand__in=came_back, by=None
        ).count()
        == came_back.count()
    )


def test_urgencies_are_mostly_moderate_or_minor():
    total = Demand.objects.count()
    urgent = Demand.objects.filter(urgency=Demand.Urgency.URGENT).count()
    calm = Demand.objects.filter(
        urgency__in=[Demand.Urgency.MODERATE, Demand.Urgency.LIGHT]
    ).count()
    assert 0 < urgent < total * 0.1
    assert calm > total * 0.6


def test_demands_come_from_every_channel_and_most_from_real_visits():
    assert set(Demand.objects.values_list("source", flat=True)) >= {
        Source.VISIT,
        Source.RECEPTION,
        Source.BOX,
        Source.PHONE,
        Source.QR,
    }
    from_visits = Demand.objects.filter(source=Source.VISIT)
    assert from_visits.exclude(visit=None).count() == from_visits.count()
    mismatched = from_visits.exclude(household=None).exclude(visit__household=F("household"))
    assert not mismatched.exists()


def test_each_line_of_demands_raised_and_each_qr_message_is_one_demand():
    for visit in Visit.objects.exclude(demands_raised="").filter(method__in=["home", "phone"])[
        :300
    ]:
        lines = [line for line in visit.demands_raised.splitlines() if line.strip()]
        assert Demand.objects.filter(visit=visit).count() == len(lines), visit.pk
    for message in ResidentMessage.objects.select_related("pairing"):
        assert (
            Demand.objects.filter(
                source=Source.QR, description=message.text, cadre=message.pairing.cadre_id
            ).count()
            == 1
        )


def test_all_six_ledgers_have_entries_in_every_township():
    for township in Area.objects.filter(level=Area.Level.TOWNSHIP):
        for model in LEDGER_MODELS:
            assert model.objects.in_area(township).exists(), (township.name, model.__name__)


def test_every_village_has_a_village_and_a_party_sheet_for_each_of_twelve_months():
    villages = Area.objects.filter(level=Area.Level.VILLAGE).count()
    for model in (VillageSituation, PartySituation):
        months = set(model.objects.values_list("occurred_on", flat=True))
        assert 11 <= len(months) <= 12
        assert all(m.day == 1 for m in months)
        assert model.objects.count() >= villages * 11


def test_village_sheets_agree_with_the_registry():
    village = Area.objects.get(name="群安村")
    sheet = VillageSituation.objects.filter(area=village).latest("occurred_on")
    members = Member.objects.filter(household__area__code__startswith=village.code)
    assert (
        sheet.households_count
        == Household.objects.filter(area__code__startswith=village.code).count()
    )
    assert sheet.population == members.count()
    assert sheet.party_members == members.filter(is_party_member=True).count()


def test_older_entries_are_approved_by_their_township_party_office_and_recent_ones_wait():
    reviewers = {
        c.user_id: c.scope_area.code
        for c in Cadre.objects.filter(user__groups__name=Role.REVIEWER).select_related("scope_area")
    }
    week_ago = timezone.localdate() - timedelta(days=7)
    for model in LEDGER_MODELS:
        approved = model.objects.filter(review_state=ReviewState.APPROVED).select_related("area")
        assert approved.exists(), model.__name__
        for entry in approved[:200]:
            assert entry.area.code.startswith(reviewers[entry.reviewed_by_id])
            assert entry.reviewed_by_id != entry.recorded_by_id
            assert entry.created_at <= entry.reviewed_at
        assert not model.objects.filter(
            occurred_on__gt=week_ago, review_state=ReviewState.APPROVED
        ).exists()
    assert Demand.objects.awaiting_review().exists()


def test_a_few_entries_were_returned_with_a_note_two_of_them_to_zhangli():
    returned = [
        entry
        for model in LEDGER_MODELS
        for entry in model.objects.filter(review_state=ReviewState.RETURNED).select_related(
            "recorded_by"
        )
    ]
    assert 3 <= len(returned) <= 20
    assert all(e.review_note and e.reviewed_by_id for e in returned)
    assert sum(e.recorded_by.username == "zhangli" for e in returned) >= 2


def test_one_approved_entry_has_a_correction_waiting():
    correction = EntryCorrection.objects.get(state=ReviewState.PENDING)
    assert correction.entry.review_state == ReviewState.APPROVED
    assert correction.author == correction.entry.recorded_by
    assert correction.changes


def test_each_demo_entry_has_its_history():
    for model in LEDGER_MODELS:
        entry = model.objects.filter(review_state=ReviewState.APPROVED).first()
        history = list(entry.history.order_by("history_date"))
        assert history[0].history_type == "+"
        assert history[0].review_state == ReviewState.PENDING
        assert history[-1].review_state == ReviewState.APPROVED


def test_a_townships_figures_for_last_month_are_of_seed_004s_order():
    township = Area.objects.get(name="桤泉镇")
    end = timezone.localdate().replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    figures = {f.name: n for f, n in demand_figures(Demand.objects.in_area(township), start, end)}
    assert 10 <= figures["received"] <= 80
    for name in ("assigned", "handled", "on_time", "return_visited", "satisfied", "implemented"):
        assert figures[name] > 0, name
    assert figures["on_time"] <= figures["handled"]
    assert figures["satisfied"] <= figures["return_visited"]


def test_every_closed_demand_has_a_close_event_and_a_return_visit():
    closed = Demand.objects.filter(state=Demand.State.CLOSED)
    assert closed.exists()
    assert not closed.exclude(events__action=DemandEvent.Action.CLOSE).exists()
    assert not closed.filter(return_visits=None).exists()
    assert not closed.filter(closed_at=None).exists()


def test_no_deadline_falls_before_the_day_a_demand_was_raised():
    assert not Demand.objects.filter(deadline__lt=F("occurred_on")).exists()


def test_each_demands_trail_runs_forward_and_agrees_with_its_fields():
    events = defaultdict(list)
    for event in DemandEvent.objects.order_by("demand_id", "pk"):
        events[event.demand_id].append(event)
    for demand in Demand.objects.all():
        trail = events[demand.pk]
        assert trail[0].action == DemandEvent.Action.RECORD
        for before, after in zip(trail, trail[1:], strict=False):
            assert before.at <= after.at, demand.reference
            assert after.from_state == before.to_state, demand.reference
        assert trail[-1].to_state == demand.state, demand.reference
        assigned = [e.at for e in trail if e.action == DemandEvent.Action.ASSIGN]
        assert demand.assigned_at == (assigned[-1] if assigned else None), demand.reference
        reopened = [e for e in trail if e.action in ("reopen", "came_back")]
        assert demand.reopen_count == len(reopened), demand.reference
        if demand.state in (Demand.State.RESOLVED, Demand.State.CLOSED):
            handled = [e.at for e in trail if e.action in ("resolve", "explain")]
            assert demand.resolved_at == handled[-1], demand.reference


def test_the_output_sums_up_the_ledgers_in_one_line(demo):
    figures = [str(Demand.objects.count()), str(Demand.objects.overdue().count())]
    assert any(all(f in line for f in figures) for line in demo.splitlines())


# --- Due items, their trail and the first sweep ----------------------------------------------


def _today_at(hour):
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour)))


def test_zhangli_has_something_due_today_tomorrow_and_overdue():
    today = timezone.localdate()
    mine = DueItem.objects.open().filter(cadre__user__username="zhangli")
    assert mine.filter(due_on=today).exists()
    assert mine.filter(due_on=today + timedelta(days=1)).exists()
    assert mine.filter(due_on__lt=today).exists()


def test_wangchenglong_sees_overdue_items_of_several_cadres_and_villages():
    leader = User.objects.get(username="wangchenglong")
    overdue = DueItem.objects.visible_to(leader).overdue()
    assert overdue.values("cadre").distinct().count() >= 3
    assert overdue.values("area").distinct().count() >= 3
    assert overdue.filter(kind=DueItem.Kind.LEDGER).exists()  # a village missed last month


def test_overdue_items_carry_the_trail_they_would_have_had_without_notifications():
    today = timezone.localdate()
    overdue = DueItem.objects.open().filter(due_on__lt=today - timedelta(days=3))
    assert overdue.exists()
    for item in overdue.prefetch_related("reminders"):
        kinds = {r.kind for r in item.reminders.all()}
        assert {Reminder.Kind.BEFORE, Reminder.Kind.ON_DAY} <= kinds, item
        assert all(r.sent_at < _today_at(0) for r in item.reminders.all()), item
        assert item.state in (DueItem.State.REMINDED, DueItem.State.ESCALATED)
    assert Reminder.objects.filter(kind=Reminder.Kind.ESCALATION_3).exists()
    assert not Notification.objects.exists()


def test_most_villages_submitted_their_ledgers_each_month():
    past = LedgerSubmission.objects.filter(month__lt=timezone.localdate().replace(day=1))
    assert past.count() > 100
    assert past.filter(submitted_at__isnull=True).count() == 5  # last month's misses


def test_the_first_sweep_sends_only_a_handful_per_cadre_and_the_second_nothing():
    first = sweep(now=_today_at(9))
    per_user = Counter(
        Notification.objects.exclude(kind=Notification.Kind.DIGEST).values_list(
            "user__username", flat=True
        )
    )
    assert 0 < max(per_user.values()) <= 12
    assert per_user["zhangli"] >= 2  # due today and tomorrow
    assert Notification.objects.filter(
        user__username="zhangli", kind=Notification.Kind.DIGEST
    ).exists()
    assert first.reminders < 150

    second = sweep(now=_today_at(9) + timedelta(minutes=5))
    assert (second.reminders, second.notifications, second.digests) == (0, 0, 0)


def test_the_output_sums_up_the_due_items(demo):
    line = next(line for line in demo.splitlines() if str(DueItem.objects.open().count()) in line)
    assert str(DueItem.objects.overdue().count()) in line
