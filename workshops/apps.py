from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_save,
            pre_delete,
            pre_save,
        )

        from workshops.models import ActionField, Conference, Forum, GuidingGoal, SubGoal
        from workshops.walls import wall_items

        # The phones' walls are kept per forum and rev (workshops/walls.py); what the
        # organiser changes of action fields and goals bumps no rev: drop them at once.
        for model in (ActionField, GuidingGoal, SubGoal):
            for signal in (post_save, post_delete):
                signal.connect(
                    wall_items.clear,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"workshops.walls.{model.__name__}.{signal is post_save}",
                )
        m2m_changed.connect(
            wall_items.clear,
            sender=Forum.fields.through,
            weak=False,
            dispatch_uid="workshops.walls.forum_fields",
        )
        user = get_user_model()
        # An account switched off, no longer a superuser or deleted loses its open
        # moderator sockets at once (services.access, docs/protocol.md).
        pre_save.connect(_changing, sender=user, dispatch_uid="workshops.account_changing")
        post_save.connect(_changed, sender=user, dispatch_uid="workshops.account_changed")
        pre_delete.connect(_deleting, sender=user, dispatch_uid="workshops.account_deleting")
        # Taken off a forum's own moderators or the organisers: the same, for the forums
        # they no longer run (the conference's moderators go through
        # services.access.remove_moderator).
        for through in (Forum.moderators.through, Conference.organisers.through):
            m2m_changed.connect(
                _roles_changed, sender=through, dispatch_uid=f"workshops.{through.__name__}"
            )


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


def _roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    from workshops.models import Forum
    from workshops.services import access

    # the through table's other column: "forum" (Forum.moderators) or "conference"
    side = "forum" if sender is Forum.moderators.through else "conference"
    if action == "pre_clear":
        # after the clear the rows are gone: note now whom it concerns
        rows = sender.objects.filter(**({"user": instance} if reverse else {side: instance}))
        instance._roles_cleared = set(rows.values_list(f"{side}_id" if reverse else "user_id"))
        return
    if action == "post_clear":
        pk_set = {pk for (pk,) in getattr(instance, "_roles_cleared", set())}
    elif action != "post_remove":
        return
    if not pk_set:
        return
    if not reverse:  # forum.moderators.remove(user), conference.organisers.remove(user)
        forums = [instance] if side == "forum" else list(instance.forums.all())
        access.roles_removed(user_ids=pk_set, forums=forums)
        return
    # user.moderated_forums.remove(forum), user.organised_conferences.remove(conference)
    lookup = {"pk__in": pk_set} if side == "forum" else {"conference__in": pk_set}
    access.roles_removed(user_ids=[instance.pk], forums=list(Forum.objects.filter(**lookup)))
