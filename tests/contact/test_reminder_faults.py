"""The faults the reminders survive, each really run: a real Celery worker, a real broker.

Each test starts `celery -A config worker` (tests/contact/celery_harness.py) on
the test database and a broker of its own: the embedded file-system broker on
the SQLite leg, the Redis of REDIS_URL on the PostgreSQL leg. The worker sends
its e-mails to files, which the tests read back: what left, and how often.
"""

import ast
import re
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from contact.due import due_set
from contact.models import DueItem, Notification, Reminder, ReminderSettings, Visit
from contact.reminders import sweep
from contact.roles import Role
from contact.tasks import sweep_due_items
from households.models import Household
from ledgers.models import Demand
from tests.contact.celery_harness import (
    Broker,
    TcpProxy,
    Worker,
    email_counter,
    flush_publisher,
    point_app_at,
    reset_app,
    sent_emails,
    wait_for,
)
from tests.contact.test_visit_logging import visit_post
from tests.contact.visit_data import build_place
from tests.factories import CadreFactory, build_personas

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Delivery = Notification.Delivery
Kind = Reminder.Kind


# --- Fixtures: a broker of the test's own, workers that always die with the test ---------


@pytest.fixture
def broker(settings, tmp_path):
    """This process and the test's workers publish to one broker no other test or run uses."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    found = Broker(root=tmp_path / "var", redis_url=settings.REDIS_URL)
    for sub in ("queue", "processed", "control"):
        (found.root / "broker" / sub).mkdir(parents=True)
    saved = {
        key: app.conf[key]
        for key in (
            "broker_url",
            "broker_transport_options",
            "task_default_queue",
            "task_always_eager",
        )
    }
    point_app_at(found.url(), found.transport_options(), found.queue)
    yield found
    try:
        flush_publisher(timeout=30)
    finally:
        app.conf.update(saved)
        reset_app(app)
        found.purge()


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def start_worker(broker, mail_dir):
    started = []

    def start(**kwargs) -> Worker:
        worker = Worker(broker, mail_dir, **kwargs)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


# --- Helpers ---------------------------------------------------------------------------


def due_items(village, cadres, count, due_on) -> list[int]:
    """`count` households' visits due on `due_on`, shared among `cadres`; their items' ids."""
    households = Household.objects.bulk_create(
        Household(area=village, head_name=f"户主{i}", house_number=f"{i + 1}号")
        for i in range(count)
    )
    with transaction.atomic():
        return [
            due_set(
                source=household,
                kind=DueItem.Kind.VISIT,
                due_on=due_on,
                cadre=cadres[i % len(cadres)],
                area=village,
                title=f"走访{household.head_name}",
                household=household,
            ).pk
            for i, household in enumerate(households)
        ]


def cadres_with_email(village, count):
    return [
        CadreFactory(scope_area=village, email=f"cadre{i}@qiquan.example.cn", roles=[Role.CADRE])
        for i in range(count)
    ]


def deliveries_done() -> bool:
    waiting = [Delivery.PENDING, Delivery.SENDING]
    return not Notification.objects.filter(email_state__in=waiting).exists() and not (
        Notification.objects.filter(sms_state__in=waiting).exists()
    )


def expected_emails() -> Counter:
    """What the worker must have written: each notification whose e-mail was sent, once."""
    from contact.reminders import _email_of

    counter = Counter()
    for notification in Notification.objects.filter(email_state=Delivery.SENT).select_related(
        "user"
    ):
        link = f"{settings.SITE_URL.rstrip('/')}{notification.url}"
        counter[(_email_of(notification.user), notification.title, link)] += 1
    return counter


def written_emails(mail_dir) -> Counter:
    counter = Counter()
    for (address, subject, link), times in email_counter(sent_emails(mail_dir)).items():
        counter[(address, subject.split("] ", 1)[1], link)] += times
    return counter


def assert_each_email_once(mail_dir):
    assert not Notification.objects.filter(email_state=Delivery.FAILED).exists()
    expected = expected_emails()
    written = written_emails(mail_dir)
    assert written == expected, (
        f"missing: {expected - written}; twice or unexpected: {written - expected}"
    )
    assert sum(written.values()) == Notification.objects.filter(email_state=Delivery.SENT).count()


def some_time_passes(minutes=3):
    """Beat's next sweeps, minutes later: what never reached the broker is older than LOST_QUEUE."""
    Notification.objects.filter(created_at__gt=timezone.now() - timedelta(minutes=minutes)).update(
        created_at=F("created_at") - timedelta(minutes=minutes)
    )


def clear_of_midnight():
    """The worker reads the clock too: a test about "today" does not start just before midnight."""
    now = timezone.localtime()
    if now.hour == 23 and now.minute >= 58:
        tomorrow = now.replace(hour=0, minute=0, second=1, microsecond=0) + timedelta(days=1)
        time.sleep((tomorrow - now).total_seconds())


def run_sweep(worker: Worker, timeout=90) -> str:
    task_id = sweep_due_items.apply_async().id
    worker.wait_succeeded(task_id, timeout=timeout)
    return task_id


# --- A worker killed in the middle of a sweep --------------------------------------------


def test_a_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(start_worker, mail_dir):
    clear_of_midnight()
    personas = build_personas()
    cadres = cadres_with_email(personas.village, 10)
    items = due_items(personas.village, cadres, 300, timezone.localdate())

    # A worker sweeps as it starts (config.celery). One pool process, so that the kill lands in
    # the sweep and never between an e-mail leaving and its row saying so: that window (SMTP
    # and the database cannot commit together) is the one place a delivery is at-least-once,
    # as a claim left by a killed worker is sent again after STALE_CLAIM. The sweep has no
    # such window: a reminder, its notifications and the item's state commit together.
    first = start_worker(concurrency=1, name="killed")
    wait_for(
        lambda: Reminder.objects.filter(item__in=items).count() >= 20,
        timeout=60,
        interval=0.02,
        message="the sweep made its first reminders",
    )
    first.kill()
    made = Reminder.objects.filter(item__in=items).count()
    assert made < len(items), "the sweep finished before the kill: give it more items"
    assert not Notification.objects.filter(email_state=Delivery.SENDING).exists()

    # A new worker sweeps as it starts and does what the killed one did not. (The killed
    # sweep's own message is not redelivered in this test: Redis gives an unacknowledged
    # message back after its visibility timeout, an hour; the file-system broker took it off
    # its queue. Beat's next sweep is what finishes the work.)
    second = start_worker(concurrency=2, name="restarted")
    second.wait_sweeps(1)
    assert Reminder.objects.filter(item__in=items, kind=Kind.ON_DAY).count() == len(items)
    # Minutes later, beat's sweep queues again the e-mails the killed worker never queued.
    some_time_passes()
    run_sweep(second)
    wait_for(deliveries_done, timeout=90, interval=0.2, message="every e-mail delivered")

    reminders = Reminder.objects.filter(item__in=items)
    assert reminders.filter(kind=Kind.ON_DAY).count() == len(items)
    assert not reminders.values("item", "kind").annotate(n=Count("pk")).filter(n__gt=1).exists()
    per_reminder = (
        Notification.objects.filter(reminder__item__in=items)
        .values("reminder")
        .annotate(n=Count("pk"))
    )
    assert len(per_reminder) == reminders.count()
    assert {row["n"] for row in per_reminder} == {1}
    assert set(DueItem.objects.filter(pk__in=items).values_list("state", flat=True)) == {
        DueItem.State.REMINDED
    }
    assert_each_email_once(mail_dir)
    assert sum(written_emails(mail_dir).values()) >= len(items)


# --- Two sweeps at once --------------------------------------------------------------------


SWEEP_LINE = re.compile(
    r"^\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]+\] "
    r"Task contact\.sweep_due_items\[(?P<id>[0-9a-f-]+)\] (?P<event>received|succeeded)"
    r"(?: in [0-9.e-]+s: (?P<result>\{.*\}))?$"
)


def sweep_log(worker: Worker, task_id: str) -> dict:
    """When the worker received and finished the sweep, and what it returned."""
    found = {}
    for line in worker.log().splitlines():
        match = SWEEP_LINE.match(line)
        if match and match["id"] == task_id:
            at = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007
            found[match["event"]] = at
            if match["result"]:
                found["result"] = ast.literal_eval(match["result"])
    assert {"received", "succeeded", "result"} <= found.keys(), worker.log()[-3000:]
    return found


def test_two_workers_sweeping_at_once_send_nothing_twice(start_worker, mail_dir):
    clear_of_midnight()
    personas = build_personas()
    cadres = cadres_with_email(personas.village, 10)

    workers = [start_worker(concurrency=2, name="a"), start_worker(concurrency=2, name="b")]
    # Each sends a sweep as it starts (either may run it), over nothing yet.
    wait_for(lambda: sum(w.sweeps() for w in workers) >= 2, timeout=60, message="start sweeps")
    items = due_items(personas.village, cadres, 150, timezone.localdate())
    ids = [sweep_due_items.apply_async().id for _ in range(2)]
    for task_id in ids:
        wait_for(
            lambda task_id=task_id: any(w.succeeded(task_id) for w in workers),
            timeout=90,
            interval=0.1,
            message=f"sweep {task_id}",
        )
    ran_on = {task_id: next(w for w in workers if w.succeeded(task_id)) for task_id in ids}
    logs = [sweep_log(ran_on[task_id], task_id) for task_id in ids]
    # They really ran at the same time: both started before either finished ...
    assert max(log["received"] for log in logs) < min(log["succeeded"] for log in logs)
    # ... and between them recorded each reminder once.
    results = [log["result"] for log in logs]
    made = Reminder.objects.filter(item__in=items)
    assert made.filter(kind=Kind.ON_DAY).count() == len(items)
    assert all(r["items"] >= len(items) for r in results)
    assert sum(r["reminders"] for r in results) == Reminder.objects.count()
    wait_for(deliveries_done, timeout=60, interval=0.2, message="every e-mail delivered")
    assert Notification.objects.filter(reminder__item__in=items).count() == len(items)
    assert_each_email_once(mail_dir)


# --- A sweep that runs late, and a clock that jumps ------------------------------------


def test_a_late_sweep_sends_what_fell_due_once_and_a_clock_set_back_sends_nothing_again(
    start_worker, mail_dir
):
    clear_of_midnight()
    personas = build_personas()
    for cadre in (personas.cadre, personas.leader, personas.supervisor):
        cadre.email = f"{cadre.user.username}@qiquan.example.cn"
        cadre.save(update_fields=["email"])
    today = timezone.localdate()
    # No sweep has run for a month: an item due 30 days ago has had no reminder at all.
    long_overdue, due_today, due_tomorrow, due_later = (
        due_items(personas.village, [personas.cadre], 1, today + timedelta(days=days))[0]
        for days in (-30, 0, 1, 5)
    )
    ours = [long_overdue, due_today, due_tomorrow, due_later]

    def trail():
        return {
            item: set(Reminder.objects.filter(item=item).values_list("kind", flat=True))
            for item in ours
        }

    worker = start_worker(concurrency=2, name="late")
    worker.wait_sweeps(1)  # the first sweep in a month: the worker's own, as it starts
    wait_for(deliveries_done, timeout=60, interval=0.2, message="every e-mail delivered")
    # The day-before reminder of the month-old item is not sent late; the rungs reached are.
    assert trail() == {
        long_overdue: {Kind.ON_DAY, Kind.ESCALATION_1, Kind.ESCALATION_2, Kind.ESCALATION_3},
        due_today: {Kind.ON_DAY},
        due_tomorrow: {Kind.BEFORE},
        due_later: set(),
    }
    escalated = Notification.objects.filter(reminder__item=long_overdue)
    assert set(escalated.values_list("user", flat=True)) == {
        personas.cadre.user_id,
        personas.leader.user_id,  # rungs 1 (no 包村 leader: the secretary) and 2
        personas.supervisor.user_id,
    }
    assert_each_email_once(mail_dir)
    before = set(Notification.objects.values_list("pk", flat=True))

    # The next sweep finds nothing new.
    run_sweep(worker)
    assert trail()[long_overdue] == {
        Kind.ON_DAY,
        Kind.ESCALATION_1,
        Kind.ESCALATION_2,
        Kind.ESCALATION_3,
    }
    assert set(Notification.objects.values_list("pk", flat=True)) == before

    # The clock is set back a day, then three: nothing that was sent goes again. Yesterday,
    # the item due today was due tomorrow; its day-before reminder is overtaken, not sent.
    now = timezone.now()
    for days in (1, 3):
        sweep(now=now - timedelta(days=days))
    flush_publisher()
    assert trail() == {
        long_overdue: {Kind.ON_DAY, Kind.ESCALATION_1, Kind.ESCALATION_2, Kind.ESCALATION_3},
        due_today: {Kind.ON_DAY},
        due_tomorrow: {Kind.BEFORE},
        due_later: set(),
    }
    new = Notification.objects.exclude(pk__in=before)
    # Only the digests of the days the clock went back to, which had none.
    assert set(new.values_list("kind", flat=True)) <= {Notification.Kind.DIGEST}
    wait_for(deliveries_done, timeout=60, interval=0.2, message="every e-mail delivered")
    assert_each_email_once(mail_dir)


# --- The broker is down ------------------------------------------------------------------


@pytest.fixture
def place_with_email():
    place = build_place()
    place.cadre.email = "zhangli@qiquan.example.cn"
    place.cadre.save(update_fields=["email"])
    place.leader.email = "wangchenglong@qiquan.example.cn"
    place.leader.save(update_fields=["email"])
    ReminderSettings.objects.get_or_create(county=place.county)
    return place


def save_a_visit(client, place) -> float:
    """Post a visit with a demand raised and a next step due tomorrow; returns how long it took."""
    client.force_login(place.cadre.user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = visit_post(
        place,
        demands_raised="村道路灯坏了",
        next_step="送低保申请表",
        next_step_date=tomorrow.strftime("%Y-%m-%d"),
    )
    started = time.monotonic()
    response = client.post(reverse("contact:visit_create"), data)
    took = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    return took


def assign_the_demand(client, place) -> float:
    """The leader assigns the visit's demand to 张丽 (交办), who is notified on commit."""
    demand = Demand.objects.get()
    client.force_login(place.leader.user)
    started = time.monotonic()
    response = client.post(
        reverse("ledgers:demand_action", args=[demand.pk, "assign"]),
        {"handler_cadre": place.cadre.pk, "instructions": "本周内修好"},
    )
    took = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    return took


def assert_nothing_lost(place):
    visit = Visit.objects.get()
    demand = Demand.objects.get(visit=visit)
    assert demand.handler_cadre == place.cadre
    notification = Notification.objects.get(user=place.cadre.user, key__startswith="assigned:")
    assert notification.email_state == Delivery.PENDING
    step = DueItem.objects.get(kind=DueItem.Kind.NEXT_STEP, source_id=visit.pk)
    assert step.is_open
    return notification, step


def back_up_and_swept(start_worker, mail_dir, notification, step):
    """The broker is back: a worker starts, beat's sweep runs minutes later, all goes out once."""
    some_time_passes()
    worker = start_worker(concurrency=2, name="after")
    worker.wait_sweeps(1)  # its own sweep as it starts
    wait_for(deliveries_done, timeout=60, interval=0.2, message="every e-mail delivered")
    notification.refresh_from_db()
    assert notification.email_state == Delivery.SENT
    assert set(step.reminders.values_list("kind", flat=True)) == {Kind.BEFORE}
    assert_each_email_once(mail_dir)
    written = written_emails(mail_dir)
    assert sum(n for key, n in written.items() if key[1] == notification.title) == 1
    step_title = Notification.objects.get(reminder__item=step).title
    assert sum(n for key, n in written.items() if key[1] == step_title) == 1


@pytest.fixture
def proxy(broker):
    """The test process reaches Redis through a proxy the test can take down."""
    if not broker.is_redis:
        pytest.fail("the proxy tests run with REDIS_URL")
    parts = urlsplit(broker.redis_url)
    found = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    proxied = parts._replace(netloc=f"127.0.0.1:{found.port}").geturl()
    point_app_at(proxied, broker.transport_options(), broker.queue)
    yield found
    found.up()  # what the publisher still holds goes out before the broker fixture resets
    try:
        flush_publisher(timeout=60)
    finally:
        found.close()


def fault_test(redis: bool):
    """The Redis leg runs the proxy tests, the SQLite leg the file-system ones: none is skipped."""

    def keep(test):
        return test if bool(settings.REDIS_URL) == redis else None

    return keep


@fault_test(redis=True)
@pytest.mark.parametrize("fault", ["down", "hang"])
def test_redis_down_or_hanging_a_visit_is_saved_fast_and_its_email_sent_once_later(
    fault,
    proxy,
    client,
    place_with_email,
    start_worker,
    mail_dir,
    caplog,
):
    getattr(proxy, fault)()
    for took in (
        save_a_visit(client, place_with_email),
        assign_the_demand(client, place_with_email),
    ):
        assert took < 2, f"the request took {took:.1f}s with the broker {fault}"
    notification, step = assert_nothing_lost(place_with_email)
    if fault == "hang":
        # The publish really hangs (in the request, it would have held the answer).
        with pytest.raises(AssertionError):
            flush_publisher(timeout=3)
    else:
        flush_publisher()
        assert "Could not queue contact.deliver_notification" in caplog.text
    proxy.up()
    back_up_and_swept(start_worker, mail_dir, notification, step)


@fault_test(redis=False)
def test_file_system_broker_gone_a_visit_is_saved_fast_and_its_email_sent_once_later(
    broker, client, place_with_email, start_worker, mail_dir, caplog
):
    away = broker.folder.with_name("queue-away")
    broker.folder.rename(away)  # the broker's folder is gone: every publish fails
    try:
        took = [save_a_visit(client, place_with_email), assign_the_demand(client, place_with_email)]
        flush_publisher()
    finally:
        away.rename(broker.folder)
    assert max(took) < 2, f"the requests took {took} s with the broker gone"
    assert "Could not queue contact.deliver_notification" in caplog.text
    notification, step = assert_nothing_lost(place_with_email)
    back_up_and_swept(start_worker, mail_dir, notification, step)


@fault_test(redis=False)
def test_a_message_half_written_by_a_killed_process_does_not_stop_the_next_worker(
    broker, start_worker
):
    # What a process killed between creating a message file and writing it leaves behind
    # (kombu's own transport; config.broker renames a message into place once written).
    (broker.folder / f"0_{uuid.uuid4()}.{broker.queue}.msg").write_bytes(b"")
    worker = start_worker(concurrency=1, name="after-half-a-message")
    worker.wait_sweeps(1)
    assert worker.process.poll() is None
    assert "Dropped an unreadable message" in worker.log()
