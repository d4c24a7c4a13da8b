"""The six ledgers (六本台账, seed 002), the demand workflow and its review.

Seed 002's townships kept six paper ledgers per village: 民生诉求, 困难群众,
稳定工作 (the three the province required) and 村情, 民情, 党情 (the three
贡井区 added). Each kind here has the columns its paper ledger had, on a
shared base: the area, the visit it came from, who recorded it and when, and
its review state (审核 by the party office).

Entries are read through `visible_to(user)`, like every other record.
Reviewed entries are locked: a change after approval is an
`EntryCorrection`, reviewed again before it applies.
"""

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from contact.models import Cadre, Visit
from households.models import Area, Household, HouseholdCategory
from households.scope import scope_for


class Source(models.TextChoices):
    """Where an entry came from: seed 004's five channels, and the card's QR code."""

    VISIT = "visit", _("Visit (走访)")
    RECEPTION = "reception", _("Reception day (接待日)")
    BOX = "box", _("Suggestion box (意见箱)")
    PHONE = "phone", _("Phone call")
    QR = "qr", _("Contact card QR code")
    DIRECT = "direct", _("Recorded directly")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class LedgerEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries in the user's areas, about their households, and always those they recorded."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if not user.is_authenticated:
            return self.none()
        q = scope.area_q("area__") | Q(recorded_by=user)
        if scope.extra_household_ids is not None:
            q |= Q(household__in=scope.extra_household_ids)
        return self.filter(q)

    def awaiting_review(self):
        return self.filter(review_state=ReviewState.PENDING)

    def in_area(self, area: Area | None):
        return self.filter(area__code__startswith=area.code) if area else self

    def in_period(self, start: date | None, end: date | None):
        """Entries that happened from `start` up to, not including, `end`."""
        qs = self
        if start:
            qs = qs.filter(occurred_on__gte=start)
        if end:
            qs = qs.filter(occurred_on__lt=end)
        return qs


class LedgerEntry(models.Model):
    """What every page of every ledger has: where, from which visit, who wrote it, its review."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("village or township"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("from visit"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.DIRECT
    )
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    review_state = models.CharField(
        _("review"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    review_note = models.CharField(_("reviewer's note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The form's key: a double tap or a resent form records the entry once.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    corrections = GenericRelation("EntryCorrection")

    objects = LedgerEntryQuerySet.as_manager()

    # Fields a reviewer's approval locks; the workflow's own fields (a demand's
    # state, handler, resolution) move on after approval and are not among them.
    content_fields: tuple[str, ...] = ()
    # The URL name of the entry's page, under the `ledgers` namespace.
    kind_slug = ""

    class Meta:
        abstract = True
        ordering = ["-occurred_on", "-pk"]

    def get_absolute_url(self):
        return reverse("ledgers:entry_detail", args=[self.kind_slug, self.pk])

    @property
    def is_locked(self) -> bool:
        return self.review_state == ReviewState.APPROVED

    def editable_by(self, user) -> bool:
        """The author edits until approval; a returned entry is edited and goes back to the queue."""
        return not self.is_locked and self.recorded_by_id == user.pk


# --- 民生诉求台账 -------------------------------------------------------------


class DemandQuerySet(LedgerEntryQuerySet):
    def open(self):
        return self.exclude(state=Demand.State.CLOSED)

    def overdue(self, on: date | None = None):
        """Not yet resolved, and the deadline has passed."""
        on = on or timezone.localdate()
        return self.filter(state__in=Demand.UNRESOLVED, deadline__lt=on)


class Demand(LedgerEntry):
    """A problem a resident raised, ranked 轻, 重, 缓, 急 (seed 002), through to its return visit.

    Replaces the 民生诉求 ledger and the 接待日 register behind seed 004's
    "received 200, handled 30, return-visited 35, implemented 28".
    """

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Urgent (急)")
        SERIOUS = "serious", _("Serious (重)")
        MODERATE = "moderate", _("Can wait (缓)")
        LIGHT = "light", _("Minor (轻)")

    class Kind(models.TextChoices):
        ROADS = "roads", _("Roads and transport")
        WATER = "water", _("Drinking water and irrigation")
        HOUSING = "housing", _("Housing")
        SOCIAL_SECURITY = "social_security", _("Subsistence allowance and social security")
        MEDICAL = "medical", _("Medical care")
        EDUCATION = "education", _("Education")
        EMPLOYMENT = "employment", _("Employment and income")
        LAND = "land", _("Land and forest")
        ENVIRONMENT = "environment", _("Environment and sanitation")
        DISPUTE = "dispute", _("Dispute")
        POLICY = "policy", _("Policy question")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded (登记)")
        ESCALATED = "escalated", _("Escalated (上报)")
        ASSIGNED = "assigned", _("Assigned (交办)")
        IN_PROGRESS = "in_progress", _("In progress (办理中)")
        RESOLVED = "resolved", _("Resolved (办结)")
        RETURN_VISITED = "return_visited", _("Return-visited (回访)")
        CLOSED = "closed", _("Closed (销号)")

    class Resolution(models.TextChoices):
        SOLVED = "solved", _("Solved")
        EXPLAINED = "explained", _("Outside policy: explained to the resident (答复说明)")

    class HandlerLevel(models.TextChoices):
        CADRE = "cadre", _("A cadre")
        UNIT = "unit", _("A unit")
        TOWNSHIP = "township", _("The township")
        COUNTY = "county", _("The county")

    UNRESOLVED = (State.RECORDED, State.ESCALATED, State.ASSIGNED, State.IN_PROGRESS)

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    description = models.TextField(_("what the resident asks"))
    resident_name = models.CharField(_("raised by"), max_length=30, blank=True)
    resident_phone = models.CharField(_("resident's phone"), max_length=20, blank=True)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("responsible cadre"),
        on_delete=models.PROTECT,
        related_name="demands",
        null=True,
        blank=True,
        help_text=_("The cadre the resident turned to; the demand is theirs until assigned."),
    )
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECORDED
    )
    handler_level = models.CharField(
        _("handled by"), max_length=10, choices=HandlerLevel.choices, blank=True
    )
    handler_cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="handled_demands",
        null=True,
        blank=True,
    )
    handler_unit = models.CharField(_("handling unit"), max_length=60, blank=True)
    escalated_to = models.ForeignKey(
        Area,
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    instructions = models.TextField(_("instructions"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_kind = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, blank=True
    )
    resolution = models.TextField(_("what was done"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    flagged = models.BooleanField(
        _("flagged to the office"),
        default=False,
        help_text=_("The resident said through the contact card that the problem came back."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = DemandQuerySet.as_manager()

    content_fields = (
        "kind",
        "urgency",
        "description",
        "resident_name",
        "resident_phone",
        "household",
        "area",
        "occurred_on",
    )
    kind_slug = "demands"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("demand (民生诉求)")
        verbose_name_plural = _("demands (民生诉求台账)")
        permissions = [
            ("assign_demand", _("Can assign and escalate demands (交办, 上报)")),
            ("return_visit_demand", _("Can record return visits (回访)")),
            ("close_demand", _("Can close demands (销号)")),
        ]
        indexes = [
            # The duplicate guard: open demands of a household by kind.
            models.Index(fields=["household", "kind", "state"], name="demand_household_kind"),
            # Counts per area and period, and the overdue list.
            models.Index(fields=["state", "deadline"], name="demand_state_deadline"),
            models.Index(fields=["occurred_on"], name="demand_occurred"),
            models.Index(fields=["review_state"], name="demand_review"),
        ]

    def __str__(self):
        return f"{self.reference} {self.description[:20]}"

    def get_absolute_url(self):
        return reverse("ledgers:demand_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.state in self.UNRESOLVED and self.deadline < timezone.localdate()

    @property
    def resolved_on_time(self) -> bool | None:
        if self.resolved_at is None:
            return None
        return timezone.localdate(self.resolved_at) <= self.deadline

    @property
    def handler_display(self) -> str:
        if self.handler_cadre_id:
            return str(self.handler_cadre)
        if self.handler_unit:
            return self.handler_unit
        if self.escalated_to_id:
            return str(self.escalated_to)
        return ""


class DemandEvent(models.Model):
    """One step of a demand's trail: who moved it, when, from which state to which, and why."""

    class Action(models.TextChoices):
        RECORD = "record", _("Recorded")
        ADD = "add", _("Raised again")
        ASSIGN = "assign", _("Assigned")
        ESCALATE = "escalate", _("Escalated")
        START = "start", _("Work started")
        RESOLVE = "resolve", pgettext_lazy("demand action", "Resolved")
        EXPLAIN = "explain", _("Explained to the resident")
        RETURN_VISIT = "return_visit", _("Return visit")
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")
        CAME_BACK = "came_back", _("Resident says it came back")
        EDIT = "edit", _("Edited")

    demand = models.ForeignKey(
        Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_state = models.CharField(
        _("from"), max_length=20, choices=Demand.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=Demand.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the resident did it through the contact card."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")
        ordering = ["at", "pk"]
        indexes = [
            # Counts per period: assignments, resolutions and closures by date.
            models.Index(fields=["action", "at"], name="demandevent_action_at"),
        ]

    def __str__(self):
        return f"{self.demand.reference} {self.get_action_display()}"


class ReturnVisit(models.Model):
    """回访: someone goes back and asks whether the resident is satisfied (seed 004)."""

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied (满意)")
        FAIRLY = "fairly", _("Fairly satisfied (基本满意)")
        DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")

    class Solved(models.TextChoices):
        SOLVED = "solved", _("Solved")
        PARTLY = "partly", _("Partly solved")
        NOT_SOLVED = "not_solved", _("Not solved")

    demand = models.ForeignKey(
        Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="return_visits"
    )
    visited_at = models.DateTimeField(_("date and time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=15, choices=Satisfaction.choices)
    solved = models.CharField(_("is the problem solved?"), max_length=15, choices=Solved.choices)
    comment = models.TextField(_("comment"), blank=True)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["visited_at", "pk"]
        indexes = [models.Index(fields=["visited_at"], name="returnvisit_at")]

    def __str__(self):
        return f"{self.demand.reference} {self.get_satisfaction_display()}"

    @property
    def reopens(self) -> bool:
        """不满意 or "not solved" sends the demand back to work."""
        return (
            self.satisfaction == self.Satisfaction.DISSATISFIED
            or self.solved == self.Solved.NOT_SOLVED
        )


class DemandAttachment(models.Model):
    """A photo (re-encoded, EXIF stripped) or a PDF that proves a resolution."""

    demand = models.ForeignKey(
        Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="demands/%Y/%m/")
    name = models.CharField(_("name"), max_length=100)
    content_type = models.CharField(max_length=50)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.name


# --- 困难群众台账 -------------------------------------------------------------


class DifficultyRecord(LedgerEntry):
    """Why and since when a household counts as in difficulty: 低保, 特困 and the rest (seed 001).

    The ledger itself is derived: the households whose categories are marked
    "in difficulty", each with this recognition, its help plans and the
    assistance handed over.
    """

    class Level(models.TextChoices):
        CLASS_A = "a", _("Class A (一类)")
        CLASS_B = "b", _("Class B (二类)")
        CLASS_C = "c", _("Class C (三类)")
        UNGRADED = "none", _("Not graded")

    category = models.ForeignKey(
        HouseholdCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"in_difficulty": True},
    )
    reason = models.CharField(_("reason"), max_length=200)
    level = models.CharField(_("level"), max_length=5, choices=Level.choices, default="none")
    recognised_on = models.DateField(_("recognised on"))
    monthly_allowance = models.DecimalField(
        _("monthly allowance (yuan)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    ended_on = models.DateField(_("no longer in difficulty from"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LedgerEntryQuerySet.as_manager()

    content_fields = (
        "household",
        "area",
        "category",
        "reason",
        "level",
        "recognised_on",
        "monthly_allowance",
        "ended_on",
        "occurred_on",
    )
    kind_slug = "difficulty"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("recognition of difficulty (困难群众)")
        verbose_name_plural = _("households in difficulty (困难群众台账)")

    def __str__(self):
        return f"{self.household} {self.category}"


# --- 稳定工作台账 -------------------------------------------------------------


class StabilityCase(LedgerEntry):
    """A dispute (矛盾纠纷) or petition (信访): seed 002's "60 disputes resolved before they grew"."""

    class Kind(models.TextChoices):
        NEIGHBOUR = "neighbour", _("Neighbour dispute")
        FAMILY = "family", _("Family dispute")
        LAND = "land", _("Land or boundary dispute")
        LABOUR = "labour", _("Wages and labour")
        COMPENSATION = "compensation", _("Land requisition and compensation")
        PETITION = "petition", _("Petition (信访)")
        OTHER = "other", _("Other")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        OPEN = "open", _("Being mediated")
        RESOLVED = "resolved", _("Resolved")
        REFERRED = "referred", _("Referred upwards")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parties = models.CharField(_("parties"), max_length=200)
    summary = models.TextField(_("what it is about"))
    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices)
    measures = models.TextField(_("measures taken"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    result = models.TextField(_("result"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_in_village = models.BooleanField(
        _("resolved in the village"),
        default=False,
        help_text=_("小事不出村: settled without going to the township."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LedgerEntryQuerySet.as_manager()

    content_fields = (
        "household",
        "area",
        "kind",
        "parties",
        "summary",
        "risk",
        "measures",
        "status",
        "result",
        "resolved_on",
        "resolved_in_village",
        "occurred_on",
    )
    kind_slug = "stability"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("dispute or petition (稳定工作)")
        verbose_name_plural = _("disputes and petitions (稳定工作台账)")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.parties}"


# --- 村情台账 -----------------------------------------------------------------


class VillageSituation(LedgerEntry):
    """A village's situation in one month: what a cadre new to the village reads first."""

    population = models.PositiveIntegerField(_("population"), default=0)
    households_count = models.PositiveIntegerField(_("households"), default=0)
    party_members = models.PositiveIntegerField(_("party members"), default=0)
    collective_income = models.DecimalField(
        _("collective income (yuan)"),
        max_digits=12,
        decimal_places=0,
        default=0,
        validators=[MinValueValidator(0)],
    )
    industries = models.TextField(_("main industries"), blank=True)
    projects = models.TextField(_("projects under way"), blank=True)
    problems = models.TextField(_("main problems"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LedgerEntryQuerySet.as_manager()

    content_fields = (
        "area",
        "occurred_on",
        "population",
        "households_count",
        "party_members",
        "collective_income",
        "industries",
        "projects",
        "problems",
    )
    kind_slug = "village"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("village situation (村情)")
        verbose_name_plural = _("village situation (村情台账)")
        constraints = [
            models.UniqueConstraint(fields=["area", "occurred_on"], name="one_village_sheet")
        ]

    def __str__(self):
        return f"{self.area} {self.occurred_on:%Y-%m}"


# --- 民情台账 -----------------------------------------------------------------


class OpinionRecord(LedgerEntry):
    """An opinion or suggestion (意见建议): seed 004's "60 opinions, 38 rectified"."""

    class Topic(models.TextChoices):
        WORK_STYLE = "work_style", _("Cadres' work style (四风)")
        LIVELIHOOD = "livelihood", _("Livelihood")
        DEVELOPMENT = "development", _("Development and industry")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        GOVERNANCE = "governance", _("Village governance")
        POLICY = "policy", _("Policy")
        PARTY = "party", _("Party building")
        OTHER = "other", _("Other")

    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    content = models.TextField(_("opinion or suggestion"))
    person = models.CharField(_("from whom"), max_length=60, blank=True)
    response = models.TextField(_("response"), blank=True)
    rectified = models.BooleanField(_("rectified (整改)"), default=False)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LedgerEntryQuerySet.as_manager()

    content_fields = (
        "household",
        "area",
        "topic",
        "content",
        "person",
        "response",
        "rectified",
        "rectified_on",
        "occurred_on",
    )
    kind_slug = "opinions"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("opinion (民情)")
        verbose_name_plural = _("public opinion (民情台账)")

    def __str__(self):
        return self.content[:30]


# --- 党情台账 -----------------------------------------------------------------


class PartySituation(LedgerEntry):
    """A party branch in one month: the 五问 "organisation" question (seed 002) and 访三老 (003)."""

    branch = models.CharField(_("party branch"), max_length=60)
    members = models.PositiveIntegerField(_("party members"), default=0)
    old_members_visited = models.PositiveIntegerField(_("老党员 visited"), default=0)
    members_demands = models.TextField(_("members' demands"), blank=True)
    organisation_problems = models.TextField(_("organisational problems"), blank=True)
    measures = models.TextField(_("measures"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LedgerEntryQuerySet.as_manager()

    content_fields = (
        "area",
        "occurred_on",
        "branch",
        "members",
        "old_members_visited",
        "members_demands",
        "organisation_problems",
        "measures",
    )
    kind_slug = "party"

    class Meta(LedgerEntry.Meta):
        verbose_name = _("party situation (党情)")
        verbose_name_plural = _("party situation (党情台账)")
        constraints = [
            models.UniqueConstraint(fields=["area", "occurred_on"], name="one_party_sheet")
        ]

    def __str__(self):
        return f"{self.branch} {self.occurred_on:%Y-%m}"


LEDGER_MODELS = (
    Demand,
    DifficultyRecord,
    StabilityCase,
    VillageSituation,
    OpinionRecord,
    PartySituation,
)


# --- 报送: the month's ledgers handed to the township ------------------------------


class LedgerSubmissionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Submissions of the villages in the user's areas, and always those the user made."""
        scope = scope_for(user)
        if scope.everything:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(scope.area_q("village__") | Q(submitted_by=user))

    def pending(self):
        return self.filter(submitted_at__isnull=True)


class LedgerSubmission(models.Model):
    """报送: a village's six ledgers for one month, handed to the township by its 包村 cadre.

    On paper the 包村 cadre took the village's six books to the township's
    party office by a set day of each month (the county's
    `ReminderSettings.ledger_submission_day`). The row of a village and month
    is opened, empty, with the month's due item (`ledgers.reminders`) and
    filled in when the cadre submits: a month missed stays on the record,
    overdue, while the next one opens.
    """

    village = models.ForeignKey(
        Area,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    objects = LedgerSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly ledger submission (报送)")
        verbose_name_plural = _("monthly ledger submissions (报送)")
        ordering = ["-month", "village__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month"], name="one_ledger_submission_per_village_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="ledger_submission_month_is_first_day"
            ),
        ]
        indexes = [
            # The monthly planner and the index page: the month's rows.
            models.Index(fields=["month", "village"], name="ledgersubmission_month"),
        ]

    def __str__(self):
        return f"{self.village} {self.month:%Y-%m}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


# --- Corrections after approval --------------------------------------------------


class EntryCorrectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A correction is visible with its entry; the entry's own queryset decides."""
        scope = scope_for(user)
        if scope.everything:
            return self
        q = Q(author=user)
        for model in LEDGER_MODELS:
            ct = ContentType.objects.get_for_model(model)
            ids = model.objects.visible_to(user).values("pk")
            q |= Q(content_type=ct, object_id__in=ids)
        return self.filter(q)


class EntryCorrection(models.Model):
    """A change to an approved entry: the entry keeps its values until a reviewer approves this."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    entry = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason for correction"), max_length=200)
    # Field name → new value, as a form would post it (dates ISO, foreign keys by id).
    changes = models.JSONField(_("changes"))
    state = models.CharField(
        _("review"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    review_note = models.CharField(_("reviewer's note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = EntryCorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction of a reviewed entry")
        verbose_name_plural = _("corrections of reviewed entries")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="correction_entry")]
        permissions = [("review_entry", _("Can review ledger entries (审核)"))]

    def __str__(self):
        return self.reason


# --- County settings and the working-day calendar -------------------------------


class CountySettings(models.Model):
    """What a county sets for itself: demand deadlines per urgency, in working days."""

    county = models.OneToOneField(
        Area,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="ledger_settings",
        limit_choices_to={"level": Area.Level.COUNTY},
    )
    urgent_days = models.PositiveSmallIntegerField(
        _("urgent (急): working days"), default=3, validators=[MinValueValidator(1)]
    )
    serious_days = models.PositiveSmallIntegerField(
        _("serious (重): working days"), default=7, validators=[MinValueValidator(1)]
    )
    moderate_days = models.PositiveSmallIntegerField(
        _("can wait (缓): working days"), default=15, validators=[MinValueValidator(1)]
    )
    light_days = models.PositiveSmallIntegerField(
        _("minor (轻): working days"), default=30, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("county settings")
        verbose_name_plural = _("county settings")

    def __str__(self):
        return str(self.county)

    def deadline_days(self, urgency: str) -> int:
        return getattr(self, f"{urgency}_days")


class WorkdayOverride(models.Model):
    """A day the official calendar makes a holiday or a working day (调休).

    The chinesecalendar package knows the State Council's calendar up to the
    year it was released; the office adds a year it does not know yet here,
    when the State Council publishes it (usually in November).
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=60, blank=True, help_text=_("For example: 春节."))

    class Meta:
        verbose_name = _("holiday or working-day change")
        verbose_name_plural = _("holidays and working-day changes")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.note}"
