"""What cadres do: who they are, whom they are paired with, and the 民情日志 they keep.

The Cadre profile replaces the township's printed list of cadres with their
posts and phone numbers, the same details a contact card (干群联系卡,
seeds 000, 002, 004) gives residents.
"""

from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from contact.roles import Role
from households.models import Area
from households.scope import scope_for
from households.validators import validate_phone


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q("scope_area__") | Q(user=user))


class Cadre(models.Model):
    """A cadre's profile on a Django user: who they are and which area they answer for."""

    class Rank(models.TextChoices):
        CITY_LEADER = "city_leader", _("City or county leader")
        DEPARTMENT = "department", _("Department cadre")
        TOWNSHIP_LEADER = "township_leader", _("Township leader")
        MIDDLE = "middle", _("Middle-level cadre")
        TOWNSHIP = "township", _("Township cadre")
        FIRST_SECRETARY = "first_secretary", _("First secretary / resident cadre")
        VILLAGE = "village", _("Village cadre")
        POLICE = "police", _("Police officer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="cadre",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30)
    unit = models.CharField(_("unit"), max_length=60)
    post = models.CharField(_("post"), max_length=60, blank=True)
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices)
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_phone],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="cadres/", blank=True)
    scope_area = models.ForeignKey(
        Area,
        verbose_name=_("scope area"),
        on_delete=models.PROTECT,
        related_name="scoped_cadres",
        help_text=_("What this cadre sees: a village, a township, or the whole county."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=True)
    password_changed_at = models.DateTimeField(_("password changed"), default=timezone.now)

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["scope_area__code", "name"]

    def __str__(self):
        return self.name

    @property
    def roles(self) -> set[str]:
        return set(self.user.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    def password_expired(self) -> bool:
        age = timezone.now() - self.password_changed_at
        return age.days >= settings.PASSWORD_MAX_AGE_DAYS


def person_name(user) -> str:
    """A user as colleagues know them: the cadre's name, else the account name."""
    if user is None:
        return ""
    cadre = getattr(user, "cadre", None)
    return cadre.name if cadre else (user.get_full_name() or user.get_username())


class PairingQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        from households.models import Household

        return self.filter(
            Q(household__in=Household.objects.visible_to(user))
            | scope.area_q("area__")
            | Q(cadre__user=user)
        )

    def current_for(self, household):
        """The household's active 包户 pairing (one at most: 一帮一), as a queryset."""
        return self.active().filter(kind=Pairing.Kind.HOUSEHOLD, household=household)

    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gt=on))


class Pairing(models.Model):
    """结对: a cadre with a household (包户, 一帮一), or a cadre or unit with a village or township (包村, 挂点).

    Replaces the township's pairing list and the printed contact card
    (干群联系卡, 连心卡) each paired household keeps (seeds 000, 002, 004).
    Ended pairings are kept: history is evidence.
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Household (包户)")
        VILLAGE = "village", _("Village (包村)")
        POINT = "point", _("Contact point (挂点)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="pairings",
        null=True,
        blank=True,
    )
    unit = models.CharField(
        _("unit"),
        max_length=60,
        blank=True,
        help_text=_("A department paired with a village (部门包村)."),
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="pairings",
        null=True,
        blank=True,
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("village or township"),
        on_delete=models.PROTECT,
        related_name="pairings",
        null=True,
        blank=True,
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=100, blank=True)
    card_token = models.CharField(max_length=32, unique=True, editable=False)
    # Kept by contact.services when visits are logged: what "my households" sorts on.
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="household") & Q(household__isnull=False) & Q(cadre__isnull=False)
                )
                | (~Q(kind="household") & Q(area__isnull=False) & Q(household__isnull=True)),
                name="pairing_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(cadre__isnull=False) | ~Q(unit=""), name="pairing_has_cadre_or_unit"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pairing_ends_after_start",
            ),
            # 一帮一: one cadre answers for a household at a time.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(kind="household", end_date__isnull=True),
                name="one_open_pairing_per_household",
            ),
        ]
        indexes = [
            # "My households", ordered by who is most overdue.
            models.Index(fields=["cadre", "end_date", "next_visit_due"], name="pairing_cadre_due"),
        ]

    def __str__(self):
        target = self.household or self.area
        who = self.cadre or self.unit
        return f"{who} — {target}"

    def save(self, *args, **kwargs):
        if not self.card_token:
            import secrets

            self.card_token = secrets.token_urlsafe(16)[:22]
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date > today)

    @property
    def is_overdue(self) -> bool:
        return self.next_visit_due is not None and self.next_visit_due < timezone.localdate()


class PromisedHelp(models.Model):
    """承诺帮扶事项: what the cadre promised on the contact card, and whether it was delivered."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="promises"
    )
    description = models.CharField(_("promised help"), max_length=200)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("promised help item")
        verbose_name_plural = _("promised help items")
        ordering = ["pk"]

    def __str__(self):
        return self.description


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Visits in the user's areas or of their households, and always those they recorded."""
        scope = scope_for(user)
        if scope.everything:
            return self
        from households.models import Household

        return self.filter(
            scope.area_q("area__")
            | Q(household__in=Household.objects.visible_to(user))
            | Q(cadre__user=user)
        )


class Visit(models.Model):
    """One contact with the masses: a page of the 民情日志 / 民情记录簿 (seeds 000, 001, 004).

    "5月2日, 刘永林家. 帮助清除屋内杂物…" is one Visit: when, whom, what was
    found (situation), what was done (action), and the next step.
    """

    class Method(models.TextChoices):
        HOME = "home", _("Home visit (入户走访)")
        PHONE = "phone", _("Phone call")
        RECEPTION = "reception", _("Reception day (接待日)")
        SUGGESTION_BOX = "box", _("Suggestion box (意见箱)")
        MEETING = "meeting", _("Meeting (座谈会)")
        MESSAGE = "message", _("WeChat or SMS")
        OTHER = "other", _("Other")

    class Purpose(models.TextChoices):
        # 五访五问 (seed 002)
        BRANCH_SECRETARY = "branch", _("Visit branch secretary, ask about organisation")
        ENTERPRISE = "enterprise", _("Visit local enterprise, ask about development")
        SERVICE_USER = "service_user", _("Visit service users, ask about work style")
        NEEDY = "needy", _("Visit people in difficulty, ask about food and warmth")
        RESIDENT = "resident", _("Visit ordinary residents, ask about governance")
        # 访三老·走三户 (seed 003)
        THREE_ELDERS = "three_elders", _("Visit old party member, cadre or model (访三老)")
        THREE_HOUSEHOLDS = (
            "three_households",
            _("Visit poor, prosperous or petitioning household (走三户)"),
        )
        # Everyday work
        ROUTINE = "routine", _("Routine visit")
        CONDOLENCE = "condolence", _("Condolence and assistance (慰问)")
        FOLLOW_UP = "follow_up", _("Follow-up on a problem")

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="visits"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="visits",
        null=True,
        blank=True,
    )
    area = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_at = models.DateTimeField(_("date and time"), default=timezone.now)
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.HOME
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.ROUTINE
    )
    met_whom = models.CharField(_("whom met"), max_length=100, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    situation = models.TextField(_("situation (情况)"))
    action = models.TextField(_("what was done (办理/答复)"), blank=True)
    demands_raised = models.TextField(
        _("demands raised"),
        blank=True,
        help_text=_("Problems the resident raised, one per line; each goes to the demand ledger."),
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_date = models.DateField(_("next step by"), null=True, blank=True)
    signature = models.ImageField(_("signature"), upload_to="signatures/%Y/%m/", blank=True)
    reception_duty = models.ForeignKey(
        "ReceptionDuty",
        verbose_name=_("reception duty"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    box_opening = models.ForeignKey(
        "SuggestionBoxOpening",
        verbose_name=_("suggestion box opening"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    idempotency_key = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit (民情日志)")
        verbose_name_plural = _("visits (民情日志)")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            # A household's timeline and a cadre's monthly log.
            models.Index(fields=["household", "-visited_at"], name="visit_household_time"),
            models.Index(fields=["cadre", "-visited_at"], name="visit_cadre_time"),
            models.Index(fields=["area", "-visited_at"], name="visit_area_time"),
        ]

    def __str__(self):
        who = self.household or self.met_whom or self.area
        return f"{timezone.localtime(self.visited_at):%Y-%m-%d} {who}"

    def get_absolute_url(self):
        return reverse("contact:visit_detail", args=[self.pk])

    def editable_by(self, user) -> bool:
        """The author may edit for a grace period; after that only a correction is possible."""
        if self.cadre.user_id != user.pk:
            return False
        window = timedelta(hours=settings.VISIT_EDIT_WINDOW_HOURS)
        return timezone.now() - self.created_at <= window

    def correctable_by(self, user) -> bool:
        return self.cadre.user_id == user.pk and not self.editable_by(user)

    @property
    def current(self):
        """The latest correction's text where there is one, else the visit's own."""
        corrections = list(self.corrections.all())
        return corrections[-1] if corrections else self


class VisitCorrection(models.Model):
    """A correction after the edit window: the original stays, reviewers see both."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="corrections"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason for correction"), max_length=200)
    situation = models.TextField(_("situation (情况)"))
    action = models.TextField(_("what was done (办理/答复)"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_date = models.DateField(_("next step by"), null=True, blank=True)
    created_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit correction")
        verbose_name_plural = _("visit corrections")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.visit} ({timezone.localtime(self.created_at):%Y-%m-%d})"


class VisitPhoto(models.Model):
    """A photo taken during a visit: re-encoded, EXIF (GPS included) stripped, with a thumbnail."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="visits/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["pk"]

    def __str__(self):
        return self.image.name


class HelpPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        from households.models import Household

        if scope_for(user).everything:
            return self
        return self.filter(household__in=Household.objects.visible_to(user))


class HelpPlan(models.Model):
    """帮扶计划: "focus on house repair and furniture" (seed 000), with who answers for it and by when."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("help plan status", "Done")
        DROPPED = "dropped", _("Dropped")

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="help_plans",
    )
    goal = models.CharField(_("goal"), max_length=200)
    measures = models.TextField(_("measures"))
    responsible = models.ForeignKey(
        Cadre,
        verbose_name=_("responsible cadre"),
        on_delete=models.PROTECT,
        related_name="help_plans",
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = HelpPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")
        ordering = ["-created_at"]

    def __str__(self):
        return self.goal


class AssistanceQuerySet(models.QuerySet):
    def total_value(self) -> Decimal:
        return self.aggregate(total=models.Sum("value_yuan"))["total"] or Decimal(0)

    def visible_to(self, user):
        from households.models import Household

        if scope_for(user).everything:
            return self
        return self.filter(
            Q(household__in=Household.objects.visible_to(user)) | Q(given_by__user=user)
        )


class Assistance(models.Model):
    """慰问 and help handed over: "3 bags of fertiliser and 500 yuan" (seed 001) is two rows."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        GOODS = "goods", _("Goods")
        POLICY = "policy", _("Policy implemented")
        EMPLOYMENT = "employment", _("Employment")
        MEDICAL = "medical", _("Medical")
        EDUCATION = "education", _("Education")
        HOUSING = "housing", _("Housing")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="assistance",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistance",
    )
    help_plan = models.ForeignKey(
        HelpPlan,
        verbose_name=_("help plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistance",
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("what was given"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True, help_text=_("袋, 斤, 件, 元 …"))
    value_yuan = models.DecimalField(
        _("value (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    given_by = models.ForeignKey(
        Cadre, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="assistance_given"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AssistanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance")
        verbose_name_plural = _("assistance")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["household", "-date"], name="assistance_household_date")]

    def __str__(self):
        quantity = f" {self.quantity.normalize():f}{self.unit}" if self.quantity else ""
        return f"{self.description}{quantity}"


class AreaScopedQuerySet(models.QuerySet):
    """For records that belong to an area (reception schedules, suggestion boxes)."""

    area_path = "area__"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q(self.area_path))


class ReceptionSchedule(models.Model):
    """接待日: "every Wednesday, market day, a leader receives residents" (seed 004)."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="reception_schedules",
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    place = models.CharField(_("place"), max_length=100)
    note = models.CharField(
        _("note"), max_length=100, blank=True, help_text=_("For example: market day.")
    )

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        ordering = ["area__code", "weekday"]

    def __str__(self):
        return f"{self.area} {self.get_weekday_display()}"


class ReceptionDutyQuerySet(AreaScopedQuerySet):
    area_path = "schedule__area__"


class ReceptionDuty(models.Model):
    """Which leader is on duty on which reception day."""

    schedule = models.ForeignKey(
        ReceptionSchedule,
        verbose_name=_("reception day"),
        on_delete=models.CASCADE,
        related_name="duties",
    )
    date = models.DateField(_("date"))
    leader = models.ForeignKey(
        Cadre,
        verbose_name=_("leader on duty"),
        on_delete=models.PROTECT,
        related_name="reception_duties",
    )

    objects = ReceptionDutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("reception duty")
        verbose_name_plural = _("reception duties")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="one_duty_per_reception_day")
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.leader}"


class SuggestionBoxQuerySet(AreaScopedQuerySet):
    def visible_to(self, user):
        """A keyholder sees the box they open, wherever their own scope is."""
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q("area__") | Q(keyholders__user=user)).distinct()


class SuggestionBox(models.Model):
    """意见箱, opened on a schedule by named cadres (seed 004: "60 opinions, 38 rectified")."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("village or township"),
        on_delete=models.PROTECT,
        related_name="suggestion_boxes",
    )
    place = models.CharField(_("place"), max_length=100)
    opening_interval_days = models.PositiveSmallIntegerField(_("opened every (days)"), default=7)
    keyholders = models.ManyToManyField(
        Cadre, verbose_name=_("keyholders"), related_name="suggestion_boxes"
    )

    objects = SuggestionBoxQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion box")
        verbose_name_plural = _("suggestion boxes")
        ordering = ["area__code"]

    def __str__(self):
        return f"{self.area} {self.place}"


class SuggestionBoxOpeningQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(box__in=SuggestionBox.objects.visible_to(user))


class SuggestionBoxOpening(models.Model):
    box = models.ForeignKey(
        SuggestionBox,
        verbose_name=_("suggestion box"),
        on_delete=models.PROTECT,
        related_name="openings",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ManyToManyField(Cadre, verbose_name=_("opened by"), related_name="+")
    opinion_count = models.PositiveSmallIntegerField(_("opinions found"), default=0)

    objects = SuggestionBoxOpeningQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion box opening")
        verbose_name_plural = _("suggestion box openings")
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.box} {timezone.localtime(self.opened_at):%Y-%m-%d}"


class ResidentMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pairing__in=Pairing.objects.visible_to(user))


class ResidentMessage(models.Model):
    """A message a resident left through the QR code on a contact card, without an account.

    Kept with the pairing as an opinion until the demand ledger routes it.
    """

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="messages"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    text = models.TextField(_("message"), max_length=1000)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ResidentMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident message")
        verbose_name_plural = _("resident messages")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:30]


# --- Reminders ---------------------------------------------------------------------
#
# Every due date is a row (DueItem), written in the same transaction as the record that
# causes it. Celery beat's sweep (contact.tasks) reads the rows and records each reminder
# or escalation once (Reminder, unique per item and kind), with the notifications it
# sends (Notification, unique per user and key). The paper version was the township
# office's wall calendar and a secretary's phone calls.


class DueItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Items in the user's areas, and always those that concern the user."""
        scope = scope_for(user)
        if scope.everything:
            return self
        return self.filter(scope.area_q("area__") | Q(cadre__user=user))

    def open(self):
        return self.filter(state__in=DueItem.OPEN_STATES)

    def overdue(self, today=None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class DueItem(models.Model):
    """Something a cadre must do by a date: a visit, a deadline, a return visit, a duty.

    One row per source record, kind and due date. When the date moves (a visit
    was made, a demand reopened) the open row is cancelled and a new one is
    opened, so the reminders of the old date stay on its trail and the new date
    gets its own.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", _("Household visit")
        DEMAND = "demand", _("Demand deadline")
        RETURN_VISIT = "return_visit", _("Return visit")
        NEXT_STEP = "next_step", _("Next step")
        LEDGER = "ledger", _("Monthly ledger submission")
        RECEPTION = "reception", _("Reception-day duty")
        BOX = "box", _("Suggestion-box opening")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        REMINDED = "reminded", _("Reminded")
        ESCALATED = "escalated", _("Escalated")
        DONE = "done", pgettext_lazy("due item state", "Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.PENDING, State.REMINDED, State.ESCALATED)
    # Kinds the cadre closes with a button: nothing else in the system says they are done.
    MANUAL_KINDS = (Kind.NEXT_STEP, Kind.RECEPTION)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    due_on = models.DateField(_("due on"))
    title = models.CharField(_("what is due"), max_length=200)
    url = models.CharField(_("link"), max_length=200, blank=True)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("responsible cadre"),
        on_delete=models.CASCADE,
        related_name="due_items",
        null=True,
        blank=True,
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="due_items"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="due_items",
        null=True,
        blank=True,
    )
    source_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.PositiveBigIntegerField()
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = DueItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind", "due_on"],
                name="one_due_item_per_source_kind_date",
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"],
                condition=Q(state__in=["pending", "reminded", "escalated"]),
                name="one_open_due_item_per_source_kind",
            ),
        ]
        indexes = [
            # The sweep: open items by date.
            models.Index(fields=["state", "due_on"], name="dueitem_sweep"),
            # A cadre's home page and digest.
            models.Index(fields=["cadre", "state", "due_on"], name="dueitem_cadre"),
            # The source's own items, when it changes.
            models.Index(fields=["source_type", "source_id"], name="dueitem_source"),
        ]

    def __str__(self):
        return f"{self.due_on:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("contact:due_item", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()

    def closable_by(self, user) -> bool:
        return (
            self.is_open
            and self.kind in self.MANUAL_KINDS
            and self.cadre_id is not None
            and self.cadre.user_id == user.pk
        )


class Reminder(models.Model):
    """One reminder or escalation of a due item, sent once: the item's trail."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Reminder the day before")
        ON_DAY = "on_day", _("Reminder on the day")
        ESCALATION_1 = "escalation_1", _("Escalated to the village's 包村 leader")
        ESCALATION_2 = "escalation_2", _("Escalated to the township's party secretary")
        ESCALATION_3 = "escalation_3", _("Escalated to the supervision office")

    item = models.ForeignKey(
        DueItem, verbose_name=_("due item"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.CharField(_("sent to"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="one_reminder_per_item_kind")
        ]

    def __str__(self):
        return f"{self.item} — {self.get_kind_display()}"

    @property
    def is_escalation(self) -> bool:
        return self.kind.startswith("escalation")


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user reads only their own notifications, whatever their scope."""
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """What the bell shows, and what goes out by e-mail and SMS."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        DIGEST = "digest", _("Daily digest")
        MESSAGE = "message", _("Message")

    class Delivery(models.TextChoices):
        NONE = "none", _("Not sent this way")
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What makes it unique for the user: "reminder:12", "digest:2026-11-23".
    key = models.CharField(max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    reminder = models.ForeignKey(
        Reminder,
        verbose_name=_("reminder"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=Delivery.choices, default=Delivery.NONE
    )
    sms_state = models.CharField(
        _("SMS"), max_length=10, choices=Delivery.choices, default=Delivery.NONE
    )
    # When a worker took the e-mail or SMS to send it: a claim this old was a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_user_key")
        ]
        indexes = [
            # The bell's unread count on every page.
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            # The sweep's look for deliveries that never went out.
            models.Index(fields=["email_state", "sms_state"], name="notification_delivery"),
        ]

    def __str__(self):
        return self.title


class ReminderSettings(models.Model):
    """A county's reminder rules: when return visits are due, the escalation ladder, the digest.

    Deadlines per urgency are the ledgers' county settings, and visit
    cadences are set on each household category.
    """

    county = models.OneToOneField(
        Area,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="reminder_settings",
        limit_choices_to={"level": Area.Level.COUNTY},
    )
    return_visit_days = models.PositiveSmallIntegerField(
        _("return visit due after (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Days after a demand is resolved."),
    )
    escalate_village_leader_days = models.PositiveSmallIntegerField(
        _("to the 包村 leader after (working days)"),
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Working days overdue. Empty: this rung is skipped."),
    )
    escalate_secretary_days = models.PositiveSmallIntegerField(
        _("to the township's party secretary after (working days)"),
        null=True,
        blank=True,
        default=3,
        validators=[MinValueValidator(1)],
    )
    escalate_supervision_days = models.PositiveSmallIntegerField(
        _("to the supervision office (督查/纪委) after (working days)"),
        null=True,
        blank=True,
        default=5,
        validators=[MinValueValidator(1)],
    )
    digest_time = models.TimeField(
        _("daily digest at"),
        default=time(7, 30),
        help_text=_("Local time. Each cadre with something due gets the day's digest."),
    )
    ledger_submission_day = models.PositiveSmallIntegerField(
        _("ledgers submitted by day of month"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1 to 28, so that every month has the day."),
    )
    send_email = models.BooleanField(_("send e-mail"), default=True)
    send_sms = models.BooleanField(_("send SMS"), default=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return str(self.county)


class TaskFailure(models.Model):
    """A background task that failed after all its retries: what the administrator must look at."""

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    args = models.TextField(_("arguments"), blank=True)
    exception = models.TextField(_("error"))
    traceback = models.TextField(_("traceback"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), default=timezone.now)
    resolved = models.BooleanField(_("dealt with"), default=False)

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        ordering = ["-failed_at"]

    def __str__(self):
        return f"{self.task_name} {timezone.localtime(self.failed_at):%Y-%m-%d %H:%M}"
