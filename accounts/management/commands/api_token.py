"""Create or revoke an API token from the command line, on the server. The key is printed once;
only its hash is stored. Both are audited. People whose role requires two-factor authentication
(in production, service managers and administrators) get no token here: they create their own
under "Your account" after their one-time code."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import create_api_token, revoke_api_token
from accounts.models import ApiToken, User
from accounts.selectors import two_factor_required
from iro_portal.dates import format_datetime


class Command(BaseCommand):
    help = "Create an API token for a user (prints the key once), or revoke one by its prefix."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (needed to create one).")
        parser.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help=f"How many days the token lasts (default {settings.API_TOKEN_DEFAULT_DAYS}, "
            f"at most {settings.API_TOKEN_MAX_DAYS}).",
        )
        parser.add_argument("--read-only", action="store_true", help="The token can read but change nothing.")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the user's token whose key starts with PREFIX.")

    def handle(self, *args, username, name, days, read_only, revoke, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username}.")
        if revoke:
            token = ApiToken.objects.filter(user=user, prefix=revoke[:8], revoked_at__isnull=True).first()
            if token is None:
                raise CommandError(f"{username} has no active token starting {revoke[:8]}.")
            revoke_api_token(token, by=None)
            self.stdout.write(f"Revoked {token}.")
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive; a token would not work.")
        if two_factor_required(user):
            raise CommandError(
                f"{username}'s role requires two-factor authentication: they create their own token "
                "under Your account, API tokens, after their one-time code."
            )
        if not name.strip():
            raise CommandError("Give the token a --name saying what it is for.")
        try:
            token, key = create_api_token(user, name=name, by=None, days=days, read_only=read_only)
        except ValidationError as invalid:
            raise CommandError(" ".join(invalid.messages)) from invalid
        expires = format_datetime(token.expires_at)
        self.stdout.write(f"Token “{token.name}” for {username}: {key}")
        self.stdout.write(
            f"{'Read-only. ' if read_only else ''}It expires on {expires}. Copy it now: it is not "
            'stored and will not be shown again. Send it as the header "Authorization: Token <key>".'
        )
