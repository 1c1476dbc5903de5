"""Who is acting: a moderator (Django user), a participant, or a read-only screen."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from workshops.models import Participant


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | None = None
    participant: Participant | None = None
    screen: bool = False

    @property
    def user_id(self):
        if self.user is not None and self.user.is_authenticated:
            return self.user.pk
        return None

    def __str__(self):
        if self.user_id:
            return f"user:{self.user_id}"
        if self.participant is not None:
            return f"participant:{self.participant.pk}"
        return "screen" if self.screen else "anonymous"
