"""Reminders to the leads before a reporting date: who gets one, what it says, and that a
lead hears once per date (Django's in-memory mail backend)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.live import free_port
from tests.workshops.lead_scene import build_scene
from workshops.actors import Actor
from workshops.models import AuditEntry, Lead, MeasureUpdate, ReminderSent
from workshops.services.leads import open_lead_link, revoke_lead_link, set_report_due
from workshops.services.measures import add_measure_update, set_implementation_status
from workshops.services.reminders import send_due_reminders

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def scene():
    return build_scene()


def _due_in(scene, days: int) -> datetime.date:
    due = timezone.localdate() + days * DAY
    set_report_due(actor=scene.staff, conference=scene.conference, due=due)
    scene.conference.refresh_from_db()
    return due


def _link(message) -> str:
    return re.search(r"http://localhost:8000/lead/([^/\s]+)/", message.body).group(1)


def test_leads_without_an_update_are_reminded_once_per_due_date(scene, settings):
    settings.SITE_URL = "http://localhost:8000"
    due = _due_in(scene, 7)
    add_measure_update(actor=Actor(lead=scene.vhs), item=scene.kurse.pk, text="Kurs 1 läuft.")
    sent = send_due_reminders()
    assert [r.lead for r in sent] == [scene.jugendamt]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jugendamt@musterstadt.example"]
    assert due.strftime("%d.%m.%Y") in message.subject and "Bericht" in message.subject
    assert "Guten Tag Frau Demir" in message.body
    assert scene.schule.text in message.body and scene.kita.text in message.body
    assert scene.kurse.text not in message.body
    # the mail's link opens the lead's page; the link sent before says it has expired
    token = _link(message)
    assert open_lead_link(token) == scene.jugendamt
    page = Client().get(f"/lead/{token}/")
    assert page.status_code == 200 and scene.schule.text in page.content.decode()
    assert Client().get(f"/lead/{scene.jugendamt_token}/").status_code == 404
    entry = AuditEntry.objects.get(action="conference.lead.reminded")
    assert entry.data == {
        "lead": scene.jugendamt.pk,
        "due": due.isoformat(),
        "items": [scene.schule.pk, scene.kita.pk],
    }
    # however often the timer runs: once per due date
    assert send_due_reminders() == [] and send_due_reminders() == []
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(lead=scene.jugendamt, due=due).count() == 1
    assert open_lead_link(token) == scene.jugendamt  # the mailed link stays valid
    staff = Client()
    staff.force_login(scene.staff.user)
    page = staff.get(f"/c/{scene.conference.slug}/leads/").content.decode()
    jugendamt = page[page.index(f'id="lead-{scene.jugendamt.pk}"') :]
    assert "erinnert am" in jugendamt[: jugendamt.index("</article>")]
    vhs = page[page.index(f'id="lead-{scene.vhs.pk}"') :]
    assert "erinnert am" not in vhs[: vhs.index("</article>")]


def test_no_reminder_before_the_window_nor_without_a_date(scene, settings):
    assert send_due_reminders() == []
    _due_in(scene, settings.LEAD_REMINDER_DAYS_BEFORE + 1)
    assert send_due_reminders() == []
    assert send_due_reminders(today=timezone.localdate() + DAY) != []
    assert len(mail.outbox) == 2


def test_revoked_leads_leads_without_address_and_finished_measures_are_left_out(scene):
    _due_in(scene, 3)
    revoke_lead_link(actor=scene.staff, lead=scene.jugendamt)
    Lead.objects.filter(pk=scene.vhs.pk).update(email="")
    assert send_due_reminders() == [] and mail.outbox == []
    Lead.objects.filter(pk=scene.vhs.pk).update(email="vhs@musterstadt.example")
    set_implementation_status(actor=scene.staff, item=scene.kurse.pk, status="done")
    assert send_due_reminders() == [] and mail.outbox == []


def test_an_indicator_value_counts_as_an_update(scene):
    from decimal import Decimal

    from workshops.services.indicators import add_indicator_value, define_indicator

    _due_in(scene, 3)
    indicator = define_indicator(
        actor=scene.staff, item=scene.kurse, title="Kurse", baseline=Decimal(0), target=Decimal(8)
    )
    add_indicator_value(
        actor=Actor(lead=scene.vhs), indicator=indicator, date=timezone.localdate(), value=2
    )
    assert [r.lead for r in send_due_reminders()] == [scene.jugendamt]


def test_the_next_due_date_counts_updates_written_after_the_previous_one(scene, monkeypatch):
    first = _due_in(scene, 7)
    add_measure_update(actor=Actor(lead=scene.vhs), item=scene.kurse.pk, text="Kurs 1 läuft.")
    send_due_reminders()
    assert len(mail.outbox) == 1  # the Jugendamt only
    # the first date passes; the staff set the next one
    after = first + DAY
    monkeypatch.setattr(timezone, "localdate", lambda *a: after)
    second = first + 90 * DAY
    set_report_due(actor=scene.staff, conference=scene.conference, due=second)
    scene.conference.refresh_from_db()
    assert scene.conference.reports_since == first
    # the Jugendamt reports after the first date (its update written then)
    update = add_measure_update(actor=scene.staff, item=scene.schule.pk, text="Stand Mai")
    add_measure_update(actor=scene.staff, item=scene.kita.pk, text="Stand Mai")
    MeasureUpdate.objects.filter(item__lead_org=scene.jugendamt).update(
        created_at=timezone.now() + 8 * DAY
    )
    assert update.pk
    sent = send_due_reminders(today=second - 10 * DAY)
    # the Volkshochschule's update was written before the first date: it is due again
    assert [r.lead for r in sent] == [scene.vhs]
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["vhs@musterstadt.example"]
    assert "seit dem" in mail.outbox[1].body and first.strftime("%d.%m.%Y") in mail.outbox[1].body
    assert send_due_reminders(today=second) == []


def test_a_mail_server_that_fails_keeps_the_old_link_and_tries_again(scene):
    _due_in(scene, 3)
    broken = EmailBackend(host="127.0.0.1", port=free_port(), timeout=2, use_tls=False)
    with pytest.raises(OSError):
        send_due_reminders(connection=broken)
    assert not ReminderSent.objects.exists()
    assert not AuditEntry.objects.filter(action="conference.lead.reminded").exists()
    assert open_lead_link(scene.jugendamt_token) == scene.jugendamt
    assert len(send_due_reminders()) == 2


def test_the_command_sends_the_due_reminders(scene):
    due = _due_in(scene, 30)
    out = io.StringIO()
    call_command("send_lead_reminders", stdout=out)
    assert "0 reminders sent." in out.getvalue() and mail.outbox == []
    call_command("send_lead_reminders", "--date", (due - 2 * DAY).isoformat(), stdout=out)
    assert "2 reminders sent." in out.getvalue() and len(mail.outbox) == 2
    assert "jugendamt@" not in out.getvalue()  # no addresses in the cron job's log
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_lead_reminders", "--date", "31.03.2027")
