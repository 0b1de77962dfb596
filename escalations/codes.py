"""The fixed lists of the dispute resolution process (IRO Handbook ch. 6, DESIGN.md section 3)."""

from django.db import models


class Stage(models.IntegerChoices):
    """The rungs of the process, in rising seniority: stored as numbers so that "escalate only
    upwards", "the current stage" and "ordered by stage" are plain comparisons in SQL."""

    INFORMAL = 1, "Informal resolution"
    TEAM_MANAGER = 2, "Team manager"
    SERVICE_MANAGER = 3, "Service manager"
    HEAD_OF_SERVICE = 4, "Head of service"
    DIRECTOR = 5, "Director"
    CAFCASS = 6, "Cafcass referral"

    @property
    def setting_key(self):
        """The key of this stage in settings.ESCALATION_RESPONSE_WORKING_DAYS."""
        return self.name.lower()

    @property
    def is_formal(self):
        return self > Stage.INFORMAL


class AreaOfConcern(models.TextChoices):
    CARE_PLANNING = "care_planning", "Care planning and permanence drift"
    PLACEMENT = "placement", "Placement"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    CONTACT = "contact", "Contact and family time"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    STATUTORY_VISITS = "statutory_visits", "Statutory visits"
    REVIEW_PROCESS = "review_process", "Review process, for example a report missing"
    ASSESSMENTS = "assessments", "Assessments"
    PATHWAY = "pathway", "Pathway planning and leaving care"
    IDENTITY = "identity", "Identity and culture"
    PARTICIPATION = "participation", "Participation and advocacy"
    LEGAL = "legal", "Legal and court"
    OTHER = "other", "Other"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"
