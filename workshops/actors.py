"""Who is acting: a moderator (Django user), a participant, a read-only screen, or the
lead of measures through its personal link."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from workshops.models import Lead, Participant


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | None = None
    participant: Participant | None = None
    screen: bool = False
    lead: Lead | None = None

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
        if self.lead is not None:
            return f"lead:{self.lead.pk}"
        return "screen" if self.screen else "anonymous"
