from django.core.management.base import BaseCommand, CommandError

from sidos.accounts.actions import revoke_api_token
from sidos.accounts.models import ApiToken, hash_token


class Command(BaseCommand):
    help = "Revoke an API token, given the token itself or the hint shown when it was created."

    def add_arguments(self, parser):
        parser.add_argument("token", help="the token, or its first characters (sid_xxxxxx)")

    def handle(self, *args, **options):
        text = options["token"]
        tokens = ApiToken.objects.filter(key_hash=hash_token(text)) or ApiToken.objects.filter(
            key_hint=text[:10]
        )
        if len(tokens) != 1:
            raise CommandError(
                f"{len(tokens)} tokens match {text[:10]!r}; give the whole token", returncode=2
            )
        revoke_api_token(tokens[0])
        self.stdout.write(f"revoked {tokens[0]}")
