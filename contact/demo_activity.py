"""A year of contact work for the demo county: pairings, visits, help, reception days, boxes.

Built on the demo registry and cadres (households.demo, contact.demo). The
texts follow the seeds: 民情记录簿 entries like 张冬's (seed 000), 暖冬行动
assistance like "3 bags of fertiliser and 500 yuan" (seed 001), 五访五问
(seed 002), 访三老·走三户 (seed 003), the Wednesday market-day reception and
the suggestion box (seed 004). Deliberate gaps are left for the coverage page:
a village with no 包村 cadre, a cadre with no village, must-visit households
with nobody paired.
"""

import io
import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from contact.models import (
    Assistance,
    Cadre,
    HelpPlan,
    Pairing,
    PromisedHelp,
    ReceptionDuty,
    ReceptionSchedule,
    ResidentMessage,
    SuggestionBox,
    SuggestionBoxOpening,
    Visit,
    VisitPhoto,
)
from contact.photos import process_photo
from households.models import Area, Household

SITUATIONS = {
    "needy": [
        "家中{n}口人，主要靠外出务工维持生活，妻子长年有病，看病开支大。",
        "老人独居，身体尚可，冬季取暖有困难，棉被不够。",
        "房屋年久失修，雨天漏水，屋内杂物较多，卫生条件较差。",
        "孩子在外打工，每月寄回少量生活费，家里缺少劳动力。",
        "低保已按时发放，反映药费报销手续繁琐。",
    ],
    "resident": [
        "反映通组路年久失修，雨天泥泞，出行不便。",
        "反映小区化粪池堵塞，污水外流，影响环境卫生。",
        "对村里环境整治表示满意，建议增设垃圾收集点。",
        "反映灌溉渠道淤堵，影响小春生产。",
    ],
    "branch": [
        "与村支部书记交流组织建设情况，党员大会按时召开，个别流动党员联系不畅。",
        "了解支部“三会一课”落实情况，建议加强年轻党员培养。",
    ],
    "enterprise": [
        "走访荷花种植基地，了解用工情况，基地可吸纳本村劳动力二十余人。",
        "走访农民专业合作社，反映产品销路和贷款困难。",
    ],
    "service_user": [
        "到便民服务中心了解办事群众评价，反映证照办理时间较长。",
        "群众反映窗口工作人员态度较好，但周末无人值班。",
    ],
    "three_elders": [
        "看望老党员，老人身体硬朗，关心村里发展，提出修路建议。",
        "拜访老干部，听取对村两委工作的意见。",
        "看望老模范，了解生活情况，老人对现状满意。",
    ],
    "three_households": [
        "走访致富能手，了解蔬菜种植经验，愿意带动周边农户。",
        "走访信访户，耐心听取诉求，解释相关政策，情绪较为稳定。",
        "走访困难户，了解就业、收支、家庭成员等情况，商量帮扶计划。",
    ],
    "routine": [
        "了解家庭就业、收支、成员组成等情况，家庭生活基本稳定。",
        "询问近期生产生活情况，在荷花基地锄草，身体吃得消。",
        "孩子上学情况良好，家里种植水稻和蔬菜。",
    ],
    "condolence": [
        "暖冬行动走访慰问，了解过冬准备情况。",
        "春节前走访慰问，送去慰问品，家中过年物资基本齐备。",
    ],
    "follow_up": [
        "回访上次反映的问题，已协调解决，群众表示满意。",
        "跟进帮扶计划落实情况，房屋修缮已开工。",
    ],
}
ACTIONS = [
    "帮助清除屋内杂物，并对房间进行了打扫。",
    "现场解释政策，答应向镇上反映。",
    "与其家属交流帮扶计划，帮扶重点放在房屋修缮、家具配置更新上。",
    "协调村委会安排人员疏通，限期处理。",
    "帮助联系就业岗位，推荐到荷花基地务工。",
    "记录诉求，交镇党政办登记办理。",
    "送去慰问品，叮嘱注意保暖和用火安全。",
    "",
]
DEMANDS = ["通组路损坏，请求修复", "申请危房改造补助", "申请临时救助", "灌溉渠淤堵，请求清理"]
HELP_PLANS = [
    ("房屋修缮", "帮扶重点放在房屋修缮、家具配置更新上；协调危房改造补助。"),
    ("发展蔬菜和生猪", "提供种苗和技术指导，帮助发展蔬菜和生猪养殖，增加收入。"),
    ("就业帮扶", "推荐就近务工岗位，参加技能培训。"),
    ("医疗救助", "协助办理大病医疗救助和慢性病报销。"),
    ("教育帮扶", "落实子女教育资助，联系结对助学。"),
]
PROMISES = [
    "每月至少走访一次",
    "协助办理低保复核",
    "帮助联系就业岗位",
    "协调房屋修缮",
    "逢年过节走访慰问",
]


def _aware(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _demo_photos(rng: random.Random, count: int) -> list:
    """A few generated courtyard 'photos': coloured scenes, run through the real photo pipeline."""
    photos = []
    for i in range(count):
        image = Image.new(
            "RGB", (1600, 1200), (120 + rng.randint(0, 80), 150 + rng.randint(0, 60), 110)
        )
        draw = ImageDraw.Draw(image)
        draw.rectangle((200, 500, 1400, 1100), fill=(180, 160, 130))  # a house
        draw.polygon([(150, 520), (800, 150), (1450, 520)], fill=(120, 60, 50))  # its roof
        draw.rectangle((700, 750, 900, 1100), fill=(90, 60, 40))  # a door
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        photos.append(process_photo(SimpleUploadedFile(f"demo{i}.jpg", out.getvalue())))
    return photos


def build_activity(county: Area, *, seed: int = 2012, today: date | None = None) -> dict[str, int]:
    """Create the year of activity; call once, on a county that has households and cadres."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    year_ago = today - timedelta(days=365)
    counts = dict.fromkeys(
        ["pairings", "visits", "photos", "help_plans", "assistance", "duties", "openings"], 0
    )

    townships = list(Area.objects.within(county).filter(level=Area.Level.TOWNSHIP))
    for township in townships:
        villages = list(Area.objects.within(township).filter(level=Area.Level.VILLAGE))
        cadres = list(
            Cadre.objects.filter(scope_area__code__startswith=township.code).select_related(
                "scope_area"
            )
        )
        leaders = [c for c in cadres if c.rank == Cadre.Rank.TOWNSHIP_LEADER]
        village_cadres = [c for c in cadres if c.scope_area.level == Area.Level.VILLAGE]
        township_staff = [
            c
            for c in cadres
            if c.scope_area_id == township.pk and c.rank != Cadre.Rank.TOWNSHIP_LEADER
        ]

        # 包村 / 挂点: each leader is the contact point of the township; each village cadre covers
        # their village. The last village of each township is left without, for the coverage page.
        for leader in leaders:
            Pairing.objects.create(
                kind=Pairing.Kind.POINT, cadre=leader, area=township, start_date=year_ago
            )
            counts["pairings"] += 1
        covered = villages[:-1] if len(villages) > 1 else villages
        for village in covered:
            cadre = next((c for c in village_cadres if c.scope_area_id == village.pk), None)
            if cadre is None and township_staff:
                cadre = rng.choice(township_staff)
            if cadre is not None:
                Pairing.objects.create(
                    kind=Pairing.Kind.VILLAGE, cadre=cadre, area=village, start_date=year_ago
                )
                counts["pairings"] += 1

        # 包户 / 一帮一: each village cadre takes the village's households in difficulty and
        # must-visit households first, then some ordinary ones; a few are left unpaired.
        household_pairings = []
        for cadre in village_cadres:
            households = list(
                Household.objects.filter(area__code__startswith=cadre.scope_area.code)
                .exclude(pairings__end_date__isnull=True, pairings__kind=Pairing.Kind.HOUSEHOLD)
                .prefetch_related("categories")
                .order_by("pk")
            )
            priority = [
                h
                for h in households
                if any(c.in_difficulty or c.must_visit for c in h.categories.all())
            ]
            others = [h for h in households if h not in priority]
            chosen = priority[: max(1, len(priority) - 2)] + rng.sample(
                others, min(len(others), 12)
            )
            for household in chosen:
                start = year_ago + timedelta(days=rng.randint(0, 60))
                pairing = Pairing.objects.create(
                    kind=Pairing.Kind.HOUSEHOLD, cadre=cadre, household=household, start_date=start
                )
                promises = rng.sample(PROMISES, 2)
                PromisedHelp.objects.bulk_create(
                    [
                        PromisedHelp(
                            pairing=pairing,
                            description=p,
                            delivered_on=start + timedelta(days=40)
                            if i == 0 and rng.random() < 0.5
                            else None,
                        )
                        for i, p in enumerate(promises)
                    ]
                )
                household_pairings.append(pairing)
        counts["pairings"] += len(household_pairings)

        # The 民情日志: visits at each household's cadence, with jitter; some households overdue.
        visits = []
        for pairing in household_pairings:
            household, cadre = pairing.household, pairing.cadre
            cadence = household.visit_cadence_days
            in_difficulty = any(c.in_difficulty for c in household.categories.all())
            day = pairing.start_date + timedelta(days=rng.randint(1, min(cadence, 14)))
            overdue = rng.random() < 0.12
            stop = today - timedelta(days=cadence + rng.randint(5, 30)) if overdue else today
            while day <= stop:
                purpose = rng.choice(
                    ["needy", "condolence", "follow_up", "three_households"]
                    if in_difficulty
                    else ["routine", "resident", "three_elders", "routine"]
                )
                if day.month in (1, 2, 12) and in_difficulty and rng.random() < 0.5:
                    purpose = "condolence"
                situation = rng.choice(SITUATIONS[purpose]).format(n=household.members.count() or 3)
                visits.append(
                    Visit(
                        cadre=cadre,
                        household=household,
                        area=household.village,
                        visited_at=_aware(day, rng.randint(8, 17), rng.choice([0, 15, 30, 45])),
                        method=rng.choices(["home", "phone", "message"], weights=[8, 2, 1])[0],
                        purpose=purpose,
                        met_whom=household.head_name,
                        place="家中",
                        situation=situation,
                        action=rng.choice(ACTIONS),
                        demands_raised=rng.choice(DEMANDS) if rng.random() < 0.08 else "",
                        idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
                    )
                )
                day += timedelta(days=max(3, cadence + rng.randint(-5, 10)))
        Visit.objects.bulk_create(visits, batch_size=500)
        counts["visits"] += len(visits)

        # Keep each pairing's due date as the services would have.
        last_by_household = {}
        for visit in visits:
            previous = last_by_household.get(visit.household_id)
            if previous is None or visit.visited_at > previous:
                last_by_household[visit.household_id] = visit.visited_at
        for pairing in household_pairings:
            last = last_by_household.get(pairing.household_id)
            cadence = pairing.household.visit_cadence_days
            pairing.last_visit_at = last
            pairing.next_visit_due = (
                timezone.localdate(last) + timedelta(days=cadence)
                if last
                else pairing.start_date + timedelta(days=min(cadence, 14))
            )
        Pairing.objects.bulk_update(
            household_pairings, ["last_visit_at", "next_visit_due"], batch_size=500
        )

        # Help plans for households in difficulty; assistance handed over on condolence visits.
        assistance = []
        for pairing in household_pairings:
            household = pairing.household
            if not any(c.in_difficulty for c in household.categories.all()):
                continue
            goal, measures = rng.choice(HELP_PLANS)
            plan = HelpPlan.objects.create(
                household=household,
                goal=goal,
                measures=measures,
                responsible=pairing.cadre,
                target_date=today + timedelta(days=rng.randint(-60, 180)),
                status=rng.choice(list(HelpPlan.Status.values[:3])),
            )
            counts["help_plans"] += 1
            for visit in (
                v for v in visits if v.household_id == household.pk and v.purpose == "condolence"
            ):
                when = timezone.localdate(visit.visited_at)
                if rng.random() < 0.5:
                    # Seed 001: "接过3包化肥和500元现金".
                    assistance += [
                        Assistance(
                            household=household,
                            visit=visit,
                            help_plan=plan,
                            date=when,
                            kind="goods",
                            description="化肥",
                            quantity=Decimal(3),
                            unit="袋",
                            value_yuan=Decimal(360),
                            given_by=pairing.cadre,
                        ),
                        Assistance(
                            household=household,
                            visit=visit,
                            help_plan=plan,
                            date=when,
                            kind="cash",
                            description="现金",
                            quantity=Decimal(500),
                            unit="元",
                            value_yuan=Decimal(500),
                            given_by=pairing.cadre,
                        ),
                    ]
                else:
                    assistance.append(
                        Assistance(
                            household=household,
                            visit=visit,
                            date=when,
                            kind="goods",
                            description=rng.choice(["大米、食用油", "棉被", "慰问品"]),
                            quantity=Decimal(rng.choice([1, 2])),
                            unit=rng.choice(["份", "床", "袋"]),
                            value_yuan=Decimal(rng.choice([200, 300, 400])),
                            given_by=pairing.cadre,
                        )
                    )
        Assistance.objects.bulk_create(assistance, batch_size=500)
        counts["assistance"] += len(assistance)

        # Reception day: every Wednesday, market day, a leader on duty (seed 004).
        if leaders:
            schedule = ReceptionSchedule.objects.create(
                area=township, weekday=2, place=f"{township.name}便民服务中心", note="赶集天"
            )
            first = today - timedelta(days=(today.weekday() - 2) % 7 + 7 * 12)
            reception_visits = []
            for week in range(16):
                day = first + timedelta(weeks=week)
                duty = ReceptionDuty.objects.create(
                    schedule=schedule, date=day, leader=leaders[week % len(leaders)]
                )
                counts["duties"] += 1
                if day >= today:
                    continue
                for _ in range(rng.randint(0, 3)):
                    village = rng.choice(villages)
                    reception_visits.append(
                        Visit(
                            cadre=duty.leader,
                            area=village,
                            reception_duty=duty,
                            visited_at=_aware(day, rng.randint(9, 11), rng.choice([0, 20, 40])),
                            method="reception",
                            purpose="resident",
                            met_whom=f"{village.name}群众",
                            place=schedule.place,
                            situation=rng.choice(SITUATIONS["resident"]),
                            action="当场登记，组织干部到实地查看，及时上报解决。",
                            idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
                        )
                    )
            Visit.objects.bulk_create(reception_visits)
            counts["visits"] += len(reception_visits)

        # A suggestion box at the service centre, opened every two weeks by two keyholders.
        keyholders = (township_staff or leaders)[:2]
        if keyholders:
            box = SuggestionBox.objects.create(
                area=township, place=f"{township.name}便民服务中心门口", opening_interval_days=14
            )
            box.keyholders.set(keyholders)
            for n in range(12, 0, -1):
                opened = _aware(today - timedelta(days=14 * n), 16, 0)
                opening = SuggestionBoxOpening.objects.create(
                    box=box, opened_at=opened, opinion_count=rng.randint(0, 5)
                )
                opening.opened_by.set(keyholders)
                counts["openings"] += 1
                Visit.objects.bulk_create(
                    [
                        Visit(
                            cadre=keyholders[0],
                            area=township,
                            box_opening=opening,
                            visited_at=opened,
                            method="box",
                            purpose="service_user",
                            situation=rng.choice(
                                SITUATIONS["service_user"] + SITUATIONS["resident"]
                            ),
                            action="登记转交相关站所办理。",
                            idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
                        )
                        # One opinion of each opening is not logged yet, where there are several.
                        for _ in range(
                            max(0, opening.opinion_count - (1 if opening.opinion_count > 2 else 0))
                        )
                    ]
                )

        if household_pairings:
            pairing = rng.choice(household_pairings)
            ResidentMessage.objects.create(
                pairing=pairing,
                name=pairing.household.head_name,
                text="家门口的路灯坏了，晚上出门不方便，麻烦帮忙反映一下。",
            )

    # A few photos on recent home visits, through the real pipeline (re-encoded, no EXIF).
    recent = list(
        Visit.objects.filter(area__code__startswith=county.code, method="home").order_by(
            "-visited_at"
        )[:12]
    )
    for visit, photo in zip(recent, _demo_photos(rng, len(recent)), strict=False):
        VisitPhoto.objects.create(
            visit=visit,
            image=photo.image,
            thumbnail=photo.thumbnail,
            width=photo.width,
            height=photo.height,
        )
        counts["photos"] += 1
    return counts
