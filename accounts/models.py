from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


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
