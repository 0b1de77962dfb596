from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    IRO = "iro", "Independent Reviewing Officer"
    SERVICE_MANAGER = "service_manager", "Service manager"
    BOARD_MEMBER = "board_member", "Board member"
    ADMINISTRATOR = "administrator", "Administrator"


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

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="user_fte_between_0_and_1"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_iro(self):
        return self.role == Role.IRO

    @property
    def is_service_manager(self):
        return self.role == Role.SERVICE_MANAGER

    @property
    def is_board_member(self):
        return self.role == Role.BOARD_MEMBER

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
    name = models.CharField(max_length=100, help_text="What the token is for, for example the case management system link.")
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
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="api_token_expires_after_creation"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…) for {self.user}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
