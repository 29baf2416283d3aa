from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sidos.accounts.actions import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a staff user; the token is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument(
            "--days", type=int, default=None, help="expire after this many days (default: never)"
        )

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {options['username']!r}", returncode=2)
        token, raw = create_api_token(user, name=options["name"], valid_days=options["days"])
        self.stderr.write(
            f"token {token.key_hint}… for {user.get_username()}; store it now, it is not shown again:"
        )
        self.stdout.write(raw)
