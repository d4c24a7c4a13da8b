"""The demo county's cadres: one account for every rank and role, in every township of 崇州市.

Built on the registry of `households.demo`. The named personas, with fixed
user names that tests, the benchmark and the README rely on (user name —
name, post, role, scope):

- ``zhangli`` — 张丽, 桤泉镇 cadre who visits 向朝清 (seed 000); 干部; 群安村
- ``zhangdong`` — 张冬, 桤泉镇 cadre who keeps a 民情记录簿 (seed 000); 干部; 金桂村
- ``wangchenglong`` — 王成龙, 桤泉镇 party secretary (seed 000); 乡镇领导; 桤泉镇
- ``qq_dangzhengban`` — 李秀英, head of 桤泉镇's party office; 党政办; 桤泉镇
- ``ducha`` — 陈建国, the county's inspection group (督查组); 督查; 崇州市
- ``admin_cz`` — 周敏, administrator at the county's 组织部; 管理员; 崇州市
- ``outsider`` — 赵志刚, a 羊马街道 cadre who must see nothing of 桤泉镇; 干部; 泉水村

Besides them: a deputy party secretary of the county (市级领导) and a
discipline-inspection officer (纪委), both supervisors; the head of the
county's petitions bureau (``cz_xinfang``, 信访局), with the leader role at
county level, who assigns the demands townships escalate to the county; in each township a
party secretary (``<t>_shuji``) and a party-office reviewer
(``<t>_dangzhengban``), where <t> is qq 桤泉镇, cy 崇阳街道, ym 羊马街道,
bt 白头镇, jz 街子镇; and for each village or community one cadre whose
scope is that village: a township cadre (包村干部), a first secretary sent
by a county department, a village or community secretary, or a community
police officer. Their user names are the pinyin of their names.

Every account gets the same password, passed in, and must change it at
first sign-in.
"""

from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from pypinyin import lazy_pinyin

from contact.models import Cadre
from contact.roles import Role
from contact.services import cadre_create
from households.models import Area

Rank = Cadre.Rank

# Township code → (user-name prefix, is a 街道).
TOWNSHIPS = {
    "510184001": ("cy", True),
    "510184002": ("ym", True),
    "510184104": ("qq", False),
    "510184106": ("bt", False),
    "510184112": ("jz", False),
}

# Party secretaries and party-office heads of the townships other than 桤泉镇.
TOWNSHIP_LEADERS = {
    "cy": ("黄志刚", "邓晓燕"),
    "ym": ("罗建平", "何静"),
    "bt": ("唐国平", "曾红梅"),
    "jz": ("彭世勇", "谢丹"),
}

# The cadres who answer for one village each, in the order the villages come.
VILLAGE_CADRE_NAMES = [
    "刘涛", "王琴", "杨勇", "陈敏", "吴斌", "胡蓉", "徐波", "周丽君", "任鹏", "付燕",
    "钟磊", "冯婷", "高洪", "苏娟", "袁小龙", "雷霞", "邱亮", "蔡倩", "文川", "宋莉",
    "熊凯", "汪洁", "江阳", "田雪", "赖毅", "姚玲", "敬超", "游欢", "秦俊", "母佳",
]  # fmt: skip

# County departments that send first secretaries (第一书记) to villages.
DEPARTMENTS = [
    "崇州市农业农村局",
    "崇州市交通运输局",
    "崇州市卫生健康局",
    "崇州市民政局",
    "崇州市水务局",
]


@dataclass(frozen=True)
class CadreSpec:
    username: str
    name: str
    unit: str
    post: str
    rank: str
    scope: str  # area code
    roles: tuple[Role, ...] = (Role.CADRE,)


def _county_specs(county: Area) -> list[CadreSpec]:
    c = county.code
    return [
        CadreSpec("admin_cz", "周敏", "中共崇州市委组织部", "系统管理员", Rank.DEPARTMENT, c, (Role.ADMINISTRATOR,)),
        CadreSpec("ducha", "陈建国", "崇州市委督查室", "督查专员", Rank.DEPARTMENT, c, (Role.SUPERVISOR,)),
        CadreSpec("cz_fushuji", "何志远", "中共崇州市委", "市委副书记", Rank.CITY_LEADER, c, (Role.SUPERVISOR,)),
        CadreSpec("cz_jiwei", "罗文华", "崇州市纪委监委", "党风政风监督室主任", Rank.MIDDLE, c, (Role.SUPERVISOR,)),
        # The leader role at county level: assigns demands the townships escalate (上报) to the county.
        CadreSpec("cz_xinfang", "高建平", "崇州市信访局", "局长", Rank.DEPARTMENT, c, (Role.TOWNSHIP_LEADER,)),
    ]  # fmt: skip


def _qiquan_specs() -> list[CadreSpec]:
    """桤泉镇 as seed 000 tells of it."""
    t, gov = "510184104", "桤泉镇人民政府"
    return [
        CadreSpec("wangchenglong", "王成龙", "中共桤泉镇委员会", "党委书记", Rank.TOWNSHIP_LEADER, t, (Role.TOWNSHIP_LEADER,)),
        CadreSpec("qq_zhenzhang", "杨光明", gov, "镇长", Rank.TOWNSHIP_LEADER, t, (Role.TOWNSHIP_LEADER,)),
        CadreSpec("qq_dangzhengban", "李秀英", "桤泉镇党政办", "党政办主任", Rank.MIDDLE, t, (Role.REVIEWER,)),
        CadreSpec("qq_paichusuo", "罗勇", "崇州市公安局桤泉派出所", "社区民警", Rank.POLICE, "510184104001"),
        CadreSpec("zhangli", "张丽", gov, "镇干部（包村）", Rank.TOWNSHIP, "510184104201"),
        CadreSpec("dujieyu", "杜婕妤", gov, "镇干部（包村）", Rank.TOWNSHIP, "510184104201"),
        CadreSpec("zhangdong", "张冬", gov, "镇干部（包村）", Rank.TOWNSHIP, "510184104202"),
        CadreSpec("xupeng", "徐鹏", "崇州市农业农村局", "驻村第一书记", Rank.FIRST_SECRETARY, "510184104203"),
        CadreSpec("lindeyong", "林德勇", "林秀村村民委员会", "村党支部书记", Rank.VILLAGE, "510184104204"),
        CadreSpec("yuchenggui", "余成贵", "新建村村民委员会", "村委会主任", Rank.VILLAGE, "510184104205"),
    ]  # fmt: skip


def _township_specs(township: Area, villages: list[Area], names: list[str]) -> list[CadreSpec]:
    prefix, is_street = TOWNSHIPS[township.code]
    secretary, office_head = TOWNSHIP_LEADERS[prefix]
    t = township.code
    if is_street:
        party, gov, secretary_post = (
            f"中共崇州市{township.name}工作委员会",
            f"{township.name}办事处",
            "党工委书记",
        )
    else:
        party, gov, secretary_post = (
            f"中共{township.name}委员会",
            f"{township.name}人民政府",
            "党委书记",
        )
    specs = [
        CadreSpec(f"{prefix}_shuji", secretary, party, secretary_post, Rank.TOWNSHIP_LEADER, t, (Role.TOWNSHIP_LEADER,)),
        CadreSpec(f"{prefix}_dangzhengban", office_head, f"{township.name}党政办", "党政办主任", Rank.MIDDLE, t, (Role.REVIEWER,)),
    ]  # fmt: skip
    first_village = next((v for v in villages if v.code[-3] != "0"), None)
    first_community = next((v for v in villages if v.code[-3] == "0"), None)
    for i, village in enumerate(villages):
        if prefix == "ym" and village.code == "510184002201":
            specs.append(
                CadreSpec(
                    "outsider", "赵志刚", gov, "街道干部（包村）", Rank.TOWNSHIP, village.code
                )
            )
            continue
        name = names.pop(0)
        if village == first_community:
            unit, post, rank = f"崇州市公安局{township.name[:2]}派出所", "社区民警", Rank.POLICE
        elif village == first_village:
            unit = DEPARTMENTS[len(names) % len(DEPARTMENTS)]
            post, rank = "驻村第一书记", Rank.FIRST_SECRETARY
        elif i % 2:
            unit, post, rank = gov, "包村干部", Rank.TOWNSHIP
        elif village.code[-3] == "0":
            unit, post, rank = f"{village.name}居民委员会", "社区党委书记", Rank.VILLAGE
        else:
            unit, post, rank = f"{village.name}村民委员会", "村党支部书记", Rank.VILLAGE
        specs.append(CadreSpec("", name, unit, post, rank, village.code))
    return specs


def demo_cadre_specs(county: Area) -> list[CadreSpec]:
    """Every demo account, county first, then township by township."""
    specs = _county_specs(county)
    names = list(VILLAGE_CADRE_NAMES)
    for township in Area.objects.within(county).filter(level=Area.Level.TOWNSHIP):
        if township.code == "510184104":
            specs += _qiquan_specs()
            continue
        villages = list(Area.objects.within(township).filter(level=Area.Level.VILLAGE))
        specs += _township_specs(township, villages, names)
    taken = {s.username for s in specs if s.username}
    named = []
    for spec in specs:
        if not spec.username:
            base = "".join(lazy_pinyin(spec.name))
            username, n = base, 2
            while username in taken:
                username, n = f"{base}{n}", n + 1
            taken.add(username)
            spec = replace(spec, username=username)
        named.append(spec)
    return named


def build_cadres(county: Area, *, password: str) -> list[Cadre]:
    """Create the demo accounts, all with `password`, each to be changed at first sign-in."""
    validate_password(password)
    areas = {a.code: a for a in Area.objects.within(county)}
    cadres = []
    for n, spec in enumerate(demo_cadre_specs(county), start=1):
        try:
            cadre = cadre_create(
                username=spec.username,
                # Hashing takes a third of a second; the one shared hash is set below.
                password=None,
                name=spec.name,
                unit=spec.unit,
                post=spec.post,
                rank=spec.rank,
                phone=f"1390828{n:04d}",
                email=f"{spec.username}@chongzhou.example",
                scope_area=areas[spec.scope],
                roles=spec.roles,
                must_change_password=True,
            )
        except ValidationError as e:
            raise ValidationError(f"{spec.username}: {'; '.join(e.messages)}") from e
        cadres.append(cadre)
    get_user_model().objects.filter(pk__in=[c.user_id for c in cadres]).update(
        password=make_password(password)
    )
    return cadres
