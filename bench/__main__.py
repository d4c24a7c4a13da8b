"""Speed and memory of the pages cadres and supervisors use most, as ratios to a baseline.

Run with `make bench`. It builds the demo county in a throw-away SQLite
database under var/bench/, then times each scenario against the baseline of
the same run (the login page, the cheapest page that still goes through
every middleware), so the numbers mean the same on a slow or a fast machine.
Query counts are absolute: a page must not issue more queries as the
county grows.

Exit status 1 if any target is missed.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / "var"))
os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
os.environ.pop("REDIS_URL", None)
os.environ["VAR_DIR"] = str(workdir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

# (name, target ratio to the baseline's median time, maximum queries)
TARGETS = {
    "household list, county supervisor": (20.0, 16),
    "household search by pinyin initials": (25.0, 16),
    # Both pages carry the ledgers' panels (a household's open demands and entries;
    # entries the office returned to the cadre): a fixed few queries, whatever the county's size.
    "household detail with timeline": (20.0, 34),
    "cadre home: my households": (20.0, 26),
    "my 民情日志, one month": (12.0, 15),
    # A visit also closes the household's due visit and opens the next, in its transaction.
    "log a visit (POST)": (12.0, 36),
    "admin household changelist": (30.0, 20),
    "demand list, county supervisor": (20.0, 16),
    # Seed 004's figures are counted live from a year of the county's events (8 figures
    # for the county and each township): the heaviest page, read by supervisors.
    "demand figures, county, this year": (100.0, 25),
    "demand page with its trail": (15.0, 25),
    "review queue (admin demands)": (30.0, 25),
    "ledger xlsx, one village and month": (20.0, 20),
    # Beat runs the sweep every few minutes; once the day's reminders are out, a sweep
    # over the whole county's open items must cost a few batched queries, not one per item.
    "reminder sweep with nothing new": (60.0, 20),
    "notifications, one page": (12.0, 12),
}
# Peak memory of exporting every member of the county, relative to exporting one township
# (both several read chunks long): the roster is written row by row, so five times the
# rows must not cost much more memory.
MEMORY_TARGET = 2.0
REPEAT = 15


def timed(client, method, url, data=None):
    samples, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            samples.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(samples), queries


def main() -> int:
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo", password="Bench2026pass", verbosity=0)
    from contact.models import Cadre, Visit
    from households.models import Area, Household

    User = django.contrib.auth.get_user_model()
    User.objects.update(password="")
    for user in User.objects.all():
        user.set_password("Bench2026pass")
        user.save(update_fields=["password"])
    Cadre.objects.update(must_change_password=False)

    anonymous = Client()
    baseline, _ = timed(anonymous, "get", reverse("login"))

    supervisor, cadre_client = Client(), Client()
    supervisor.force_login(User.objects.get(username="ducha"))
    cadre_user = User.objects.get(username="zhangli")
    cadre_client.force_login(cadre_user)
    household = (
        Household.objects.visible_to(cadre_user).filter(pairings__cadre__user=cadre_user).first()
    )
    admin_client = Client()
    admin_client.force_login(User.objects.get(username="admin_cz"))

    results = {}
    results["household list, county supervisor"] = timed(
        supervisor, "get", reverse("households:list")
    )
    results["household search by pinyin initials"] = timed(
        supervisor, "get", reverse("households:list") + "?q=zs"
    )
    results["household detail with timeline"] = timed(
        cadre_client, "get", household.get_absolute_url()
    )
    results["cadre home: my households"] = timed(cadre_client, "get", reverse("home"))
    results["my 民情日志, one month"] = timed(cadre_client, "get", reverse("contact:my_log"))
    results["admin household changelist"] = timed(
        admin_client, "get", reverse("admin:households_household_changelist")
    )
    from ledgers.models import Demand

    results["demand list, county supervisor"] = timed(
        supervisor, "get", reverse("ledgers:demand_list")
    )
    results["demand figures, county, this year"] = timed(
        supervisor, "get", reverse("ledgers:demand_figures") + "?period=this_year"
    )
    demand = Demand.objects.order_by("-reopen_count", "-pk").first()
    results["demand page with its trail"] = timed(supervisor, "get", demand.get_absolute_url())
    reviewer = Client()
    reviewer.force_login(User.objects.get(username="qq_dangzhengban"))
    results["review queue (admin demands)"] = timed(
        reviewer, "get", reverse("admin:ledgers_demand_changelist")
    )
    village = Area.objects.get(code=demand.area.code[:12])
    month = django.utils.timezone.localdate().strftime("%Y-%m")
    results["ledger xlsx, one village and month"] = timed(
        supervisor,
        "get",
        reverse("ledgers:ledger_xlsx", args=["demands"]) + f"?village={village.pk}&month={month}",
    )

    from contact.reminders import sweep

    sweep()  # the day's reminders and digests go out; the next sweep finds nothing new
    samples, queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = sweep()
            samples.append(time.perf_counter() - start)
        assert result.reminders == 0, result
        queries = len(ctx.captured_queries)
    results["reminder sweep with nothing new"] = (statistics.median(samples), queries)
    results["notifications, one page"] = timed(
        cadre_client, "get", reverse("contact:notifications")
    )

    import uuid

    def post_visit():
        return {
            "idempotency_key": str(uuid.uuid4()),
            "household": household.pk,
            "visited_at": django.utils.timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "method": "home",
            "purpose": "routine",
            "situation": "基准测试走访",
            "assist-TOTAL_FORMS": "0",
            "assist-INITIAL_FORMS": "0",
        }

    samples, queries = [], 0
    for _ in range(REPEAT):
        data = post_visit()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = cadre_client.post(reverse("contact:visit_create"), data)
            samples.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
        queries = len(ctx.captured_queries)
    results["log a visit (POST)"] = (statistics.median(samples), queries)
    Visit.objects.filter(situation="基准测试走访").delete()

    township = Area.objects.filter(level=Area.Level.TOWNSHIP).first()
    peaks = {}
    for label, query in (
        ("township", f"?area={township.pk}&what=members"),
        ("county", "?what=members"),
    ):
        tracemalloc.start()
        response = admin_client.get(reverse("households:export") + query)
        assert response.status_code == 200
        peaks[label] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    failed = False
    print(f"baseline (login page): {baseline * 1000:.1f} ms")
    print(f"{'scenario':42} {'ms':>8} {'ratio':>7} {'target':>7} {'queries':>8} {'max':>5}")
    for name, (seconds, queries) in results.items():
        ratio_target, max_queries = TARGETS[name]
        ratio = seconds / baseline
        ok = ratio <= ratio_target and queries <= max_queries
        failed |= not ok
        print(
            f"{name:42} {seconds * 1000:8.1f} {ratio:7.1f} {ratio_target:7.1f} {queries:8d} {max_queries:5d}"
            f"{'' if ok else '  MISSED'}"
        )
    memory_ratio = peaks["county"] / max(peaks["township"], 1)
    memory_ok = memory_ratio <= MEMORY_TARGET
    failed |= not memory_ok
    print(
        f"member export peak memory: township {peaks['township'] / 1e6:.1f} MB, county {peaks['county'] / 1e6:.1f} MB,"
        f" ratio {memory_ratio:.1f} (target {MEMORY_TARGET}){'' if memory_ok else '  MISSED'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
