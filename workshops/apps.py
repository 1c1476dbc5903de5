from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete, pre_save

        user = get_user_model()
        # An account switched off, no longer a superuser or deleted loses its open
        # moderator sockets at once (services.access, docs/protocol.md).
        pre_save.connect(_changing, sender=user, dispatch_uid="workshops.account_changing")
        post_save.connect(_changed, sender=user, dispatch_uid="workshops.account_changed")
        pre_delete.connect(_deleting, sender=user, dispatch_uid="workshops.account_deleting")


def _changing(sender, instance, update_fields=None, raw=False, **kwargs):
    from workshops.services import access

    if raw or (
        update_fields is not None and not {"is_active", "is_superuser"} & set(update_fields)
    ):
        instance._revoked_forums = []  # e.g. a login's last_login: nothing to check
        return
    access.account_changing(instance)


def _changed(sender, instance, raw=False, **kwargs):
    from workshops.services import access

    if not raw:
        access.account_changed(instance)


def _deleting(sender, instance, **kwargs):
    from workshops.services import access

    access.account_deleting(instance)
