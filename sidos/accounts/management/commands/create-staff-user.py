import getpass

from django.core.management.base import BaseCommand, CommandError

from sidos.accounts.actions import create_staff_user
from sidos.accounts.models import Role


class Command(BaseCommand):
    help = "Create a staff user with a role (admin, agent, marketer, analyst)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="default: asked for on the terminal")

    def handle(self, *args, **options):
        password = options["password"] or getpass.getpass(f"Password for {options['username']}: ")
        if not password:
            raise CommandError("a password is required", returncode=2)
        try:
            user = create_staff_user(options["username"], password, options["role"], email=options["email"])
        except ValueError as error:
            raise CommandError(str(error), returncode=2)
        self.stdout.write(f"created {user.get_username()} ({options['role']})")
