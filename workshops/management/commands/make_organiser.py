"""``manage.py make_organiser USERNAME [--remove]``: let an account organise conferences."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        'Give an account the permission "May organise conferences": it can then open '
        "/organize/, create conferences and prepare those it organises. --remove takes "
        "the permission away again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="take the permission away")

    def handle(self, *args, username, remove, **options):
        users = get_user_model()
        user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(
                f"There is no account '{username}'. Create it first "
                f"(python manage.py createsuperuser, or in the admin)."
            )
        permission = Permission.objects.get(
            content_type__app_label="workshops", codename="organise"
        )
        if remove:
            user.user_permissions.remove(permission)
            self.stdout.write(f"{username} no longer organises conferences.")
        else:
            user.user_permissions.add(permission)
            self.stdout.write(
                f"{username} may organise conferences now: /organize/ after logging in."
            )
            if not user.has_usable_password():
                self.stdout.write(
                    f"It has no password yet: python manage.py changepassword {username}"
                )
