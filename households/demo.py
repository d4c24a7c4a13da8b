"""The demo county's registry: 崇州市 (510184), its area tree and about 2,000 households.

Everything is drawn from one `random.Random` with a fixed seed, so two builds
on the same day are identical (ages are counted back from `today`, so that a
73-year-old stays 73 whenever the demo is loaded). The families follow seed
000: 向朝清 of 群安村, 73, four at home, a laid-off son and a wife long ill,
living on migrant work; 刘永林 of 桤泉镇, whose house is too small to keep
animals; 向天能, who wants to open a 农家乐. The rest are ordinary Sichuan
villagers, with the categories of seeds 001 and 003 in realistic shares.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from households.areas import AreaImportResult, import_area_rows, read_area_file
from households.models import Area, Household, HouseholdCategory, Member, pinyin_initials

DEMO_COUNTY_CODE = "510184"
AREAS_FIXTURE = settings.BASE_DIR / "fixtures" / "areas_510184.csv"
# The day seed 000 was published in 今日崇州.
SEED = 20120601
HOUSEHOLD_COUNT = 2000

# --- People ------------------------------------------------------------------

# Family names in roughly the shares of Sichuan's population (per mille).
SURNAMES = {
    "王": 75, "李": 73, "张": 68, "刘": 55, "陈": 50, "杨": 46, "黄": 29, "罗": 26,
    "何": 22, "赵": 21, "周": 21, "胡": 18, "吴": 17, "邓": 16, "唐": 16, "徐": 15,
    "谢": 15, "曾": 14, "杜": 12, "蒋": 11, "彭": 11, "余": 10, "冯": 10, "袁": 9,
    "廖": 9, "朱": 9, "郭": 8, "向": 7, "高": 7, "钟": 7, "任": 7, "付": 7,
    "肖": 7, "马": 6, "林": 6, "雷": 6, "苏": 6, "邱": 5, "蔡": 5, "魏": 5,
    "文": 5, "宋": 5, "熊": 5, "汪": 4, "严": 4, "江": 4, "田": 4, "赖": 4,
    "陶": 4, "游": 3, "秦": 3, "姚": 3, "敬": 3, "卿": 2, "母": 2,
}  # fmt: skip

SEED_000_NAMES = {"向朝清", "刘永林", "向天能", "余树清", "合梦元"}

# Given names by the decade a person was born in: names follow fashion.
GIVEN_NAMES = {
    ("M", 1960): "德明 永林 朝清 树清 国华 明贵 正兴 学文 世平 富贵 玉成 成福 光荣 文华 "
    "银山 金福 志成 开明 庆云 长生 德富 绍全 家顺 兴发 泽民 太平 清云 子云",
    ("F", 1960): "秀英 淑芬 桂兰 素华 玉珍 德芬 秀珍 淑华 翠英 琼华 桂芳 明芬 素琼 玉兰 "
    "秀兰 凤英 桂英 淑贞 群芳 开秀 秀芬 玉华 素珍 德珍",
    ("M", 1980): "建国 建军 志强 建华 国强 卫东 红兵 勇 军 强 刚 平 斌 明 海军 小平 永红 "
    "德勇 建平 国平 世勇 光辉 文军 志刚 少华",
    ("F", 1980): "丽 红 霞 琼 燕 秀芳 红梅 小琴 丽华 春梅 晓红 素芬 桂珍 琴 蓉 英 芳 碧华 "
    "利 淑琼 德华 丽君",
    ("M", 1995): "伟 涛 波 磊 杰 鹏 超 浩 俊 毅 斌 林 川 洪 阳 小龙 建 洋 亮 刚 凯 飞",
    ("F", 1995): "静 燕 敏 芳 婷 丹 娟 莉 倩 洁 丽 琴 霞 梅 雪 蓉 小燕 晓燕 玲 欢 佳 露",
    ("M", 2100): "浩然 宇轩 子涵 俊杰 博文 梓豪 一鸣 家豪 鑫 睿 宇 浩宇 子轩 思远 明轩 "
    "锦程 天佑 宇航 铭 泽宇 奕辰",
    ("F", 2100): "雨欣 梓涵 欣怡 诗涵 佳怡 梦瑶 思琪 可馨 雨桐 婷 倩 语嫣 若曦 紫涵 心怡 "
    "悦 欣然 雨萱 佳琪 思雨",
}

# Mainland mobile prefixes of China Mobile, Unicom and Telecom.
MOBILE_PREFIXES = [
    f"1{n}"
    for n in (
        33,
        35,
        36,
        37,
        38,
        39,
        50,
        51,
        52,
        55,
        57,
        58,
        59,
        77,
        80,
        81,
        82,
        83,
        87,
        88,
        89,
        99,
    )
]

HEALTH = {
    "young": (["健康"] * 40 + ["良好"] * 10 + ["近视", "过敏性鼻炎", "哮喘"]),
    "middle": (
        ["健康"] * 30
        + ["良好"] * 6
        + ["高血压"] * 7
        + ["糖尿病"] * 3
        + ["腰椎间盘突出"] * 3
        + ["关节炎"] * 3
        + ["慢性胃炎"] * 2
    ),
    "old": (
        ["身体尚可"] * 14
        + ["健康"] * 6
        + ["高血压"] * 10
        + ["糖尿病"] * 4
        + ["慢性支气管炎"] * 4
        + ["风湿性关节炎"] * 5
        + ["腿脚不便"] * 4
        + ["白内障"] * 2
        + ["冠心病"] * 2
    ),
}
SERIOUS_ILLNESSES = [
    "肺癌术后，定期化疗",
    "尿毒症，每周透析三次",
    "脑梗后遗症，半身不遂",
    "乳腺癌术后康复中",
    "肝硬化，长期服药",
    "白血病，在华西医院治疗",
    "重度类风湿，长年卧床",
    "心脏搭桥术后",
]
DISABILITIES = [
    "肢体残疾二级",
    "肢体残疾三级",
    "视力残疾一级",
    "听力残疾二级",
    "智力残疾二级",
    "精神残疾二级",
    "言语残疾三级",
]

# (description, yearly income range in yuan, income source)
WORK = {
    "away": ("外出务工（{place}）", (38000, 72000), "务工收入"),
    "local": ("本地务工（{local}）", (24000, 45000), "务工收入"),
    "farm": ("务农", (6000, 16000), "种植收入"),
    "shop": ("个体经营（{shop}）", (45000, 130000), "经营收入"),
    "odd": ("灵活就业", (18000, 36000), "务工收入"),
    "staff": ("企业职工", (42000, 80000), "工资收入"),
    "retired": ("退休", (30000, 54000), "退休金"),
    "home": ("家务", (0, 0), ""),
    "none": ("无", (0, 0), ""),
}
AWAY_PLACES = ["成都", "成都", "成都", "广东东莞", "浙江义乌", "新疆", "江苏苏州", "重庆"]
LOCAL_WORK = [
    "荷花基地",
    "红提葡萄基地",
    "金银花基地",
    "崇州经济开发区",
    "家具厂",
    "建筑工地",
    "镇上餐馆",
]
SHOPS = ["小卖部", "农家乐", "农资店", "摩托车修理", "理发店", "蔬菜批发", "货车运输"]
RURAL_PENSION = (1900, 3600)  # 城乡居民基本养老保险, per person per year

RELATION_LABEL = {
    ("head", "M"): "户主",
    ("head", "F"): "户主",
    ("spouse", "M"): "丈夫",
    ("spouse", "F"): "妻子",
    ("child", "M"): "儿子",
    ("child", "F"): "女儿",
    ("parent", "M"): "父亲",
    ("parent", "F"): "母亲",
    ("grandchild", "M"): "孙子",
    ("grandchild", "F"): "孙女",
    ("child_in_law", "M"): "女婿",
    ("child_in_law", "F"): "儿媳",
    ("sibling", "M"): "兄弟",
    ("sibling", "F"): "姐妹",
}

# --- Households ----------------------------------------------------------------

# Shapes of a family and how common each is in a 崇州 village.
PROFILES = {
    "elderly_alone": 4,
    "elderly_couple": 13,
    "left_behind": 4,
    "nuclear": 28,
    "three_generations": 32,
    "with_parents": 11,
    "single": 5,
    "widowed_with_child": 3,
}
COMMUNITY_PROFILES = {**PROFILES, "nuclear": 40, "three_generations": 18, "left_behind": 2}

HOUSING_VILLAGE = {
    Household.Housing.BRICK_CONCRETE: 56,
    Household.Housing.BRICK_WOOD: 19,
    # 集中居住: land consolidation moved some families into new settlements (seed 000).
    Household.Housing.APARTMENT: 13,
    Household.Housing.EARTH: 5,
    Household.Housing.DILAPIDATED: 2,
    Household.Housing.OTHER: 5,
}
HOUSING_AREA = {
    Household.Housing.BRICK_CONCRETE: (90, 260),
    Household.Housing.BRICK_WOOD: (60, 150),
    Household.Housing.APARTMENT: (60, 125),
    Household.Housing.EARTH: (45, 100),
    Household.Housing.DILAPIDATED: (30, 70),
    Household.Housing.OTHER: (30, 90),
}
COMMUNITY_ESTATES = ["蜀州花园", "唐安小区", "永康家园", "文井苑", "羊马新居", "锦绣佳苑"]

ORDINARY_NOTES = [
    "家庭收入稳定，主要靠务工和种植。反映通组路雨天泥泞，希望硬化。",
    "对林盘风貌整治表示满意，希望村里增设垃圾收集点。",
    "希望村上多组织技能培训，农闲时能就近务工。",
    "子女在成都务工，老人在家种植水稻和蔬菜，生活基本稳定。",
    "反映灌溉渠道淤堵，影响小春生产。",
    "家中种植红提葡萄，今年行情一般，希望帮助联系销路。",
    "孩子今年考上大学，已了解生源地助学贷款办理流程。",
    "反映组上路灯损坏，晚上出行不便。",
    "参加了镇卫生院免费体检，已建立健康档案。",
    "收到《林盘文明公约》和《群众明白册》，家中卫生整洁。",
    "希望解决宅基地确权颁证问题。",
    "反映医保缴费标准逐年提高，负担较重。",
]
CATEGORY_NOTES = {
    "dibao": [
        "享受农村低保，低保金每月按时到账。{sick}看病开支较大。",
        "家庭收入低，已纳入低保，年度复核材料已收齐。",
    ],
    "tekun": [
        "特困供养对象，分散供养，村上落实专人照料，日常生活基本有保障。",
        "五保老人，无子女，由侄儿就近照看，冬季需关注取暖和用火安全。",
    ],
    "kunnan": [
        "家庭劳动力少，收入低，住房条件较差，需重点帮扶。",
        "因病致困，主要劳动力收入不稳定，希望帮助联系就近务工。",
    ],
    "disabled": [
        "{disabled}，已办理残疾证，享受困难残疾人生活补贴和重度残疾人护理补贴。",
        "{disabled}，生活需家人照料，希望申请辅助器具。",
    ],
    "elderly_alone": [
        "老人独居，子女不在身边，平时由邻居照看。冬季取暖、用电安全需多关注。",
        "孤寡老人，身体尚可，自己种点蔬菜，希望干部常来坐坐。",
    ],
    "left_behind": [
        "子女在外务工，孩子由老人照看，在镇中心小学读书，学习情况尚可。",
        "留守家庭，老人年纪大，辅导孩子作业有困难，已联系学校关爱留守儿童。",
    ],
    "serious_illness": [
        "{sick}，住院治疗花费较大，已申请大病医疗救助。",
        "{sick}，家中积蓄基本用完，需协助办理医疗救助和慢性病报销。",
    ],
    "petitioner": [
        "曾因土地整理补偿标准问题多次到镇上反映，经解释政策后情绪稳定，需定期走访。",
        "因宅基地边界与邻居发生纠纷，曾到市信访局上访，村调委会正在调解。",
    ],
    "old_party_member": [
        "党龄四十余年的老党员，关心村里发展，常为村两委出主意。",
        "老党员，身体尚好，坚持参加支部主题党日活动。",
    ],
    "old_cadre": [
        "原村党支部书记，退下来后热心公益，常协助调解邻里纠纷。",
        "原村主任，熟悉村情，对村里道路规划提出过不少建议。",
    ],
    "old_model": [
        "原崇州县劳动模范，年事已高，身体尚可，对现在的生活很满意。",
    ],
    "party_rep": [
        "镇党代会代表，带头参与林盘环境整治，群众评价好。",
        "党员代表，组织本组群众清理房前屋后垃圾。",
    ],
    "wealth_leader": [
        "种植红提葡萄二十余亩，带动周边十多户农户就业，有意扩大规模，需要贷款支持。",
        "成立蔬菜专业合作社，带动本组农户发展种植，反映冷库建设用地审批慢。",
        "开办农家乐，周末客人多，计划扩大经营，反映装修资金不足。",
    ],
}


@dataclass
class Person:
    name: str
    relation: str
    sex: str
    birth: date
    health: str = "健康"
    work: str = "none"
    employment: str = ""
    is_party_member: bool = False
    phone: str = ""
    id_number: str = ""


@dataclass
class Family:
    area: Area
    head: Person
    members: list[Person] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    house_number: str = ""
    address: str = ""
    phone: str = ""
    housing: str = ""
    housing_area_m2: Decimal | None = None
    income: int = 0
    spending: int = 0
    income_sources: str = ""
    employment: str = ""
    health_notes: str = ""
    notes: str = ""

    @property
    def people(self) -> list[Person]:
        return [self.head, *self.members]


# --- ID numbers ------------------------------------------------------------------

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643's ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


# --- The builder -----------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year - years, day=28)


class _Builder:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()
        self.surnames = list(SURNAMES)
        self.surname_weights = list(SURNAMES.values())

    # People

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def given_name(self, sex: str, birth_year: int) -> str:
        decade = next(y for y in (1960, 1980, 1995, 2100) if birth_year < y)
        return self.rng.choice(GIVEN_NAMES[(sex, decade)].split())

    def birth(self, age: int) -> date:
        """A birth date making someone `age` years old today."""
        start = _years_before(self.today, age + 1) + timedelta(days=1)
        return start + timedelta(days=self.rng.randint(0, 364))

    def person(self, relation, sex, age, surname=None) -> Person:
        birth = self.birth(age)
        while True:
            name = (surname or self.surname()) + self.given_name(sex, birth.year)
            # The people of seed 000 are one each: a search for 向朝清 finds him alone.
            if name not in SEED_000_NAMES:
                return Person(name=name, relation=relation, sex=sex, birth=birth)

    def age(self, person: Person) -> int:
        b, t = person.birth, self.today
        return t.year - b.year - ((t.month, t.day) < (b.month, b.day))

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 10**8 - 1):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self, person: Person) -> str:
        """510184 + birth date + a sequence whose last digit is odd for men, + check digit."""
        while True:
            order = self.rng.randint(0, 499) * 2 + (1 if person.sex == "M" else 0)
            first17 = f"{DEMO_COUNTY_CODE}{person.birth:%Y%m%d}{order:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    # Families

    def family(self, area: Area, community: bool) -> Family:
        rng = self.rng
        profile = rng.choices(
            list(COMMUNITY_PROFILES if community else PROFILES),
            list((COMMUNITY_PROFILES if community else PROFILES).values()),
        )[0]
        surname = self.surname()
        if profile == "elderly_alone":
            sex = rng.choices("MF", [2, 3])[0]
            head = self.person("head", sex, rng.randint(70, 92), surname)
            family = Family(area=area, head=head)
            family.categories.add("elderly_alone")
        elif profile == "elderly_couple":
            head = self.person("head", "M", rng.randint(62, 86), surname)
            family = Family(area=area, head=head)
            family.members.append(self.spouse(head))
        elif profile == "left_behind":
            head = self.person("head", "M", rng.randint(58, 78), surname)
            family = Family(area=area, head=head)
            if rng.random() < 0.8:
                family.members.append(self.spouse(head))
            # The parents work away; the grandparents keep the children (留守).
            son = self.child(head, "M", surname, min_age=26, max_age=45)
            son.work = "away"
            family.members.append(son)
            if rng.random() < 0.7:
                wife = self.spouse(son, relation="child_in_law")
                wife.work = "away"
                family.members.append(wife)
            for _ in range(rng.choice([1, 1, 2])):
                kid = self.child(son, rng.choice("MF"), surname, "grandchild", 3, 15)
                if kid:
                    family.members.append(kid)
            family.categories.add("left_behind")
        elif profile in {"nuclear", "with_parents"}:
            head = self.person("head", "M", rng.randint(28, 55), surname)
            family = Family(area=area, head=head)
            family.members.append(self.spouse(head))
            for _ in range(rng.choice([1, 1, 2, 2, 3] if not community else [1, 1, 1, 2])):
                kid = self.child(head, rng.choice("MF"), surname, max_age=30)
                if kid:
                    family.members.append(kid)
            if profile == "with_parents":
                father = self.parent(head, "M", surname)
                mother = self.parent(head, "F")
                family.members += [p for p in (father, mother) if p and rng.random() < 0.75]
        elif profile == "three_generations":
            head = self.person("head", "M", rng.randint(50, 74), surname)
            family = Family(area=area, head=head)
            if rng.random() < 0.85:
                family.members.append(self.spouse(head))
            son = self.child(head, "M", surname, min_age=24)
            if son:
                family.members.append(son)
                family.members.append(self.spouse(son, relation="child_in_law"))
                for _ in range(rng.choice([1, 1, 2])):
                    kid = self.child(son, rng.choice("MF"), surname, "grandchild")
                    if kid:
                        family.members.append(kid)
            if rng.random() < 0.3:
                daughter = self.child(head, "F", surname, max_age=24)
                if daughter:
                    family.members.append(daughter)
        elif profile == "single":
            head = self.person("head", rng.choices("MF", [3, 1])[0], rng.randint(30, 64), surname)
            family = Family(area=area, head=head)
            if rng.random() < 0.4:
                mother = self.parent(head, "F")
                if mother:
                    family.members.append(mother)
        else:  # widowed_with_child
            head = self.person("head", "F", rng.randint(38, 70))
            family = Family(area=area, head=head)
            late_husband = self.surname()
            for _ in range(rng.choice([1, 2])):
                kid = self.child(head, rng.choice("MF"), late_husband)
                if kid:
                    family.members.append(kid)
        self.overlay(family)
        for person in family.people:
            self.assign_work(person, community)
        return family

    def spouse(self, of: Person, relation="spouse") -> Person:
        sex = "F" if of.sex == "M" else "M"
        gap = self.rng.randint(-1, 6) if sex == "F" else -self.rng.randint(-1, 6)
        age = max(18, self.age(of) - gap)
        return self.person(relation, sex, age)

    def child(self, parent: Person, sex, surname, relation="child", min_age=0, max_age=60):
        """A child born when the parent was 21 to 35, within the ages asked for, or None."""
        parent_age = self.age(parent)
        oldest = min(max_age, parent_age - 21)
        youngest = max(min_age, 0, parent_age - 35)
        if oldest < youngest:
            return None
        return self.person(relation, sex, self.rng.randint(youngest, oldest), surname)

    def parent(self, child: Person, sex, surname=None):
        age = self.age(child) + self.rng.randint(22, 34)
        if age > 95:
            return None
        return self.person("parent", sex, age, surname)

    def overlay(self, family: Family) -> None:
        """The categories beyond a family's shape, in the shares a township's roster shows."""
        rng = self.rng
        head, head_age = family.head, self.age(family.head)
        cats = family.categories
        if "elderly_alone" in cats:
            if rng.random() < 0.35:
                cats.add("tekun")
            elif rng.random() < 0.4:
                cats.add("dibao")
        if rng.random() < 0.028:
            sick = rng.choice([p for p in family.people if self.age(p) >= 30] or family.people)
            sick.health = rng.choice(SERIOUS_ILLNESSES)
            sick.work = "none"
            cats.add("serious_illness")
        if rng.random() < 0.03:
            disabled = rng.choice(family.people)
            disabled.health = rng.choice(DISABILITIES)
            disabled.work = "none"
            cats.add("disabled")
        troubled = cats & {"serious_illness", "disabled", "elderly_alone", "left_behind"}
        if "tekun" not in cats and rng.random() < (0.2 if troubled else 0.01):
            cats.add("dibao")
        if rng.random() < (0.2 if troubled and "dibao" not in cats else 0.014):
            cats.add("kunnan")
        if rng.random() < 0.006:
            cats.add("petitioner")
        if head_age >= 65 and head.sex == "M":
            draw = rng.random()
            if draw < 0.14:
                cats.add("old_party_member")
                head.is_party_member = True
            elif draw < 0.18:
                cats.add("old_cadre")
                head.is_party_member = True
            elif draw < 0.20:
                cats.add("old_model")
        elif 32 <= head_age < 62 and not troubled:
            draw = rng.random()
            if draw < 0.025:
                cats.add("wealth_leader")
                head.work = "shop"
            elif draw < 0.04:
                cats.add("party_rep")
                head.is_party_member = True
        for person in family.people:
            if 25 <= self.age(person) < 80 and not person.is_party_member:
                person.is_party_member = rng.random() < 0.04
        if not cats:
            cats.add("ordinary")

    def assign_work(self, person: Person, community: bool) -> None:
        rng, age = self.rng, self.age(person)
        if person.health == "健康":
            pool = "young" if age < 40 else "middle" if age < 68 else "old"
            person.health = rng.choice(HEALTH[pool])
        if age < 3:
            person.work, person.employment = "none", "学龄前"
        elif age < 6:
            person.work, person.employment = "none", "幼儿园"
        elif age < 18:
            school = "小学" if age < 12 else "初中" if age < 15 else "高中"
            person.work, person.employment = "none", f"在校学生（{school}）"
        elif age < 22 and rng.random() < 0.5:
            person.work, person.employment = "none", "在校学生（大学）"
        elif person.health in SERIOUS_ILLNESSES or person.health in DISABILITIES:
            person.work, person.employment = "none", "丧失劳动能力"
        elif person.work == "none":
            person.work = self.pick_work(age, person.sex, community)
        if not person.employment:
            person.employment = WORK[person.work][0].format(
                place=rng.choice(AWAY_PLACES), local=rng.choice(LOCAL_WORK), shop=rng.choice(SHOPS)
            )

    def pick_work(self, age: int, sex: str, community: bool) -> str:
        # Housework (家务) is what the roster says of women who do not earn; men "无".
        idle = "home" if sex == "F" else "none"
        if age < 60:
            kinds = ["away", "local", "farm", "shop", "odd", "staff", idle]
            weights = [34, 20, 16, 8, 7, 6, 4] if not community else [18, 18, 2, 16, 14, 24, 4]
        elif age < 76:
            kinds = ["farm", "local", "retired", idle]
            weights = [52, 10, 10, 28] if not community else [8, 10, 45, 37]
        else:
            kinds, weights = ["none", "farm"], [85, 15]
        return self.rng.choices(kinds, weights)[0]

    def finish(self, family: Family, number: int, community: bool) -> None:
        """House, phone, money, work and health summaries, notes, ID numbers."""
        rng, area = self.rng, family.area
        village = area.parent if area.level == Area.Level.GROUP else area
        if community:
            estate = rng.choice(COMMUNITY_ESTATES)
            building, unit, room = rng.randint(1, 12), rng.randint(1, 3), rng.randint(101, 1802)
            family.house_number = f"{building}-{unit}-{room}"
            family.address = f"{village.name}{estate}{building}栋{unit}单元{room}号"
            family.housing = rng.choices(
                [Household.Housing.APARTMENT, Household.Housing.BRICK_CONCRETE], [85, 15]
            )[0]
        else:
            family.house_number = f"{number}号"
            family.address = f"{village.name}{area.name}{number}号"
            family.housing = rng.choices(list(HOUSING_VILLAGE), list(HOUSING_VILLAGE.values()))[0]
            if family.categories & {"dibao", "kunnan", "tekun"} and rng.random() < 0.3:
                family.housing = rng.choice(
                    [Household.Housing.DILAPIDATED, Household.Housing.EARTH]
                )
        low, high = HOUSING_AREA[family.housing]
        family.housing_area_m2 = Decimal(rng.randint(low * 2, high * 2)) / 2

        for person in family.people:
            person.id_number = self.id_number(person)
            age = self.age(person)
            if 18 <= age < 72 and rng.random() < 0.75:
                person.phone = self.mobile()
        # The household's phone: the head's, or that of whoever answers for an old head.
        by_age = sorted(family.people, key=lambda p: (p.relation != "head", p.birth), reverse=False)
        family.phone = next((p.phone for p in by_age if p.phone), "")
        if not family.phone and rng.random() < 0.5:
            family.phone = f"028-8227{rng.randint(0, 9999):04d}"

        self.money(family)
        family.employment = "；".join(
            f"{self.label(p)}{p.employment}"
            for p in family.people
            if p.employment and p.employment != "学龄前"
        )[:200]
        unwell = [p for p in family.people if p.health not in ("健康", "良好", "身体尚可")]
        family.health_notes = (
            "；".join(f"{self.label(p)}{p.health}" for p in unwell)[:200]
            if unwell
            else "家庭成员身体健康"
        )
        family.notes = self.notes(family)

    def money(self, family: Family) -> None:
        rng = self.rng
        income, sources, medical = 0, [], 0
        for person in family.people:
            _text, (low, high), source = WORK.get(person.work, WORK["none"])
            if high:
                earned = rng.randint(low, high)
                if "dibao" in family.categories or "kunnan" in family.categories:
                    earned = int(earned * 0.6)
                income += earned
                sources.append(source)
            if self.age(person) >= 60 and person.work != "retired":
                income += rng.randint(*RURAL_PENSION)
                sources.append("养老金")
            if person.health in SERIOUS_ILLNESSES:
                medical += rng.randint(20000, 60000)
            elif person.health not in ("健康", "良好", "身体尚可"):
                medical += rng.randint(800, 5000)
        people = len(family.people)
        if "dibao" in family.categories:
            income += people * 12 * rng.choice([520, 580, 640])
            sources.append("低保金")
        if "tekun" in family.categories:
            income += 12 * 1100
            sources.append("特困供养金")
        if "disabled" in family.categories:
            income += 1320
            sources.append("残疾人补贴")
        working_age = any(18 <= self.age(p) < 60 for p in family.people)
        if not working_age or (income < 8000 and rng.random() < 0.6):
            income += rng.randint(2000, 6000)
            sources.append("子女赡养")
        if "wealth_leader" in family.categories:
            income += rng.randint(80000, 260000)
            sources.append("种养殖和经营收入")
        family.income = round(income, -2)
        living = people * rng.randint(5500, 9000)
        family.spending = round(max(living, income * rng.uniform(0.55, 0.9)) + medical, -2)
        family.income_sources = "、".join(dict.fromkeys(sources))[:200]

    def label(self, person: Person) -> str:
        return RELATION_LABEL.get((person.relation, person.sex), "")

    def notes(self, family: Family) -> str:
        rng = self.rng
        sick = next((p for p in family.people if p.health in SERIOUS_ILLNESSES), None)
        disabled = next((p for p in family.people if p.health in DISABILITIES), None)
        lines = []
        for code in sorted(family.categories - {"ordinary"}):
            template = rng.choice(CATEGORY_NOTES[code])
            lines.append(
                template.format(
                    sick=f"{self.label(sick)}{sick.name}{sick.health}" if sick else "家人",
                    disabled=f"{self.label(disabled)}{disabled.name}{disabled.health}"
                    if disabled
                    else "家中有残疾人",
                )
            )
        if rng.random() < (0.2 if lines else 0.4):
            lines.append(rng.choice(ORDINARY_NOTES))
        return "\n".join(lines)


# --- The people of seed 000 ------------------------------------------------------


def _seed_families(builder: _Builder, areas: dict[str, Area]) -> list[Family]:
    """向朝清, 刘永林, 向天能 and their neighbours, as seed 000 tells of them."""
    b = builder

    def person(name, relation, sex, age, health="健康", employment="", work="none"):
        p = Person(name=name, relation=relation, sex=sex, birth=b.birth(age), health=health)
        p.employment, p.work = employment, work
        return p

    qunan = areas["510184104201"]
    xiang = Family(
        area=areas["510184104201005"],
        head=person("向朝清", "head", "M", 73, "身体尚可", "本地务工（荷花基地锄草）", "local"),
        categories={"kunnan"},
        house_number="余花龙门子12号",
        address=f"{qunan.name}余花龙门子12号",
        housing=Household.Housing.BRICK_WOOD,
        housing_area_m2=Decimal("96.0"),
        notes=(
            "5月25日，镇干部张丽走访：这几天在荷花基地锄草，身体还吃得消。"
            "儿子是下岗工人，在外面打工，每天都回来；妻子长年有病，"
            "家庭收入主要靠外出务工。"
        ),
    )
    xiang.members = [
        person("余秀芬", "spouse", "F", 71, "长年有病（风湿性心脏病）", "无"),
        person("向建军", "child", "M", 46, "健康", "下岗后外出务工（成都）", "away"),
        person("向宇", "grandchild", "M", 15, "健康", "在校学生（初中）"),
    ]

    liu = Family(
        area=areas["510184104202003"],
        head=person("刘永林", "head", "M", 61, "腿脚不便", "务农", "farm"),
        categories={"kunnan"},
        house_number="27号",
        address=f"{areas['510184104202'].name}三组27号",
        housing=Household.Housing.BRICK_WOOD,
        housing_area_m2=Decimal("36.5"),
        notes=(
            "5月2日，镇干部张冬入户：帮助清除屋内杂物，并对房间进行了打扫，"
            "随后与其妹妹交流帮扶计划。房屋面积较小，不适合发展养殖，"
            "帮扶重点放在房屋修缮、家具配置更新上。"
        ),
    )

    tianneng = Family(
        area=areas["510184104201008"],
        head=person("向天能", "head", "M", 45, "健康", "个体经营（筹办农家乐）", "shop"),
        categories={"wealth_leader"},
        house_number="8号",
        address=f"{qunan.name}八组8号",
        housing=Household.Housing.BRICK_CONCRETE,
        housing_area_m2=Decimal("228.0"),
        notes=(
            "家里面积比较宽，环境好。随着余花龙门子改造和“三千基地”打造，"
            "拟在家中开办农家乐，但房屋装修、家具添置资金不足；"
            "镇干部杜婕妤正协调相关部门帮助解决贷款。"
        ),
    )
    tianneng.members = [
        person("罗丽", "spouse", "F", 43, "健康", "本地务工（红提葡萄基地）", "local"),
        person("向浩", "child", "M", 19, "健康", "在校学生（大学）"),
        person("向雨欣", "child", "F", 13, "健康", "在校学生（初中）"),
    ]

    yu = Family(
        area=areas["510184104201005"],
        head=person("余树清", "head", "M", 66, "高血压", "务农", "farm"),
        categories={"ordinary"},
        house_number="余花龙门子15号",
        address=f"{qunan.name}余花龙门子15号",
        housing=Household.Housing.BRICK_CONCRETE,
        housing_area_m2=Decimal("142.0"),
        notes="《明白册》里的内容除了干部讲，平时自己也读一读，偶尔从上面查便民服务电话。",
    )
    yu.members = [person("唐素华", "spouse", "F", 64, "身体尚可", "务农", "farm")]

    he = Family(
        area=areas["510184104201003"],
        head=person("合梦元", "head", "M", 58, "健康", "本地务工（荷花基地）", "local"),
        categories={"ordinary"},
        house_number="6号",
        address=f"{qunan.name}三组6号",
        housing=Household.Housing.APARTMENT,
        housing_area_m2=Decimal("98.0"),
        notes="土地整理后集中居住。认为有困难时找到联系的镇干部，总能及时帮忙解决。",
    )
    he.members = [
        person("杨淑芬", "spouse", "F", 56, "健康", "务农", "farm"),
        person("合军", "child", "M", 32, "健康", "外出务工（成都）", "away"),
    ]

    families = [xiang, liu, tianneng, yu, he]
    for family in families:
        for p in family.people:
            p.id_number = b.id_number(p)
            if p.relation in ("head", "child") and 18 <= b.age(p) < 72:
                p.phone = b.mobile()
        family.phone = family.head.phone or next((p.phone for p in family.members if p.phone), "")
        b.money(family)
        family.employment = "；".join(
            f"{b.label(p)}{p.employment}" for p in family.people if p.employment
        )
        unwell = [p for p in family.people if p.health not in ("健康", "良好", "身体尚可")]
        family.health_notes = (
            "；".join(f"{b.label(p)}{p.health}" for p in unwell) or "家庭成员身体健康"
        )
    return families


# --- Entry points ----------------------------------------------------------------


def demo_county() -> Area | None:
    return Area.objects.filter(code=DEMO_COUNTY_CODE).first()


def import_demo_areas() -> AreaImportResult:
    """崇州市's five townships, their villages and communities, and the village groups."""
    rows, first_line = read_area_file(AREAS_FIXTURE)
    return import_area_rows(rows, first_line=first_line)


def build_households(
    county: Area, *, count: int = HOUSEHOLD_COUNT, seed: int = SEED, today: date | None = None
) -> dict[str, int]:
    """Create `count` households with their members in the county's village groups."""
    rng = random.Random(seed)
    builder = _Builder(rng, today or timezone.localdate())
    categories = {c.code: c for c in HouseholdCategory.objects.all()}
    needed = set(CATEGORY_NOTES) | {"ordinary"}
    if missing := needed - set(categories):
        raise LookupError(f"Household categories missing (run migrate): {sorted(missing)}")

    groups = list(
        Area.objects.within(county).filter(level=Area.Level.GROUP).select_related("parent")
    )
    by_code = {a.code: a for a in Area.objects.within(county)}
    families = _seed_families(builder, by_code)

    # Community groups are smaller in the roster than village groups: most
    # residents there are registered elsewhere.
    weights = [rng.uniform(0.6, 1.4) * (0.6 if g.parent.code[-3] == "0" else 1.0) for g in groups]
    drawn = rng.choices(groups, weights, k=count - len(families))
    drawn.sort(key=lambda g: g.code)
    numbers: dict[int, int] = {}
    taken = {(f.area.pk, f.house_number) for f in families}
    for group in drawn:
        community = group.parent.code[-3] == "0"
        family = builder.family(group, community)
        number = numbers.get(group.pk, 0) + rng.randint(1, 4)
        while (group.pk, f"{number}号") in taken:
            number += 1
        numbers[group.pk] = number
        builder.finish(family, number, community)
        families.append(family)

    households = Household.objects.bulk_create(
        [
            Household(
                area=f.area,
                house_number=f.house_number,
                address=f.address[:120],
                head_name=f.head.name,
                phone=f.phone,
                housing=f.housing,
                housing_area_m2=f.housing_area_m2,
                annual_income=Decimal(f.income),
                income_sources=f.income_sources,
                annual_spending=Decimal(f.spending),
                employment=f.employment,
                health_notes=f.health_notes,
                notes=f.notes,
                # bulk_create skips Household.save(), which would fill this in.
                search_initials=pinyin_initials(f.head.name),
            )
            for f in families
        ],
        batch_size=500,
    )
    Through = Household.categories.through
    Through.objects.bulk_create(
        [
            Through(household_id=h.pk, householdcategory_id=categories[code].pk)
            for h, f in zip(households, families, strict=True)
            for code in sorted(f.categories)
        ],
        batch_size=1000,
    )
    members = []
    for household, family in zip(households, families, strict=True):
        for p in family.people:
            member = Member(
                household=household,
                name=p.name,
                relation=p.relation,
                sex=p.sex,
                birth_date=p.birth,
                phone=p.phone,
                health=p.health[:100],
                employment=p.employment[:100],
                is_party_member=p.is_party_member,
            )
            # Through the property: validated, encrypted, hashed for look-up.
            member.id_number = p.id_number
            members.append(member)
    Member.objects.bulk_create(members, batch_size=1000)
    return {"households": len(households), "members": len(members)}


def build_registry(*, seed: int = SEED, today: date | None = None) -> Area:
    """The whole demo registry: areas from the fixture, then the households. Returns the county."""
    import_demo_areas()
    county = demo_county()
    build_households(county, seed=seed, today=today)
    return county
