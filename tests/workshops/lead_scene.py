"""A conference after its plenary, for the follow-up tests: two adopted measures led by
the Jugendamt, one by the Volkshochschule, one measure not adopted, and the staff."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from tests.factories import make_conference, make_forum, make_moderator, moderator_actor
from workshops.actors import Actor
from workshops.models import Conference, Item, Lead
from workshops.services.items import propose_item
from workshops.services.leads import assign_measure_lead, create_lead


@dataclass
class Scene:
    conference: Conference
    staff: Actor
    jugendamt: Lead
    jugendamt_token: str
    vhs: Lead
    vhs_token: str
    schule: Item  # led by the Jugendamt
    kita: Item  # led by the Jugendamt
    kurse: Item  # led by the Volkshochschule
    unadopted: Item


def adopted_measure(forum, text: str, staff: Actor, adopted=True) -> Item:
    """A measure proposed in the forum; the plenary's adoption is written as its round
    writes it (``Item.adopted``)."""
    item = propose_item(
        actor=staff, forum=forum, field=forum.fields.first().pk, kind="measure", text=text
    )
    Item.objects.filter(pk=item.pk).update(adopted=adopted)
    item.refresh_from_db()
    return item


def build_scene(slug: str | None = None) -> Scene:
    conference = make_conference(
        **({"slug": slug} if slug else {}), date=datetime.date(2026, 11, 21)
    )
    forum = make_forum(conference, title="Fachforum Bildung")
    staff = moderator_actor(make_moderator(conference))
    schule = adopted_measure(forum, "Schulsozialarbeit an allen Grundschulen", staff)
    kita = adopted_measure(forum, "Mehrsprachige Kita-Beratung", staff)
    kurse = adopted_measure(forum, "Sprachkurse mit Kinderbetreuung", staff)
    unadopted = adopted_measure(forum, "Eigene Wohnungsbörse", staff, adopted=False)
    jugendamt = create_lead(
        actor=staff,
        conference=conference,
        name="Jugendamt",
        contact="Frau Demir",
        email="jugendamt@musterstadt.example",
    )
    vhs = create_lead(
        actor=staff, conference=conference, name="Volkshochschule", email="vhs@musterstadt.example"
    )
    for item, lead in ((schule, jugendamt), (kita, jugendamt), (kurse, vhs)):
        assign_measure_lead(actor=staff, item=item, lead=lead.lead)
    for item in (schule, kita, kurse):
        item.refresh_from_db()
    return Scene(
        conference,
        staff,
        jugendamt.lead,
        jugendamt.token,
        vhs.lead,
        vhs.token,
        schule,
        kita,
        kurse,
        unadopted,
    )


def organiser_of(conference: Conference) -> Actor:
    user = get_user_model().objects.create_user(username=f"orga-{conference.slug}")
    conference.organisers.add(user)
    return Actor(user=user)
