"""A year of the six ledgers (六本台账) for the demo county, written over its year of visits.

Built after `contact.demo_activity`, from what it left: the visits, the
reception days, the suggestion-box openings and the 包户 pairings. The
activity is bulk-created, which sends no signals, so a visit's "demands
raised" became no demand there; here each line becomes one, as the visit's
signal would have made it (the residents' QR messages, saved one by one,
already made theirs). More demands come from home visits and phone calls
(their visit gets the line), the Wednesday reception day, the suggestion box,
the contact card's QR code and calls taken at the office: some thirty per
township and month, seed 004's "received 200, handled 30, return-visited 35,
implemented 28" at a township's scale.

Each demand is walked through the workflow of `ledgers.services` with the
times a township keeps: the leader assigns it within two working days, most
are resolved by their working-day deadline and some late, a few stall past
it, the return visit comes some days after, a few residents are
dissatisfied and the demand is reopened, some are escalated to the township
or the county, some are explained (答复说明), and a couple of residents say
through the card that the problem came back. Every step is a `DemandEvent`
at its time and by a user whom `services.TRANSITIONS` allows, agreeing with
the demand's fields; a step that would fall today or later has not happened
yet, which leaves the recent demands in every state.

The other five ledgers: the recognition of every household in difficulty,
a few disputes per township and month, one 村情 and one 党情 sheet per
village and month (figures counted from the registry and the visits), and
the opinions of the box, the reception day and the visits, about 60 %
rectified. The party office has approved the older entries, the last week's
wait in the queue, and a few were returned with a note, two of them to
张丽 (zhangli), so that her home page shows them. One approved entry has a
correction waiting.

Rows are bulk-created for speed. django-simple-history records nothing for
those, so each entry is given two history rows by hand: the entry as it
was recorded ("+", by its author, when it was recorded) and, where it moved
on, as it stands now ("~", by whoever made the last change, then).
Everything is drawn from one seeded `random.Random`, and "now" is the start
of today: two loads on the same day are identical.
"""

import copy
import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from contact.models import Cadre, Pairing, ReceptionDuty, Visit
from contact.roles import Role
from households.models import Area, Household, HouseholdCategory
from ledgers.models import (
    Demand,
    DemandEvent,
    DifficultyRecord,
    EntryCorrection,
    OpinionRecord,
    PartySituation,
    ReturnVisit,
    ReviewState,
    Source,
    StabilityCase,
    VillageSituation,
)
from ledgers.services import county_settings_for
from ledgers.signals import SOURCE_BY_METHOD
from ledgers.workdays import WorkdayCalendar

SEED = 2013
Kind = Demand.Kind
State = Demand.State
Action = DemandEvent.Action
Satisfaction = ReturnVisit.Satisfaction
Solved = ReturnVisit.Solved

URGENCY = {
    "急": Demand.Urgency.URGENT,
    "重": Demand.Urgency.SERIOUS,
    "缓": Demand.Urgency.MODERATE,
    "轻": Demand.Urgency.LIGHT,
}


@dataclass(frozen=True)
class Problem:
    kind: str
    text: str  # what the resident asks; {group} and {n} are filled in
    urgencies: str  # drawn from, one character each: mostly 缓 and 轻
    office: str  # the township office it goes to, after the township's name
    done: str  # what was done


PROBLEMS = [
    Problem(Kind.ROADS, "通组路损坏，雨天泥泞，出行不便，请求修复。", "缓缓轻轻重", "村建办", "协调村建办安排施工队修补路面{n}处，已恢复正常通行。"),
    Problem(Kind.ROADS, "{group}通组路塌方一处，车辆无法通行。", "急重缓", "村建办", "组织机械清理塌方，修复路基{n}0米，当天恢复通行。"),
    Problem(Kind.ROADS, "村道边沟堵塞，雨后路面积水。", "轻缓", "村建办", "组织村民清理边沟{n}0米，路面积水已排干。"),
    Problem(Kind.ROADS, "桥头护栏损坏，存在安全隐患。", "缓缓重轻", "村建办", "更换护栏{n}0米，设置警示标志。"),
    Problem(Kind.WATER, "入户饮水管破裂，家中停水两天。", "急重缓缓", "供水站", "供水站派人更换破损管道{n}米，已恢复供水。"),
    Problem(Kind.WATER, "灌溉渠淤堵，影响小春生产，请求清理。", "缓缓重轻", "农业服务中心", "组织清淤{n}00米，渠道已通水。"),
    Problem(Kind.WATER, "自来水水压不足，早晚用水高峰时段无水。", "缓轻", "供水站", "更换加压泵，水压恢复正常。"),
    Problem(Kind.HOUSING, "房屋墙体开裂，申请危房改造补助。", "缓缓重轻", "村建办", "经鉴定为C级危房，已纳入危房改造计划，补助资金已拨付，改造已开工。"),
    Problem(Kind.HOUSING, "雨天房屋漏水，请求帮助维修屋顶。", "缓缓重轻", "村建办", "村上组织人员翻修屋顶{n}0平方米，已不再漏水。"),
    Problem(Kind.SOCIAL_SECURITY, "家庭收入低，申请低保。", "缓轻", "社保所", "已按程序入户核查、民主评议并公示，纳入农村低保。"),
    Problem(Kind.SOCIAL_SECURITY, "低保金本月未按时到账。", "缓缓重轻", "社保所", "经核实为银行账户变更所致，已更正账户并补发。"),
    Problem(Kind.SOCIAL_SECURITY, "家中老人住院，申请临时救助。", "缓缓重轻", "民政办", "已办理临时救助{n}00元，打卡发放。"),
    Problem(Kind.SOCIAL_SECURITY, "高龄补贴不知道如何申领。", "轻", "社保所", "已帮助准备材料并代为申领高龄补贴。"),
    Problem(Kind.MEDICAL, "医保报销手续繁琐，住院费用报销款还未到账。", "缓缓轻", "卫生院", "协调医保经办人员，报销款已到账。"),
    Problem(Kind.MEDICAL, "申请大病医疗救助。", "缓缓重轻", "社保所", "已协助提交材料，医疗救助已审批发放。"),
    Problem(Kind.MEDICAL, "慢性病门诊特殊疾病认定申请。", "缓轻", "卫生院", "已协助办理门诊特殊疾病认定。"),
    Problem(Kind.EDUCATION, "孩子考上大学，申请教育资助。", "缓", "社保所", "已办理生源地助学贷款和新生入学资助。"),
    Problem(Kind.EDUCATION, "留守儿童放学无人接送。", "缓轻", "中心小学", "学校安排课后托管，村上组织志愿者接送。"),
    Problem(Kind.EMPLOYMENT, "希望帮助联系就近务工岗位。", "轻缓", "劳保所", "推荐到荷花种植基地务工，已上岗。"),
    Problem(Kind.EMPLOYMENT, "申请小额贴息贷款发展生猪养殖。", "轻", "农业服务中心", "协调信用社办理贴息贷款{n}万元。"),
    Problem(Kind.EMPLOYMENT, "在工地务工，工资被拖欠三个月。", "重缓", "劳保所", "协调劳动保障监察约谈包工头，欠薪已全部支付。"),
    Problem(Kind.LAND, "承包地边界与邻居有争议。", "缓", "综治中心", "村调委会现场丈量，双方签订调解协议。"),
    Problem(Kind.LAND, "土地确权面积有误，请求核实更正。", "轻", "自然资源所", "经实地复测，已更正确权面积。"),
    Problem(Kind.LAND, "宅基地建房审批进度慢。", "轻缓", "自然资源所", "已加快审核，建房手续办结。"),
    Problem(Kind.ENVIRONMENT, "路灯不亮，晚上出行不便。", "轻缓", "村建办", "更换路灯{n}盏，已恢复照明。"),
    Problem(Kind.ENVIRONMENT, "垃圾清运不及时，垃圾池满溢。", "缓缓重轻", "环卫所", "清运改为每日一次，垃圾池已清理。"),
    Problem(Kind.ENVIRONMENT, "化粪池堵塞，污水外流。", "缓缓重轻", "环卫所", "安排吸污车清掏，并疏通排污管道。"),
    Problem(Kind.ENVIRONMENT, "附近养殖场异味扰民。", "缓", "综合执法办", "督促养殖场整改粪污处理设施，异味明显减轻。"),
    Problem(Kind.DISPUTE, "与邻居因排水沟问题发生纠纷。", "缓缓重轻", "综治中心", "村调委会调解，双方同意共同修建排水沟。"),
    Problem(Kind.DISPUTE, "子女不履行赡养义务。", "重缓", "司法所", "司法所调解，子女签订赡养协议，按月支付赡养费。"),
    Problem(Kind.POLICY, "咨询耕地地力保护补贴发放标准。", "轻", "农业服务中心", "已当面解释补贴标准和发放时间。"),
    Problem(Kind.POLICY, "咨询城乡居民养老保险缴费档次。", "轻", "社保所", "已解释各缴费档次和待遇，群众自行选定档次。"),
    Problem(Kind.OTHER, "希望组上通宽带。", "轻", "党政办", "协调通信公司上门安装，已开通。"),
]  # fmt: skip

# Problems a household in difficulty brings more often than its neighbours.
NEEDY_KINDS = {Kind.SOCIAL_SECURITY, Kind.MEDICAL, Kind.HOUSING, Kind.EDUCATION, Kind.EMPLOYMENT}

# Words of the lines `contact.demo_activity` writes into a visit's "demands raised": the
# first problem whose text has the line's word is what the line asks.
LINE_WORDS = ["危房", "路灯", "通组路", "灌溉渠", "临时救助", "低保"]

# 答复说明: what the resident is told when the request is outside policy.
EXPLANATIONS = {
    Kind.SOCIAL_SECURITY: "经入户核查，家庭人均收入高于低保标准，暂不符合纳入条件，已当面解释政策，并告知可申请临时救助。",
    Kind.HOUSING: "经鉴定房屋为B级，不属于危房改造范围，已向群众解释政策，建议自行加固维修。",
    Kind.LAND: "申请建房面积超出宅基地标准，不符合审批条件，已向群众解释相关政策。",
    Kind.ROADS: "该路段为县道，不属村级维护范围，已向群众说明，并转交市交通运输局备案。",
    Kind.EMPLOYMENT: "贴息贷款需有稳定还款来源，暂不符合条件，已解释政策并推荐参加养殖技术培训。",
}  # fmt: skip

INSTRUCTIONS = [
    "请于{deadline}前办结并回复群众。",
    "请实地查看，限期处理。",
    "请与相关站所对接，及时反馈进展。",
    "",
]
ESCALATION_NOTES = {
    Demand.HandlerLevel.TOWNSHIP: ["涉及资金较多，村级无力解决。", "需镇上协调多个站所。"],
    Demand.HandlerLevel.COUNTY: ["涉及市级部门审批，镇级无法解决。", "需市级资金和项目支持。"],
}
RETURN_COMMENTS = {
    Satisfaction.SATISFIED: ["问题已解决，群众表示满意。", "办理及时，感谢干部。", ""],
    Satisfaction.FAIRLY: ["已基本解决，希望以后加强维护。", "办得慢了些，但问题解决了。"],
    Satisfaction.DISSATISFIED: ["问题没有彻底解决，群众不满意。", "维修后又出现同样问题。"],
}
CAME_BACK_NOTES = ["问题又出现了，麻烦再来看看。", "办了没多久又不行了，请再帮忙反映。"]
# What the 党政办 writes when it returns an entry, by what the entry lacks.
RETURN_NOTES = {
    "Demand": ["问题描述不够具体，请写明地点和涉及户数。", "类别选择有误，请更正后重新提交。"],
    "DifficultyRecord": ["认定日期与民政系统不一致，请核对。"],
    "StabilityCase": ["当事人信息不完整，请补充。", "调处措施写得太简单，请写明具体做法。"],
    "VillageSituation": ["集体收入请附收支明细后重新提交。", "主要问题一栏请写具体。"],
    "OpinionRecord": ["答复意见不够具体，请补充。"],
    "PartySituation": ["走访老党员人数与走访记录不一致，请核对。"],
}
NO_PHONE_NOTE = "群众联系电话未填写，请补充后重新提交。"

KIND_WORDS = {
    Kind.ROADS: "道路",
    Kind.WATER: "饮水灌溉",
    Kind.HOUSING: "住房",
    Kind.SOCIAL_SECURITY: "低保救助",
    Kind.MEDICAL: "看病报销",
    Kind.EDUCATION: "上学",
    Kind.EMPLOYMENT: "就业增收",
    Kind.LAND: "土地",
    Kind.ENVIRONMENT: "环境卫生",
    Kind.DISPUTE: "矛盾纠纷",
    Kind.POLICY: "政策咨询",
    Kind.OTHER: "其他",
}

# --- The other ledgers' texts ---------------------------------------------------------

DIFFICULTY_REASONS = {
    "dibao": ["家庭人均收入低于低保标准，{sick}", "主要劳动力因病丧失劳动能力，家庭收入低。"],
    "tekun": ["无劳动能力、无生活来源、无法定赡养人，分散供养。", "五保老人，无子女，由村上落实专人照料。"],
    "kunnan": ["家庭劳动力少，收入低，住房条件差。", "因病致困，主要劳动力收入不稳定。"],
    "disabled": ["家中有重度残疾人，需长期照料，享受两项补贴。", "肢体残疾，劳动能力弱，收入低。"],
    "elderly_alone": ["老人独居，子女不在身边，生活需照看。", "孤寡老人，年老体弱，收入仅靠养老金。"],
    "serious_illness": ["{sick}", "家庭成员患重病，医疗支出大，因病致困。"],
    "left_behind": ["父母外出务工，孩子由老人照看。", "留守老人，子女长年在外。"],
}  # fmt: skip
ILLNESSES = ["妻子长年有病，看病开支大。", "本人患尿毒症，每周透析。", "家人脑梗后遗症，需人照料。"]

DISPUTES = [
    (StabilityCase.Kind.NEIGHBOUR, "{a}与{b}", "因房前屋后排水问题发生争执，双方互不相让。", "村调委会上门调解，划定排水走向。", "双方达成一致，共同出资修建排水沟。"),
    (StabilityCase.Kind.NEIGHBOUR, "{a}与{b}", "因相邻建房采光和滴水问题发生纠纷。", "组长和调解员现场查看，讲解相邻关系规定。", "建房户调整屋檐走向，双方和解。"),
    (StabilityCase.Kind.FAMILY, "{a}家庭成员", "兄弟之间因老人赡养分担问题产生矛盾。", "组织家庭会议，讲解赡养义务。", "签订赡养协议，兄弟按月轮流照顾老人。"),
    (StabilityCase.Kind.LAND, "{a}与{b}", "承包地边界不清，因栽种果树发生争议。", "村组干部现场丈量，对照确权图纸。", "重新埋设界桩，双方签字认可。"),
    (StabilityCase.Kind.LABOUR, "{a}与某建筑公司", "在建筑工地务工，工资被拖欠。", "联系劳动保障监察，约谈包工头。", "拖欠工资已全部支付。"),
    (StabilityCase.Kind.COMPENSATION, "{a}等{n}户", "对土地整理项目青苗补偿标准有异议。", "镇上召开院坝会，公开补偿标准和测量结果。", "补偿款按标准发放到户，群众认可。"),
    (StabilityCase.Kind.PETITION, "{a}（信访人）", "因宅基地边界问题多次到市信访局上访。", "镇村干部定期走访，解释政策，依法调处。", "信访人息诉罢访，签订息访协议。"),
    (StabilityCase.Kind.OTHER, "{a}与{b}", "因家禽糟蹋庄稼发生口角。", "调解员上门说和，约定圈养家禽。", "赔偿损失{n}00元，双方和好。"),
]  # fmt: skip

# What a visit's situation says, read as an opinion for the 民情 ledger: (topic, opinion).
Topic = OpinionRecord.Topic
OPINIONS_BY_SITUATION = {
    "反映通组路年久失修": (
        Topic.INFRASTRUCTURE,
        "通组路年久失修，雨天泥泞，建议列入道路硬化计划。",
    ),
    "化粪池堵塞": (Topic.LIVELIHOOD, "化粪池堵塞、污水外流，建议定期清掏。"),
    "增设垃圾收集点": (Topic.LIVELIHOOD, "建议在组上增设垃圾收集点。"),
    "灌溉渠道淤堵": (Topic.DEVELOPMENT, "灌溉渠道淤堵，建议冬季组织清淤，保障小春生产。"),
    "证照办理时间较长": (Topic.WORK_STYLE, "证照办理时间较长，建议一次告知、压缩时限。"),
    "周末无人值班": (Topic.WORK_STYLE, "便民服务中心周末无人值班，建议周末安排轮值。"),
    "提出修路建议": (Topic.INFRASTRUCTURE, "老党员建议把村道拓宽，方便农产品运输。"),
    "听取对村两委工作的意见": (Topic.GOVERNANCE, "建议村务公开更及时，集体收支每月上墙。"),
    "药费报销手续繁琐": (Topic.POLICY, "医药费报销手续繁琐，建议村卫生室代办。"),
    "流动党员联系不畅": (Topic.PARTY, "建议建立流动党员微信群，按时通报支部活动。"),
    "年轻党员培养": (Topic.PARTY, "建议加强年轻党员培养，吸收返乡青年入党。"),
}
OPINIONS = [
    (Topic.WORK_STYLE, "个别干部办事拖拉，群众跑了几趟才办成。"),
    (Topic.POLICY, "低保评定希望更公开，评议结果张榜公示。"),
    (Topic.POLICY, "退耕还林补助标准不清楚，希望讲解。"),
    (Topic.DEVELOPMENT, "建议发展林盘旅游，带动农家乐。"),
    (Topic.INFRASTRUCTURE, "建议在村口增设路灯。"),
    (Topic.LIVELIHOOD, "希望在村上设老年活动室。"),
    (Topic.GOVERNANCE, "建议集体经济收益分配方案提前征求群众意见。"),
]
RESPONSES = {
    True: ["已整改：{done}", "已落实：{done}"],
    False: ["已转相关站所研究，列入明年计划。", "已向群众解释，资金落实后安排。", "正在协调办理。"],
}
RECTIFIED = {
    Topic.WORK_STYLE: "公示办理时限，实行周末轮值。",
    Topic.LIVELIHOOD: "增设收集点并落实清运。",
    Topic.DEVELOPMENT: "组织清淤并落实管护人员。",
    Topic.INFRASTRUCTURE: "列入项目并已施工。",
    Topic.GOVERNANCE: "村务、财务每月公开。",
    Topic.POLICY: "召开院坝会讲解政策，简化办理流程。",
    Topic.PARTY: "建立流动党员联系群，每月通报。",
    Topic.OTHER: "已按建议办理。",
}

INDUSTRIES = [
    "荷花种植",
    "红提葡萄",
    "蔬菜种植",
    "生猪养殖",
    "粮油种植",
    "林盘旅游",
    "农家乐",
    "猕猴桃",
]
PROJECTS = [
    "高标准农田建设",
    "通组路硬化",
    "川西林盘保护修复",
    "农村饮水安全巩固提升",
    "村级活动阵地改造",
]
ORGANISATION_PROBLEMS = [
    "党员老龄化，年轻党员少。",
    "个别流动党员联系不畅，组织生活参加少。",
    "“三会一课”记录不够规范。",
    "",
]
PARTY_MEASURES = [
    "每月主题党日按时开展，流动党员线上参加。",
    "建立党员联系户制度。",
    "开展“访三老”走访。",
]
MEMBERS_DEMANDS = ["老党员希望增加学习资料。", "希望为行动不便的老党员送学上门。", ""]


def _aware(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _months(start: date, today: date) -> list[date]:
    """The first days of the months from `start`'s month to `today`'s."""
    months, month = [], start.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


@contextmanager
def _stamped_as_given(model):
    """bulk_create keeps the "recorded at" and "updated" set on the rows, instead of now.

    The demo's entries were recorded over the year; stamping them afterwards
    (bulk_update) would take longer than writing them.
    """
    fields = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Calendar(WorkdayCalendar):
    """The working-day calendar, each day's answer kept: a year of demands asks the same days often."""

    def __init__(self):
        super().__init__()
        self._known: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        if day not in self._known:
            self._known[day] = super().is_workday(day)
        return self._known[day]


@dataclass
class _Township:
    area: Area
    villages: list[Area]
    leaders: list[Cadre]  # the party secretary first: he assigns most demands
    reviewer: Cadre
    village_cadres: dict[int, list[Cadre]]
    households: dict[int, list[Household]]  # by village pk
    paired: dict[int, Cadre]  # household pk → its 包户 cadre
    visits: list[Visit]
    roster_from: date | None  # the first reception duty on the roster
    all_households: list[Household] = field(default_factory=list)

    def cadre_of(self, household: Household) -> Cadre:
        """Who answers for a household: its 包户 cadre, else its village's cadre, else a leader."""
        if household.pk in self.paired:
            return self.paired[household.pk]
        cadres = self.village_cadres.get(household.village.pk)
        return cadres[0] if cadres else self.leaders[0]


class _Builder:
    def __init__(self, county: Area, rng: random.Random, today: date):
        self.county, self.rng, self.today = county, rng, today
        self.start = today - timedelta(days=365)
        # The demo's "now" is the start of today: a step planned later has not happened yet,
        # and a load gives the same ledgers whatever the hour it runs.
        self.cutoff = _aware(today, 0, 0)
        self.calendar = _Calendar()
        self.settings = county_settings_for(county)
        self.entries: dict[type, list] = defaultdict(list)
        self.demands: list[Demand] = []
        self.touched_visits: list[Visit] = []
        self.busy: dict[tuple[int, str], list[tuple[datetime, datetime]]] = defaultdict(list)
        self.far = _aware(today + timedelta(days=3650), 0, 0)

    # --- Time -------------------------------------------------------------------------

    def _office_time(self, day: date) -> datetime:
        return _aware(day, self.rng.randint(8, 16), self.rng.choice(range(0, 60, 5)))

    def _workday(self, day: date) -> date:
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        return day

    def _later(self, t: datetime, workdays: int) -> datetime:
        """A time `workdays` working days after `t` (0: later the same day, if it is a working day)."""
        local = timezone.localtime(t)
        if workdays == 0:
            then = local + timedelta(minutes=self.rng.randint(20, 150))
            open_then = then.hour < 18 and self.calendar.is_workday(local.date())
            if then.date() == local.date() and open_then:
                return then
            workdays = 1
        return self._office_time(self.calendar.add_workdays(local.date(), workdays))

    def _deadline(self, urgency: str, start: date) -> date:
        # As `services.deadline_for`, with the county's settings and the calendar read once.
        return self.calendar.add_workdays(start, self.settings.deadline_days(urgency))

    def _day_in(self, month: date, *, workday=True) -> date | None:
        """A day of the month within the demo's year and before today, a working day unless told."""
        end = min(
            (month + timedelta(days=32)).replace(day=1) - timedelta(days=1),
            self.today - timedelta(days=1),
        )
        first = max(month, self.start)
        if first > end:
            return None
        for _attempt in range(10):
            day = first + timedelta(days=self.rng.randint(0, (end - first).days))
            if not workday or self.calendar.is_workday(day):
                return day
        return None

    # --- Townships ----------------------------------------------------------------------

    def _township(self, township: Area) -> _Township | None:
        villages = list(Area.objects.within(township).filter(level=Area.Level.VILLAGE))
        cadres = list(
            Cadre.objects.filter(scope_area__code__startswith=township.code)
            .select_related("user", "scope_area")
            .prefetch_related("user__groups")
            .order_by("pk")
        )
        leaders = sorted(
            (c for c in cadres if c.rank == Cadre.Rank.TOWNSHIP_LEADER),
            key=lambda c: ("书记" not in c.post, c.pk),
        )
        reviewer = next(
            (c for c in cadres if any(g.name == Role.REVIEWER for g in c.user.groups.all())), None
        )
        if not villages or not leaders or reviewer is None:
            return None
        village_cadres = defaultdict(list)
        for c in cadres:
            if c.scope_area.level == Area.Level.VILLAGE:
                village_cadres[c.scope_area_id].append(c)
        households = list(
            Household.objects.filter(area__code__startswith=township.code)
            .select_related("area__parent")
            .prefetch_related("categories", "members")
            .order_by("pk")
        )
        by_village = defaultdict(list)
        for h in households:
            by_village[h.village.pk].append(h)
        cadres_by_pk = {c.pk: c for c in cadres}
        paired = {
            household_id: cadres_by_pk[cadre_id]
            for household_id, cadre_id in Pairing.objects.filter(
                kind=Pairing.Kind.HOUSEHOLD,
                end_date__isnull=True,
                household__area__code__startswith=township.code,
            ).values_list("household_id", "cadre_id")
            if cadre_id in cadres_by_pk
        }
        households_by_pk = {h.pk: h for h in households}
        areas = {a.pk: a for a in [township, *villages]}
        visits = list(
            Visit.objects.filter(area__code__startswith=township.code).order_by("visited_at", "pk")
        )
        for v in visits:
            # Read once above: a visit's household, cadre and area without a query each.
            if v.household_id in households_by_pk:
                v.household = households_by_pk[v.household_id]
            v.cadre = cadres_by_pk.get(v.cadre_id) or v.cadre
            v.area = areas.get(v.area_id) or v.area
        roster_from = ReceptionDuty.objects.filter(schedule__area=township).aggregate(
            first=Min("date")
        )["first"]
        return _Township(
            area=township,
            villages=villages,
            leaders=leaders,
            reviewer=reviewer,
            village_cadres=village_cadres,
            households=by_village,
            paired=paired,
            visits=visits,
            roster_from=roster_from,
            all_households=households,
        )

    # --- Demands ------------------------------------------------------------------------

    def _is_busy(self, household: Household | None, kind: str, at: datetime) -> bool:
        """Whether the household has a demand of this kind open then: the duplicate guard."""
        if household is None:
            return False
        return any(s <= at < e for s, e in self.busy[(household.pk, kind)])

    def _problem(self, household: Household | None, at: datetime) -> Problem:
        in_difficulty = household is not None and any(
            c.in_difficulty for c in household.categories.all()
        )
        for _attempt in range(6):
            if in_difficulty and self.rng.random() < 0.5:
                problem = self.rng.choice([p for p in PROBLEMS if p.kind in NEEDY_KINDS])
            else:
                problem = self.rng.choice(PROBLEMS)
            if not self._is_busy(household, problem.kind, at):
                return problem
        return problem

    def _fill(self, text: str, household: Household | None) -> str:
        group = (
            household.area.name
            if household is not None and household.area.level == Area.Level.GROUP
            else "三组"
        )
        return text.format(group=group, n=self.rng.randint(2, 9))

    def _demand(
        self,
        tw: _Township,
        *,
        at: datetime,
        source: str,
        recorded_by: User | None,
        cadre: Cadre | None,
        household: Household | None = None,
        village: Area | None = None,
        visit: Visit | None = None,
        problem: Problem | None = None,
        description: str = "",
        resident_name: str | None = None,
    ) -> Demand:
        problem = problem or self._problem(household, at)
        urgency = URGENCY[self.rng.choice(problem.urgencies)]
        occurred_on = timezone.localdate(at)
        demand = Demand(
            area=household.village if household else village,
            household=household,
            visit=visit,
            source=source,
            occurred_on=occurred_on,
            recorded_by=recorded_by,
            kind=problem.kind,
            urgency=urgency,
            description=description or self._fill(problem.text, household),
            resident_name=(
                resident_name
                if resident_name is not None
                else (household.head_name if household else "")
            ),
            resident_phone=household.phone if household else "",
            cadre=cadre,
            deadline=self._deadline(urgency, occurred_on),
        )
        demand._tw = tw
        demand._problem = problem
        demand._recorded_at = at
        demand._initial_deadline = demand.deadline
        demand._events = []
        demand._return_visits = []
        self._walk(demand, at)
        if household is not None:
            self.busy[(household.pk, demand.kind)].append((at, demand.closed_at or self.far))
        self.demands.append(demand)
        return demand

    def _event(self, demand: Demand, action: str, to_state: str, by, at: datetime, note=""):
        demand._events.append(
            DemandEvent(
                demand=demand,
                action=action,
                from_state="" if action == Action.RECORD else demand.state,
                to_state=to_state,
                by=by,
                at=at,
                note=note,
            )
        )
        demand.state = to_state
        demand._changed_at, demand._changed_by = at, by

    def _assign(self, demand: Demand, at: datetime, by: Cadre, *, to_unit=False):
        tw, rng = demand._tw, self.rng
        handler = None
        if not to_unit and rng.random() < 0.6 and demand.household is not None:
            handler = tw.cadre_of(demand.household)
        elif not to_unit and rng.random() < 0.3:
            handler = (tw.village_cadres.get(demand.area_id) or [None])[0]
        if handler is not None and handler.rank == Cadre.Rank.TOWNSHIP_LEADER:
            handler = None  # a leader hands it on rather than to himself
        unit = f"{tw.area.name}{demand._problem.office}"
        demand.handler_cadre = handler
        demand.handler_unit = "" if handler else unit
        demand.handler_level = Demand.HandlerLevel.CADRE if handler else Demand.HandlerLevel.UNIT
        demand.instructions = rng.choice(INSTRUCTIONS).format(
            deadline=f"{demand.deadline.month}月{demand.deadline.day}日"
        )
        demand.assigned_at = at
        note = _("To %(handler)s.") % {"handler": demand.handler_display}
        if demand.instructions:
            note = f"{note} {demand.instructions}"
        self._event(demand, Action.ASSIGN, State.ASSIGNED, by.user, at, note)

    def _escalate(self, demand: Demand, at: datetime, by: User, target: Area, level: str):
        demand.escalated_to = target
        demand.handler_level = level
        demand.handler_cadre = None
        demand.handler_unit = ""
        note = _("To %(area)s: %(note)s") % {
            "area": target,
            "note": self.rng.choice(ESCALATION_NOTES[level]),
        }
        self._event(demand, Action.ESCALATE, State.ESCALATED, by, at, note)

    def _worker(self, demand: Demand) -> User:
        """Who moves the demand on now: its handler, the cadre it was raised with, or a leader."""
        if demand.state == State.RECORDED and demand.cadre is not None:
            return demand.cadre.user
        if demand.handler_cadre is not None:
            return demand.handler_cadre.user
        return demand._tw.leaders[0].user

    def _resolve(self, demand: Demand, at: datetime, *, explained: bool):
        if explained:
            demand.resolution = EXPLANATIONS[demand.kind]
        else:
            demand.resolution = demand._problem.done.format(n=self.rng.randint(2, 9))
        demand.resolution_kind = (
            Demand.Resolution.EXPLAINED if explained else Demand.Resolution.SOLVED
        )
        demand.resolved_at = at
        action = Action.EXPLAIN if explained else Action.RESOLVE
        self._event(demand, action, State.RESOLVED, self._worker(demand), at, demand.resolution)

    def _reopen(self, demand: Demand, at: datetime, by, action: str, note: str):
        """As `services._reopen`: back to work, with a new deadline counted from that day."""
        demand.reopen_count += 1
        demand.resolved_at = None
        demand.resolution_kind = ""
        demand.closed_at = None
        demand.deadline = self._deadline(demand.urgency, timezone.localdate(at))
        to_state = (
            State.ASSIGNED if (demand.handler_cadre or demand.handler_unit) else State.RECORDED
        )
        if demand.escalated_to and not demand.handler_cadre and not demand.handler_unit:
            to_state = State.ESCALATED
        self._event(demand, action, to_state, by, at, note)

    def _resolved_when(self, demand: Demand, t: datetime) -> datetime:
        """Mostly by the deadline, some late, a few stalled well past it."""
        rng = self.rng
        room = self.calendar.workdays_between(timezone.localdate(t), demand.deadline)
        roll = rng.random()
        if roll < 0.05:
            days = room + rng.randint(15, 60)
        elif roll < 0.16:
            days = room + rng.randint(1, 8)
        else:
            days = int(room * rng.random() ** 1.5)
        return self._later(t, days)

    def _walk(self, demand: Demand, t: datetime):
        """The demand's year, step by step as the services take it; stops at now."""
        rng, tw, cutoff = self.rng, demand._tw, self.cutoff
        note = _("Deadline %(date)s.") % {"date": demand.deadline.isoformat()}
        self._event(demand, Action.RECORD, State.RECORDED, demand.recorded_by, t, note)
        leader = tw.leaders[0] if rng.random() < 0.8 else rng.choice(tw.leaders)
        explained = demand.kind in EXPLANATIONS and rng.random() < 0.08

        if (
            demand.cadre is not None
            and demand.urgency in (Demand.Urgency.LIGHT, Demand.Urgency.MODERATE)
            and not explained
            and rng.random() < 0.08
        ):
            # Settled on the spot by the cadre the resident turned to.
            t = self._later(t, 0)
            if t > cutoff:
                return
            self._resolve(demand, t, explained=False)
        else:
            t = self._later(t, rng.choice([0, 0, 1, 1, 2]))
            if t > cutoff:
                return
            self._assign(demand, t, leader)
            if demand.handler_cadre is not None and rng.random() < 0.1:
                # The village cannot solve it: up to the township, which hands it to an office.
                t = self._later(t, rng.randint(1, 3))
                if t > cutoff:
                    return
                self._escalate(
                    demand, t, demand.handler_cadre.user, tw.area, Demand.HandlerLevel.TOWNSHIP
                )
                if timezone.localdate(t) > self.today - timedelta(days=40) and rng.random() < 0.4:
                    t = self._later(t, rng.randint(0, 2))
                    if t > cutoff:
                        return
                    # With the county now, which has no account in the demo: it waits there.
                    self._escalate(demand, t, leader.user, self.county, Demand.HandlerLevel.COUNTY)
                    return
                t = self._later(t, rng.randint(0, 2))
                if t > cutoff:
                    return
                self._assign(demand, t, leader, to_unit=True)
            if rng.random() < 0.7:
                t = self._later(t, rng.randint(0, 2))
                if t > cutoff:
                    return
                self._event(demand, Action.START, State.IN_PROGRESS, self._worker(demand), t)
            t = self._resolved_when(demand, t)
            if t > cutoff:
                return
            self._resolve(demand, t, explained=explained)

        while True:
            t = self._later(t, rng.randint(2, 7))
            if t > cutoff:
                return
            visitor = tw.reviewer.user
            if rng.random() < 0.45 and demand.cadre and demand.cadre.user != self._worker(demand):
                visitor = demand.cadre.user
            if demand.reopen_count == 0 and rng.random() < 0.05:
                satisfaction = Satisfaction.DISSATISFIED
                solved = rng.choice([Solved.NOT_SOLVED, Solved.PARTLY])
            elif explained:
                satisfaction = rng.choice([Satisfaction.FAIRLY, Satisfaction.SATISFIED])
                solved = Solved.PARTLY
            else:
                satisfaction = rng.choices(
                    [Satisfaction.SATISFIED, Satisfaction.FAIRLY], weights=[7, 3]
                )[0]
                solved = (
                    Solved.SOLVED
                    if satisfaction == Satisfaction.SATISFIED
                    else (rng.choice([Solved.SOLVED, Solved.PARTLY]))
                )
            comment = rng.choice(RETURN_COMMENTS[satisfaction])
            record = ReturnVisit(
                demand=demand,
                by=visitor,
                satisfaction=satisfaction,
                solved=solved,
                comment=comment,
                visited_at=t,
            )
            demand._return_visits.append(record)
            summary = f"{Satisfaction(satisfaction).label}, {Solved(solved).label}"
            if comment:
                summary = f"{summary}. {comment}"
            if record.reopens:
                self._event(demand, Action.RETURN_VISIT, demand.state, visitor, t, summary)
                self._reopen(demand, t, visitor, Action.REOPEN, _("Reopened by the return visit."))
                explained = False  # worked on again, and solved this time
                t = self._later(t, rng.randint(0, 1))
                if t > cutoff:
                    return
                if demand.state == State.ASSIGNED:
                    self._event(demand, Action.START, State.IN_PROGRESS, self._worker(demand), t)
                t = self._resolved_when(demand, t)
                if t > cutoff or demand.state == State.ESCALATED:
                    return
                self._resolve(demand, t, explained=False)
                continue
            self._event(demand, Action.RETURN_VISIT, State.RETURN_VISITED, visitor, t, summary)
            t = self._later(t, rng.randint(0, 4))
            if t > cutoff:
                return
            closer = tw.reviewer if rng.random() < 0.6 else leader
            demand.closed_at = t
            demand.flagged = False
            self._event(demand, Action.CLOSE, State.CLOSED, closer.user, t)
            return

    def _came_back(self, count: int):
        """A couple of residents say through the card that the problem came back (flagged, reopened)."""
        closed = [
            d
            for d in self.demands
            if d.state == State.CLOSED
            and d.resident_phone
            and d.closed_at < self.cutoff - timedelta(days=30)
            and d.closed_at > self.cutoff - timedelta(days=90)
        ]
        for demand in self.rng.sample(closed, min(count, len(closed))):
            at = demand.closed_at + timedelta(days=self.rng.randint(10, 25), hours=3)
            demand.flagged = True
            self._reopen(demand, at, None, Action.CAME_BACK, self.rng.choice(CAME_BACK_NOTES))

    def demands_for(self, tw: _Township):
        rng = self.rng
        # 1. Each line of a visit's "demands raised", as the visit's signal makes them.
        for v in tw.visits:
            for line in v.demands_raised.splitlines():
                text = line.strip(" \t-•·、")
                if not text:
                    continue
                word = next((w for w in LINE_WORDS if w in text), None)
                problem = next((p for p in PROBLEMS if word and word in p.text), None)
                self._demand(
                    tw,
                    at=v.visited_at,
                    source=SOURCE_BY_METHOD.get(v.method, Source.VISIT),
                    recorded_by=v.cadre.user,
                    cadre=v.cadre,
                    household=v.household,
                    village=v.area,
                    visit=v,
                    problem=problem,
                    description=text,
                    resident_name=v.met_whom or (v.household.head_name if v.household else ""),
                )
        # 2. The reception day: most who come raise something, registered on the spot.
        for v in tw.visits:
            if v.method == Visit.Method.RECEPTION and rng.random() < 0.7:
                household = rng.choice(tw.households.get(v.area_id) or tw.all_households)
                self._demand(
                    tw,
                    at=v.visited_at + timedelta(minutes=10),
                    source=Source.RECEPTION,
                    recorded_by=v.cadre.user,
                    cadre=v.cadre,
                    household=household,
                    visit=v,
                )
                v._used = True
        # 3. The suggestion box: a few notes ask for something to be done.
        for v in tw.visits:
            if v.method == Visit.Method.SUGGESTION_BOX and rng.random() < 0.2:
                # The 党政办 opens the box and reports to the leaders (seed 004), who take it
                # on: the entry is theirs, and the 党政办 reviews it.
                leader = tw.leaders[-1]
                self._demand(
                    tw,
                    at=v.visited_at + timedelta(minutes=30),
                    source=Source.BOX,
                    recorded_by=leader.user,
                    cadre=leader,
                    village=rng.choice(tw.villages),
                    visit=v,
                    resident_name="",
                )
                v._used = True

        by_month = defaultdict(list)
        for v in tw.visits:
            home = v.household is not None and v.method in ("home", "phone", "message")
            if home and not v.demands_raised:
                by_month[timezone.localdate(v.visited_at).replace(day=1)].append(v)
        paired = [h for h in tw.all_households if h.pk in tw.paired]
        received = Counter(d.occurred_on.replace(day=1) for d in self.demands if d._tw is tw)
        scale = len(tw.all_households) / 400
        for month in _months(self.start, self.today):
            target = round(rng.randint(24, 34) * scale)
            if month == self.today.replace(day=1):
                target = round(target * self.today.day / 30)
            made = received[month]
            # 4. Reception days before the roster was entered: the paper register's Wednesdays.
            day = month + timedelta(days=(2 - month.weekday()) % 7)
            while day.month == month.month and day <= self.today:
                before_roster = tw.roster_from is None or day < tw.roster_from
                if day >= self.start and before_roster and self.calendar.is_workday(day):
                    for _n in range(rng.randint(0, 2)):
                        on_duty = tw.leaders[day.isocalendar()[1] % len(tw.leaders)]
                        self._demand(
                            tw,
                            at=_aware(day, rng.randint(9, 11), rng.choice(range(0, 60, 5))),
                            source=Source.RECEPTION,
                            recorded_by=on_duty.user,
                            cadre=on_duty,
                            household=rng.choice(tw.all_households),
                        )
                        made += 1
                day += timedelta(days=7)
            # 5. The contact card's QR code: the resident writes, any day, any hour.
            for _n in range(rng.randint(0, 2)):
                day = self._day_in(month, workday=False)
                if day is None or not paired:
                    break
                household = rng.choice(paired)
                self._demand(
                    tw,
                    at=_aware(day, rng.randint(7, 21), rng.randint(0, 59)),
                    source=Source.QR,
                    recorded_by=None,
                    cadre=tw.paired[household.pk],
                    household=household,
                )
                made += 1
            # 6. Calls to the cadre, and a resident who came to the office.
            for source in [Source.PHONE, Source.PHONE, Source.DIRECT]:
                day = self._day_in(month)
                if day is None:
                    break
                household = rng.choice(tw.all_households)
                cadre = tw.cadre_of(household)
                self._demand(
                    tw,
                    at=self._office_time(day),
                    source=source,
                    recorded_by=cadre.user,
                    cadre=cadre,
                    household=household,
                )
                made += 1
            # 7. The rest from home visits and calls: the visit gets the line.
            candidates = by_month.get(month, [])
            for v in rng.sample(candidates, min(len(candidates), max(0, target - made))):
                problem = self._problem(v.household, v.visited_at)
                description = self._fill(problem.text, v.household)
                v.demands_raised = description
                self.touched_visits.append(v)
                self._demand(
                    tw,
                    at=v.visited_at + timedelta(minutes=rng.randint(5, 40)),
                    source=SOURCE_BY_METHOD.get(v.method, Source.VISIT),
                    recorded_by=v.cadre.user,
                    cadre=v.cadre,
                    household=v.household,
                    visit=v,
                    problem=problem,
                    description=description,
                    resident_name=v.met_whom,
                )
                v._used = True

    # --- 困难群众 -------------------------------------------------------------------------

    def difficulty_for(self, tw: _Township):
        rng = self.rng
        for household in tw.all_households:
            for category in household.categories.all():
                if not category.in_difficulty:
                    continue
                recent = rng.random() < 0.2
                if recent:
                    recognised = self.start + timedelta(days=rng.randint(10, 330))
                    entered = self._workday(recognised + timedelta(days=rng.randint(0, 5)))
                else:
                    recognised = self.start - timedelta(days=rng.randint(30, 2900))
                    # The ledger was entered in the system's first weeks.
                    entered = self._workday(self.start + timedelta(days=rng.randint(3, 40)))
                if entered >= self.today:
                    continue
                level, allowance = self._level(category, household)
                reason = rng.choice(DIFFICULTY_REASONS[category.code]).format(
                    sick=rng.choice(ILLNESSES)
                )
                recorder = tw.cadre_of(household)
                if (
                    category.code == "dibao"
                    and not recent
                    and level != DifficultyRecord.Level.CLASS_C
                    and rng.random() < 0.2
                ):
                    # Re-graded at the annual review: the old recognition ends, a new one starts.
                    regraded = self._workday(self.start + timedelta(days=rng.randint(60, 300)))
                    self._entry(
                        tw,
                        DifficultyRecord(
                            household=household,
                            area=household.village,
                            category=category,
                            reason=reason,
                            level=DifficultyRecord.Level.CLASS_C,
                            recognised_on=recognised,
                            monthly_allowance=Decimal(rng.randrange(200, 360, 10)),
                            ended_on=regraded,
                            occurred_on=entered,
                        ),
                        recorder.user,
                        self._office_time(entered),
                    )
                    recognised, entered = regraded, regraded
                    reason = f"{reason}年度复核，家庭收入下降，调整档次。"
                self._entry(
                    tw,
                    DifficultyRecord(
                        household=household,
                        area=household.village,
                        category=category,
                        reason=reason,
                        level=level,
                        recognised_on=recognised,
                        monthly_allowance=allowance,
                        occurred_on=entered,
                    ),
                    recorder.user,
                    self._office_time(entered),
                )

    def _level(self, category: HouseholdCategory, household: Household):
        rng = self.rng
        if category.code == "dibao":
            level = rng.choices(["a", "b", "c"], weights=[2, 5, 3])[0]
            per_person = {"a": (600, 800), "b": (400, 560), "c": (200, 340)}[level]
            people = max(1, len(household.members.all()))
            return level, Decimal(rng.randrange(*per_person, 10) * min(people, 3))
        if category.code == "tekun":
            return DifficultyRecord.Level.UNGRADED, Decimal(rng.randrange(1300, 1560, 10))
        if category.code == "disabled":
            return DifficultyRecord.Level.UNGRADED, Decimal(rng.choice([90, 180]))
        return DifficultyRecord.Level.UNGRADED, None

    # --- 稳定工作 -------------------------------------------------------------------------

    def stability_for(self, tw: _Township):
        rng = self.rng
        petitioners = [
            h for h in tw.all_households if any(c.code == "petitioner" for c in h.categories.all())
        ]
        visits_by_household = defaultdict(list)
        for v in tw.visits:
            if v.household_id and v.method == Visit.Method.HOME and v.visited_at < self.cutoff:
                visits_by_household[v.household_id].append(v)
        for month in _months(self.start, self.today):
            for _n in range(rng.randint(2, 5)):
                day = self._day_in(month)
                if day is None:
                    break
                kind, parties, summary, measures, result = rng.choice(DISPUTES)
                if kind == StabilityCase.Kind.PETITION and petitioners:
                    household = rng.choice(petitioners)
                else:
                    household = rng.choice(tw.all_households)
                neighbours = tw.households[household.village.pk]
                other = rng.choice([h for h in neighbours if h != household] or neighbours)
                visit = next(
                    (
                        v
                        for v in visits_by_household[household.pk]
                        if timezone.localdate(v.visited_at).replace(day=1) == month
                    ),
                    None,
                )
                at = visit.visited_at + timedelta(minutes=20) if visit else self._office_time(day)
                day = timezone.localdate(at)
                risky = kind in (StabilityCase.Kind.PETITION, StabilityCase.Kind.COMPENSATION)
                risk = rng.choices(
                    list(StabilityCase.Risk.values), weights=[2, 4, 3] if risky else [6, 3, 1]
                )[0]
                settled = day + timedelta(days=rng.randint(1, 35 if risky else 20))
                case = StabilityCase(
                    household=household,
                    area=household.village,
                    visit=visit,
                    source=Source.VISIT if visit else rng.choice([Source.PHONE, Source.DIRECT]),
                    occurred_on=day,
                    kind=kind,
                    parties=parties.format(
                        a=household.head_name, b=other.head_name, n=rng.randint(3, 9)
                    ),
                    summary=summary,
                    risk=risk,
                    measures=measures,
                )
                if settled <= self.today:
                    if rng.random() < 0.05 or (risky and rng.random() < 0.2):
                        case.status = StabilityCase.Status.REFERRED
                        case.result = rng.choice(["已移交镇综治中心。", "已移交市信访局依法处理。"])
                    else:
                        case.status = StabilityCase.Status.RESOLVED
                        case.result = result.format(n=rng.randint(2, 9))
                        case.resolved_on = settled
                        case.resolved_in_village = rng.random() < (0.3 if risky else 0.85)
                    case._settled_at = self._office_time(settled)
                recorder = visit.cadre if visit else tw.cadre_of(household)
                self._entry(tw, case, recorder.user, at)

    # --- 村情 and 党情 ----------------------------------------------------------------------

    def sheets_for(self, tw: _Township):
        rng = self.rng
        demand_kinds = defaultdict(Counter)
        for d in self.demands:
            if d._tw is tw:
                demand_kinds[(d.area_id, d.occurred_on.replace(day=1))][d.kind] += 1
        old_members_visited = defaultdict(set)
        for v in tw.visits:
            if v.household is not None and any(
                c.code == "old_party_member" for c in v.household.categories.all()
            ):
                month = timezone.localdate(v.visited_at).replace(day=1)
                old_members_visited[(v.household.village.pk, month)].add(v.household_id)
        months = [self.today.replace(day=1)]
        for _n in range(11):
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
        for village in tw.villages:
            households = tw.households.get(village.pk, [])
            members = [m for h in households for m in h.members.all()]
            party = sum(m.is_party_member for m in members)
            cadres = tw.village_cadres.get(village.pk) or [tw.leaders[0]]
            industries = "、".join(rng.sample(INDUSTRIES, 2))
            projects = rng.sample(PROJECTS, 2)
            income = rng.randrange(120, 800) * 1000
            problem = rng.choice(ORGANISATION_PROBLEMS)
            for month in months:
                # Written in the month's first working days; this month's, once they are past.
                written = self._workday(month + timedelta(days=rng.randint(0, 4)))
                if written >= self.today:
                    continue
                at = self._office_time(written)
                counted = demand_kinds[(village.pk, month)]
                problems = "、".join(f"{KIND_WORDS[k]}（{n}件）" for k, n in counted.most_common(3))
                self._entry(
                    tw,
                    VillageSituation(
                        area=village,
                        occurred_on=month,
                        population=len(members),
                        households_count=len(households),
                        party_members=party,
                        collective_income=Decimal(round(income * month.month / 12, -2)),
                        industries=industries,
                        projects="、".join(projects[: 1 + month.month % 2]),
                        problems=f"本月群众反映较多的问题：{problems}。" if problems else "",
                    ),
                    cadres[0].user,
                    at,
                )
                suffix = "委员会" if village.code[-3] == "0" else "支部委员会"
                self._entry(
                    tw,
                    PartySituation(
                        area=village,
                        occurred_on=month,
                        branch=f"中共{village.name}{suffix}",
                        members=party,
                        old_members_visited=len(old_members_visited[(village.pk, month)]),
                        members_demands=rng.choice(MEMBERS_DEMANDS),
                        organisation_problems=problem,
                        measures=rng.choice(PARTY_MEASURES),
                    ),
                    cadres[0].user,
                    at + timedelta(minutes=10),
                )

    # --- 民情 ---------------------------------------------------------------------------

    def opinions_for(self, tw: _Township):
        rng = self.rng
        chosen = []
        for v in tw.visits:
            if getattr(v, "_used", False) or v.demands_raised or v.visited_at >= self.cutoff:
                continue
            if v.method == Visit.Method.SUGGESTION_BOX:
                chosen.append(v)  # each logged note of the box is an opinion
            elif v.method == Visit.Method.RECEPTION:
                chosen.append(v)
            elif rng.random() < 0.25 and any(w in v.situation for w in OPINIONS_BY_SITUATION):
                chosen.append(v)  # a resident's suggestion noted on a visit
        for v in chosen:
            topic, content = next(
                (found for words, found in OPINIONS_BY_SITUATION.items() if words in v.situation),
                rng.choice(OPINIONS),
            )
            at = v.visited_at + timedelta(minutes=15)
            day = timezone.localdate(at)
            rectified_on = day + timedelta(days=rng.randint(7, 45))
            rectified = rng.random() < 0.7 and rectified_on <= self.today
            if v.method == Visit.Method.SUGGESTION_BOX:
                recorder, person = tw.leaders[-1], "匿名"  # see the box's demands above
                area = v.area
            else:
                recorder = v.cadre
                person = v.met_whom or (v.household.head_name if v.household else "")
                area = v.household.village if v.household else v.area
            opinion = OpinionRecord(
                household=v.household,
                area=area,
                visit=v,
                source={
                    Visit.Method.SUGGESTION_BOX: Source.BOX,
                    Visit.Method.RECEPTION: Source.RECEPTION,
                }.get(v.method, Source.VISIT),
                occurred_on=day,
                topic=topic,
                content=content,
                person=person,
                rectified=rectified,
                rectified_on=rectified_on if rectified else None,
            )
            if rectified:
                opinion.response = rng.choice(RESPONSES[True]).format(done=RECTIFIED[topic])
                opinion._settled_at = self._office_time(rectified_on)
            elif day < self.today - timedelta(days=14):
                opinion.response = rng.choice(RESPONSES[False])
                opinion._settled_at = self._later(at, rng.randint(3, 10))
            self._entry(tw, opinion, recorder.user, at)

    # --- Review -------------------------------------------------------------------------

    def _entry(self, tw: _Township, entry, recorded_by: User | None, at: datetime):
        entry.recorded_by = recorded_by
        entry._tw = tw
        entry._recorded_at = at
        entry._changed_at = max(at, min(getattr(entry, "_settled_at", at), self.cutoff))
        entry._changed_by = recorded_by
        self.entries[type(entry)].append(entry)

    def review(self):
        """The 党政办 approves within a few working days; the last week waits; a few go back."""
        rng = self.rng
        self.entries[Demand] = self.demands
        fresh = self.today - timedelta(days=7)
        recent = []
        for entries in self.entries.values():
            for entry in entries:
                reviewer = entry._tw.reviewer.user
                if entry.recorded_by == reviewer:
                    continue  # nobody reviews their own entry
                recorded = timezone.localdate(entry._recorded_at)
                if recorded > fresh:
                    recent.append(entry)
                    continue
                if rng.random() < 0.02:
                    continue  # a few stragglers still in the queue
                at = self._later(entry._recorded_at, rng.randint(1, 6))
                if at > self.cutoff:
                    recent.append(entry)
                    continue
                self._approve(entry, at)
                if recorded > self.today - timedelta(days=40):
                    recent.append(entry)
        # A handful returned with a note, two of them to 张丽 (a demand and another entry, where
        # she has both), so that her home page shows them.
        recent = [e for e in recent if e._recorded_at < self.cutoff - timedelta(days=1)]

        def by_zhangli(e):
            return e.recorded_by is not None and e.recorded_by.username == "zhangli"

        hers = [e for e in recent if by_zhangli(e)]
        if len(hers) < 2:
            every = [e for entries in self.entries.values() for e in entries if by_zhangli(e)]
            hers = sorted(every, key=lambda e: e._recorded_at)[-2:]
        demands = [e for e in hers if isinstance(e, Demand)]
        picks = demands[:1] + [e for e in hers if not isinstance(e, Demand)][:1]
        picks += [e for e in hers if e not in picks][: 2 - len(picks)]
        others = [e for e in recent if e.recorded_by is not None and not by_zhangli(e)]
        for entry in [*picks, *rng.sample(others, min(6, len(others)))]:
            at = min(self._later(entry._recorded_at, 1), self.cutoff)
            entry.review_state = ReviewState.RETURNED
            notes = RETURN_NOTES[type(entry).__name__]
            if isinstance(entry, Demand) and not entry.resident_phone:
                notes = [NO_PHONE_NOTE]
            entry.review_note = rng.choice(notes)
            entry.reviewed_by = entry._tw.reviewer.user
            entry.reviewed_at = at

    def _approve(self, entry, at: datetime):
        entry.review_state = ReviewState.APPROVED
        entry.reviewed_by = entry._tw.reviewer.user
        entry.reviewed_at = at

    # --- Writing ------------------------------------------------------------------------

    def save(self) -> dict[str, int]:
        counts = {}
        # References as the office numbers them: year and a running number, in the order recorded.
        self.demands.sort(key=lambda d: d._recorded_at)
        numbers = Counter()
        for demand in self.demands:
            numbers[demand.occurred_on.year] += 1
            demand.reference = f"{demand.occurred_on.year}-{numbers[demand.occurred_on.year]:06d}"
        self.entries[Demand] = self.demands
        for model, entries in self.entries.items():
            for entry in entries:
                entry.created_at = entry._recorded_at
                changed = [entry._changed_at, entry.reviewed_at or entry._recorded_at]
                entry.updated_at = max(changed)
            with _stamped_as_given(model):
                model.objects.bulk_create(entries, batch_size=500)
            self._history(model, entries)
            counts[model._meta.model_name] = len(entries)
        events = [e for d in self.demands for e in sorted(d._events, key=lambda e: e.at)]
        DemandEvent.objects.bulk_create(events, batch_size=1000)
        ReturnVisit.objects.bulk_create(
            [r for d in self.demands for r in d._return_visits], batch_size=1000
        )
        # The line each visit raised, one query per line rather than one CASE over every visit.
        by_line = defaultdict(list)
        for visit in self.touched_visits:
            by_line[visit.demands_raised].append(visit.pk)
        for line, pks in by_line.items():
            Visit.objects.filter(pk__in=pks).update(demands_raised=line)
        counts["events"] = len(events)
        return counts

    def _history(self, model, entries):
        """The entry as recorded, and as it stands where it moved on since (see the module's doc)."""
        first, last = [], []
        for entry in entries:
            recorded = copy.copy(entry)
            recorded.review_state = ReviewState.PENDING
            recorded.review_note = ""
            recorded.reviewed_by_id = None
            recorded.reviewed_at = None
            if isinstance(entry, Demand):
                recorded.state = State.RECORDED
                recorded.deadline = entry._initial_deadline
                for name in ("handler_cadre_id", "escalated_to_id", "assigned_at", "resolved_at"):
                    setattr(recorded, name, None)
                recorded.closed_at = None
                for name in ("handler_level", "handler_unit", "instructions", "resolution"):
                    setattr(recorded, name, "")
                recorded.resolution_kind = ""
                recorded.reopen_count = 0
                recorded.flagged = False
            elif isinstance(entry, StabilityCase):
                recorded.status = StabilityCase.Status.OPEN
                recorded.result = ""
                recorded.resolved_on = None
                recorded.resolved_in_village = False
            elif isinstance(entry, OpinionRecord):
                recorded.response = ""
                recorded.rectified = False
                recorded.rectified_on = None
            recorded._history_date = entry._recorded_at
            recorded._history_user = entry.recorded_by
            first.append(recorded)
            if entry.updated_at > entry._recorded_at:
                now = copy.copy(entry)
                now._history_date = entry.updated_at
                now._history_user = (
                    entry.reviewed_by
                    if entry.reviewed_at and entry.reviewed_at >= entry._changed_at
                    else entry._changed_by
                )
                last.append(now)
        model.history.bulk_history_create(first, batch_size=500)
        model.history.bulk_history_create(last, batch_size=500, update=True)

    def correction(self):
        """One approved entry of 张丽's with a correction waiting for the 党政办."""
        demand = next(
            (
                d
                for d in reversed(self.demands)
                if d.review_state == ReviewState.APPROVED
                and d.recorded_by is not None
                and d.recorded_by.username == "zhangli"
                and d.resident_phone
            ),
            None,
        )
        if demand is None:
            return 0
        digits = list(demand.resident_phone)
        digits[-1], digits[-2] = digits[-2], digits[-1]
        if digits == list(demand.resident_phone):
            digits[-1] = str((int(digits[-1]) + 1) % 10)
        EntryCorrection.objects.create(
            entry=demand,
            author=demand.recorded_by,
            reason="群众联系电话登记时后两位写颠倒了。",
            changes={"resident_phone": "".join(digits)},
        )
        return 1


def build_ledgers(county: Area, *, seed: int = SEED, today: date | None = None) -> dict[str, int]:
    """Write the year of ledgers; call once, after `contact.demo_activity.build_activity`."""
    rng = random.Random(seed)
    builder = _Builder(county, rng, today or timezone.localdate())
    townships = []
    for area in Area.objects.within(county).filter(level=Area.Level.TOWNSHIP):
        tw = builder._township(area)
        if tw is not None:
            townships.append(tw)
    for tw in townships:
        builder.demands_for(tw)
    builder._came_back(3)
    for tw in townships:
        builder.difficulty_for(tw)
        builder.stability_for(tw)
        builder.sheets_for(tw)
        builder.opinions_for(tw)
    builder.review()
    counts = builder.save()
    counts["corrections"] = builder.correction()
    return counts


# --- Due items and their trail --------------------------------------------------------------
#
# The activity and the ledgers are bulk-created, so no signal opened their due
# items: `load_demo` calls `contact.due.due_rebuild()` after them. An item long
# overdue would then have an empty trail, and the first sweep after `make run`
# would send every cadre every reminder and escalation of the past weeks at
# once. `build_due_trail` writes the reminders a sweep running all along would
# have sent up to yesterday, at the time it would have sent them, without
# notifications: the first real sweep sends only what today adds.

# The submissions (报送) the 包村 cadres missed last month, per township and county-wide.
MISSED_LAST_MONTH = {"510184104": 2}
MISSED_ELSEWHERE = 3
# What 张丽 wrote as the next step of her latest visits: due today, tomorrow and two days ago.
ZHANGLI_NEXT_STEPS = [
    (0, "带低保复核表到家中签字"),
    (1, "联系村医上门给老人测血压"),
    (-2, "答复危房改造补助政策咨询"),
]


def build_submissions(county: Area, *, seed: int = SEED, today: date | None = None) -> int:
    """A year of 报送: most villages on time, a few late, a few missing last month.

    This month's rows are left to the planner (`ledgers.reminders`), except
    for the villages that submitted early when the due day is still ahead.
    """
    from contact.reminders import settings_for
    from ledgers.models import LedgerSubmission

    rng = random.Random(seed + 1)
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    day = settings_for(county).ledger_submission_day
    pairings = (
        Pairing.objects.active(today)
        .filter(
            kind=Pairing.Kind.VILLAGE,
            cadre__isnull=False,
            area__code__startswith=county.code,
            area__level=Area.Level.VILLAGE,
        )
        .select_related("area", "cadre__user")
        .order_by("area__code", "start_date", "pk")
    )
    first = {}
    for pairing in pairings:
        first.setdefault(pairing.area_id, pairing)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # Missed last month: in 桤泉镇 two villages other than 张丽's, and a few elsewhere.
    candidates = [p for p in first.values() if p.cadre.user.username != "zhangli"]
    missed = set()
    for prefix, count in MISSED_LAST_MONTH.items():
        inside = [p.area_id for p in candidates if p.area.code.startswith(prefix)]
        missed.update(rng.sample(inside, min(count, len(inside))))
    outside = [
        p.area_id
        for p in candidates
        if not any(p.area.code.startswith(prefix) for prefix in MISSED_LAST_MONTH)
    ]
    missed.update(rng.sample(outside, min(MISSED_ELSEWHERE, len(outside))))

    rows = []
    for village_id, pairing in first.items():
        start = max(pairing.start_date, today - timedelta(days=365))
        for month in _months(start, today):
            due = month.replace(day=day)
            if month == this_month:
                # Early birds only, and never 张丽, whose month is still to do.
                early = due > today and rng.random() < 0.25
                if not early or pairing.cadre.user.username == "zhangli":
                    continue
                when = today - timedelta(days=rng.randint(1, min(5, today.day - 1) or 1))
                when = max(when, month)
            elif month == last_month and village_id in missed:
                rows.append(LedgerSubmission(village_id=village_id, month=month))
                continue
            elif rng.random() < 0.08:
                when = due + timedelta(days=rng.randint(1, 6))  # late
            else:
                when = due - timedelta(days=rng.randint(0, 6))
            if when >= today:
                continue
            rows.append(
                LedgerSubmission(
                    village_id=village_id,
                    month=month,
                    submitted_by=pairing.cadre.user,
                    submitted_at=_aware(when, rng.randint(9, 17), rng.choice([0, 15, 30, 45])),
                )
            )
    LedgerSubmission.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def zhangli_next_steps(today: date | None = None) -> int:
    """张丽's latest visits end with a next step: one due today, one tomorrow, one overdue."""
    today = today or timezone.localdate()
    visits = list(
        Visit.objects.filter(cadre__user__username="zhangli", household__isnull=False)
        .order_by("-visited_at", "-pk")
        .values_list("pk", flat=True)[: len(ZHANGLI_NEXT_STEPS)]
    )
    for pk, (days, text) in zip(visits, ZHANGLI_NEXT_STEPS, strict=False):
        Visit.objects.filter(pk=pk).update(
            next_step=text, next_step_date=today + timedelta(days=days)
        )
    return len(visits)


def build_due_trail(county: Area, *, today: date | None = None) -> dict[str, int]:
    """The reminders the open items would have had by yesterday, and the reception days held.

    Call after `due_rebuild`. Returns how many reminders it wrote and how
    many of the open items are overdue, due today and due tomorrow.
    """
    from contact.models import DueItem, Reminder, person_name
    from contact.reminders import LADDER, recipients, settings_for

    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    calendar = WorkdayCalendar()
    Kind = Reminder.Kind
    in_county = DueItem.objects.open().filter(area__code__startswith=county.code)

    # The past reception days were held; nobody came to some, which closes nothing by itself.
    held = list(in_county.filter(kind=DueItem.Kind.RECEPTION, due_on__lt=today))
    for item in held:
        item.state = DueItem.State.DONE
        item.closed_at = _aware(item.due_on, 12, 0)
    DueItem.objects.bulk_update(held, ["state", "closed_at"], batch_size=500)

    counties, names, reminders, changed = {}, {}, [], []
    items = in_county.filter(due_on__lte=today).select_related("area", "cadre__user")
    for item in items.order_by("pk"):
        code = Area.code_at(item.area.code, Area.Level.COUNTY)
        if code not in counties:
            counties[code] = settings_for(item.area)
        sent = [(Kind.BEFORE, item.due_on - timedelta(days=1))]
        if item.due_on < today:
            sent.append((Kind.ON_DAY, item.due_on))
            for kind, setting, _who in LADDER:
                days = getattr(counties[code], setting)
                if days and calendar.add_workdays(item.due_on, days) <= yesterday:
                    sent.append((kind, calendar.add_workdays(item.due_on, days)))
        for kind, day in sent:
            key = (kind, Area.code_at(item.area.code, Area.Level.VILLAGE), item.cadre_id)
            if key not in names:
                names[key] = "、".join(person_name(user) for user in recipients(item, kind))[:300]
            reminders.append(
                Reminder(item=item, kind=kind, sent_at=_aware(day, 7, 30), recipients=names[key])
            )
        escalations = [int(kind[-1]) for kind, _day in sent if kind.startswith("escalation")]
        if escalations:
            item.state, item.escalation_level = DueItem.State.ESCALATED, max(escalations)
        else:
            item.state = DueItem.State.REMINDED
        changed.append(item)
    Reminder.objects.bulk_create(reminders, batch_size=500)
    DueItem.objects.bulk_update(changed, ["state", "escalation_level"], batch_size=500)
    return {
        "reminders": len(reminders),
        "open": in_county.count(),
        "overdue": in_county.filter(due_on__lt=today).count(),
        "today": in_county.filter(due_on=today).count(),
        "tomorrow": in_county.filter(due_on=today + timedelta(days=1)).count(),
    }
