"""The demo's starter list of words and phrases that raise a safety alert when a consultation
reply uses them (consultations.WatchedPhrase). Synthetic and short: a service writes its own on
the "Words the service watches for" page. Seeding adds what is missing and keeps what users added."""

from accounts.models import Role, User
from consultations.alert_models import WatchedPhrase

STARTER_PHRASES = (
    "abuse",
    "afraid to go home",
    "don't feel safe",
    "frightened",
    "hits me",
    "hurt me",
    "hurt myself",
    "kill myself",
    "not safe",
    "run away",
    "scared",
    "self harm",
    "touched me",
)


def save_watched_phrases():
    """Add the starter phrases not yet watched for, as added by the demo service manager."""
    manager = User.objects.filter(role=Role.SERVICE_MANAGER, username="manager").first()
    if manager is None:
        return {"watched_phrases": 0}
    existing = set(WatchedPhrase.objects.values_list("phrase", flat=True))
    WatchedPhrase.objects.bulk_create(
        [WatchedPhrase(phrase=phrase, added_by=manager) for phrase in STARTER_PHRASES if phrase not in existing]
    )
    return {"watched_phrases": WatchedPhrase.objects.count()}
