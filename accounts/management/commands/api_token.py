"""Create or revoke an API token from the command line (administrators can also use the admin
site). The key is printed once; only its hash is stored. Both are audited."""

from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import create_api_token, revoke_api_token
from accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create an API token for a user (prints the key once), or revoke one by its prefix."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (needed to create one).")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the user's token whose key starts with PREFIX.")

    def handle(self, *args, username, name, revoke, **options):
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
        if not name.strip():
            raise CommandError("Give the token a --name saying what it is for.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive; a token would not work.")
        token, key = create_api_token(user, name=name.strip(), by=None)
        self.stdout.write(f"Token “{token.name}” for {username}: {key}")
        self.stdout.write("Copy it now: it is not stored and will not be shown again. "
                          'Send it as the header "Authorization: Token <key>".')
