from decimal import Decimal
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iro_portal.dates import format_date


class Role(models.TextChoices):
    IRO = "iro", "Independent Reviewing Officer"
    SERVICE_MANAGER = "service_manager", "Service manager"
    BOARD_MEMBER = "board_member", "Board member"
    ADMINISTRATOR = "administrator", "Administrator"
    BUSINESS_SUPPORT = "business_support", "Business support"


class User(AbstractUser):
    """A member of staff or of the Corporate Parenting Board; the role decides what they see."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.IRO)
    fte = models.DecimalField(
        "full-time equivalent",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="Contracted hours as a fraction of full time, for example 0.8. Caseload per FTE divides by this.",
    )
    team = models.CharField(max_length=100, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="user_fte_between_0_and_1"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_iro(self):
        return self.role == Role.IRO

    @property
    def is_administrator(self):
        return self.role == Role.ADMINISTRATOR


class ApiToken(models.Model):
    """A key for an integration to call the API as a user. Only a hash of the key is stored;
    the key itself is shown once, to the person who creates it. It expires, and a read-only one
    can only read. Revoking keeps the row, so the audit log can still say which token did what.
    Nothing but its revocation ever changes, and revoking twice is revoking once, so it carries
    no version."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, help_text="What the token is for, for example the case management system link."
    )
    prefix = models.CharField(max_length=8, help_text="The first characters of the key, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    read_only = models.BooleanField(default=False, help_text="A read-only token cannot change anything.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…) for {self.user}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class CoverLevel(models.TextChoices):
    READ = "read", "Read only"
    READ_AND_RECORD = "read_and_record", "Read and record"


class CoverArrangementQuerySet(models.QuerySet):
    def active(self, on):
        """In force on this day: the window includes it and nobody ended the cover early. No job
        ends cover; every permission check compares the day with the window."""
        return self.filter(starts_on__lte=on, ends_on__gte=on, ended_at__isnull=True)

    def ended(self, on):
        """Over by this day: ended early by a manager, or past its last day."""
        return self.filter(Q(ended_at__isnull=False) | Q(ends_on__lt=on))


class CoverArrangement(models.Model):
    """A manager lets one IRO (covering) see, and perhaps record for, the children currently
    allocated to another IRO (covered) while they are on leave or off sick (DESIGN.md section 1)."""

    covering_iro = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="covers_given", verbose_name="covering IRO"
    )
    covered_iro = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="covers_received", verbose_name="covered IRO"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day of cover (included).")
    level = models.CharField(max_length=20, choices=CoverLevel.choices, default=CoverLevel.READ)
    reason = models.TextField(help_text="For example annual leave or sickness.")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When a manager ended the cover early.")
    ended_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every save; a change to an older version is refused."
    )

    objects = CoverArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [models.Index(fields=["covering_iro", "starts_on", "ends_on"], name="cover_covering_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cover_ends_on_or_after_start"
            ),
            models.CheckConstraint(condition=~Q(covering_iro=models.F("covered_iro")), name="cover_not_for_oneself"),
            models.CheckConstraint(condition=Q(level__in=CoverLevel.values), name="cover_level_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="cover_reason_given"),
        ]

    def __str__(self):
        return f"{self.covering_iro} covering for {self.covered_iro}, {format_date(self.starts_on)} to {format_date(self.ends_on)}"

    def has_ended(self, on):
        """The one-record form of CoverArrangementQuerySet.ended."""
        return self.ended_at is not None or self.ends_on < on

    @property
    def may_record(self):
        return self.level == CoverLevel.READ_AND_RECORD
