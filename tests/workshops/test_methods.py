"""The voting methods as classes (workshops/methods.py): each one's values, limits,
tally, ranking, sentence and export phrase, the sentence the phone's script writes, and
a fifth method that needs nothing but its class and its templates."""

import json
import shutil
import subprocess  # nosec B404: runs the page's own script under node, no input from outside

import pytest
from django.test import Client, override_settings
from django.utils import translation

from tests.factories import make_participant, moderator_actor, participant_actor
from tests.live import require
from workshops.exceptions import ServiceError
from workshops.exports.layout import tally_text
from workshops.methods import METHODS, PASSIVE_OPTION, VotingMethod
from workshops.models import Round, Vote
from workshops.selectors import round_data, round_totals, rounds_for_page
from workshops.services.items import propose_item
from workshops.services.rounds import add_analog_count, close_round, open_round
from workshops.services.votes import cast_vote
from workshops.templatetags.mitwirken import format_tally
from workshops.views import live_texts

SUPPORT, DOTS, CONSENT, ADOPTION = (METHODS[n] for n in ("support", "dots", "consent", "adoption"))


@pytest.fixture(autouse=True)
def english():
    """The messages are read in English (the default language is German)."""
    with translation.override("en"):
        yield


def test_every_stored_method_has_a_class_and_a_template_with_each_part():
    from django.template.loader import get_template

    assert list(METHODS) == Round.Method.values
    for method in METHODS.values():
        context = {"r": {"id": 1, "voting": method}, "o": {"id": 2}}
        for part in ("attrs", "hint", "controls"):
            get_template(method.template).render({**context, "part": part})
        for part in ("limits", "open", "analog"):
            get_template(method.console_template).render({**context, "part": part})


@pytest.mark.parametrize(
    "method,value,per_item,message",
    [
        (SUPPORT, 2, None, "This vote must be between 1 and 1."),
        (DOTS, 3, 2, "At most 2 points on one item."),
        (DOTS, 0, 2, "At most 2 points on one item."),
        (CONSENT, 11, None, "This vote must be between 0 and 10."),
        (ADOPTION, 2, None, "This vote must be between -1 and 1."),
    ],
)
def test_a_value_out_of_the_methods_range_is_refused_with_its_message(
    method, value, per_item, message
):
    with pytest.raises(ServiceError) as refused:
        method.check_value(value, per_item=per_item)
    assert str(refused.value.message) == message
    assert method.check_value(None, per_item=per_item) is None  # withdrawing is always fine


def test_dots_limits_default_from_the_number_of_items_and_refuse_too_many_points():
    round_ = Round(method="dots")
    DOTS.configure(round_, item_count=9, budget=None, per_item="", allow_own=False, veto=None)
    assert (round_.budget, round_.per_item, round_.allow_own) == (3, 3, False)
    with pytest.raises(ServiceError) as refused:
        DOTS.configure(round_, item_count=9, budget=101, per_item=None, allow_own=True, veto=None)
    assert "The budget must be a whole number from 1 to 100." in str(refused.value.message)
    with pytest.raises(ServiceError) as refused:
        DOTS.configure(round_, item_count=9, budget=4, per_item=5, allow_own=True, veto=None)
    assert "The points per item must be a whole number from 1 to 4." in str(refused.value.message)


def test_consent_keeps_its_veto_threshold_and_adds_the_passive_option():
    round_ = Round(method="consent")
    CONSENT.configure(round_, item_count=2, budget=5, per_item=2, allow_own=False, veto="6")
    assert (round_.veto, round_.budget, round_.per_item) == (6, None, None)
    assert CONSENT.options([4, 7]) == [4, 7, PASSIVE_OPTION]
    assert ADOPTION.options([4, 7]) == [4, 7]
    with pytest.raises(ServiceError):
        CONSENT.configure(round_, item_count=2, budget=None, per_item=None, allow_own=1, veto=11)


def test_paper_votes_add_up_in_each_methods_figures():
    consent, adoption, dots = {}, {}, {}
    CONSENT.add_analog(consent, 2, 3)
    CONSENT.add_analog(consent, 9, 1)
    ADOPTION.add_analog(adoption, -1, 4)
    DOTS.add_analog(dots, 1, 7)
    assert consent == {"resistance": 15, "votes": 4, "mean": 3.75}
    assert adoption == {"yes": 0, "no": 4, "abstain": 0}
    assert dots == {"dots": 7}
    # counted together with the phone votes, the mean is recomputed over both
    both = CONSENT.combined({"resistance": 5, "votes": 1, "mean": 5.0, "analog": consent})
    assert both["mean"] == 4.0 and both["votes"] == 5


def test_rankings_read_as_facilitators_read_them():
    def ranked(method, tallies):
        return sorted(tallies, key=lambda name: method.rank_key(tallies[name]))

    assert ranked(SUPPORT, {"a": {"support": 2}, "b": {"support": 5}}) == ["b", "a"]
    assert ranked(CONSENT, {"a": {"resistance": 9}, "b": {"resistance": 1}}) == ["b", "a"]
    # adoption ranks by the share of yes, not the number: 3 of 4 before 5 of 10
    tallies = {"a": {"yes": 5, "no": 5, "abstain": 0}, "b": {"yes": 3, "no": 1, "abstain": 9}}
    assert ranked(ADOPTION, tallies) == ["b", "a"]
    assert ADOPTION.bar_value(tallies["b"]) == 75.0
    assert ADOPTION.adopted(tallies["b"]) and not ADOPTION.adopted(tallies["a"])


def test_the_tally_sentence_in_german():
    with translation.override("de"):
        assert format_tally("adoption", {"yes": 3, "no": 1, "abstain": 0}) == (
            "Ja 3 · Nein 1 · Enthaltung 0 (75 % Ja)"
        )
        assert format_tally("dots", None) == "Ergebnis nach der Runde"
        # the exports' shorter phrase (exports/layout.py)
        assert tally_text("adoption", {"yes": 3, "no": 1, "abstain": 0}) == (
            "ja 3 · nein 1 · Enthaltung 0"
        )
        assert tally_text("dots", {"dots": 1}) == "1 Punkt"


TALLIES = [
    ("support", {"support": 4}),
    ("support", {"support": 4, "analog": {"support": 12}}),
    ("dots", {"dots": 17, "analog": {"dots": 7}}),
    ("dots", {"dots": 0}),
    ("consent", {"resistance": 7, "mean": 3.5, "votes": 2, "vetoes": 0, "max": 6}),
    (
        "consent",
        {"resistance": 120, "mean": 2.93, "votes": 41, "vetoes": 1, "max": 9, "outlier": True},
    ),
    ("consent", {"resistance": 0, "mean": None, "votes": 0, "vetoes": 0, "max": None}),
    # (a whole mean such as 3.0 reaches the script as 3: the page writes "3,0", the
    # live update "3", as before the methods were classes)
    (
        "consent",
        {
            "resistance": 7,
            "mean": 3.5,
            "votes": 2,
            "analog": {"resistance": 9, "votes": 2, "mean": 4.5},
        },
    ),
    ("adoption", {"yes": 3, "no": 1, "abstain": 0}),
    ("adoption", {"yes": 0, "no": 0, "abstain": 2, "analog": {"yes": 1, "no": 2, "abstain": 0}}),
]


@pytest.mark.parametrize("language", ["de", "en", "ar"])
def test_the_phone_writes_the_same_sentence_and_bar_as_the_server(tmp_path, language):
    """static/js/tally.js, fed the page's texts, writes each tally as the server does."""
    require("node", shutil.which("node") is not None, "install Debian's nodejs")
    from django.conf import settings

    script = tmp_path / "tally.mjs"  # the module as it is, loaded as one
    shutil.copy(settings.BASE_DIR / "static" / "js" / "tally.js", script)
    with translation.override(language):
        texts = json.loads(json.dumps(live_texts(), default=str))
        expected = [
            [METHODS[m].tally_text(t), METHODS[m].bar_value(METHODS[m].combined(t))]
            for m, t in TALLIES
        ]
    program = (
        # the page the script reads its decimal separator from (#live-i18n)
        f"const t = {json.dumps(texts)};\n"
        "globalThis.document = { getElementById: () => ({ textContent: JSON.stringify(t) }) };\n"
        f"const {{ tallyText, barValue }} = await import({json.dumps(str(script))});\n"
        f"const cases = {json.dumps(TALLIES)};\n"
        "console.log(JSON.stringify(cases.map(([m, tally]) => "
        "[tallyText(t, m, tally), barValue(t, m, tally)])));\n"
    )
    out = subprocess.run(  # nosec B603
        [shutil.which("node"), "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    written = json.loads(out)
    assert written == expected


# --- a fifth method: one class and one template --------------------------------------


class FistOfFive(VotingMethod):
    """Fist of five: 0 (block) to 5 fingers (full support) on each proposal."""

    name = "fist"
    label = "Fist of five"
    sentence = "Fingers %(fingers)s from %(votes)s hands"
    bar = "fingers"
    values = (0, 5)
    analog_values = (0, 5)

    def add_analog(self, tally, value, count):
        tally["fingers"] = tally.get("fingers", 0) + value * count
        tally["votes"] = tally.get("votes", 0) + count

    def aggregates(self, round_, *, flags=True):
        from django.db.models import Count, Sum

        return {"fingers": Sum("value"), "votes": Count("id")}

    def rank_key(self, tally):
        return -tally.get("fingers", 0)

    def carried(self, tally, round_):
        return bool(tally) and (tally["fingers"] or 0) >= 3 * tally["votes"]

    def export_text(self, tally):
        return f"{tally.get('fingers') or 0} fingers"

    def chart(self, totals, items):
        items.sort(key=lambda i: (-totals[i].get("fingers", 0), i))
        return [("Fingers", "fingers")], "Fingers", False


FIST_TEMPLATE = """{% if part == "hint" %}<p class="hint">Show your fingers.</p>
{% elif part == "controls" %}{% for v in r.voting.scale %}<button name="value" value="{{ v }}"
 aria-pressed="{% if o.mine == v %}true{% else %}false{% endif %}">{{ v }}</button>{% endfor %}
{% endif %}"""


@pytest.fixture
def fist(monkeypatch, tmp_path, settings):
    (tmp_path / "workshops" / "methods").mkdir(parents=True)
    (tmp_path / "workshops" / "methods" / "fist.html").write_text(FIST_TEMPLATE)
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path, *templates[0].get("DIRS", [])]
    monkeypatch.setitem(METHODS, "fist", FistOfFive())
    with override_settings(TEMPLATES=templates):
        yield METHODS["fist"]


@pytest.mark.django_db
def test_a_fifth_method_needs_only_its_class_and_its_templates(fist, forum, participant, moderator):
    mod = moderator_actor(moderator)
    field = forum.fields.first()
    proposer = participant_actor(participant)
    items = [
        propose_item(actor=proposer, forum=forum, field=field.pk, kind="measure", text=text)
        for text in ("Sprachcafé", "Lotsenprogramm")
    ]
    round_ = open_round(actor=mod, forum=forum, method="fist")
    assert round_data(round_)["options"] == [i.pk for i in items]

    # a phone joins, sees the method's ballot and votes with its form, without script
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.post(f"/j/{forum.code}", {})
    page = phone.get(f"/f/{forum.code}/").content.decode()
    assert "Fist of five" in page and "Show your fingers." in page
    assert 'name="value" value="5"' in page
    phone.post(f"/f/{forum.code}/vote", {"round": round_.pk, "item": items[1].pk, "value": "5"})
    refused = phone.post(
        f"/f/{forum.code}/vote",
        {"round": round_.pk, "item": items[1].pk, "value": "6"},
        follow=True,
    ).content.decode()
    assert "This vote must be between 0 and 5." in refused
    assert 'value="5"\n aria-pressed="true"' in refused  # the vote that counts stays

    voters = [participant_actor(make_participant(forum.conference)) for _ in range(3)]
    for n, voter in enumerate(voters):
        cast_vote(actor=voter, forum=forum, round=round_.pk, item=items[0].pk, value=n)
    cast_vote(actor=voters[0], forum=forum, round=round_.pk, item=items[1].pk, value=4)
    add_analog_count(actor=mod, forum=forum, round=round_.pk, item=items[0].pk, count=2, value=4)

    totals = round_totals(round_)["totals"]
    assert totals == {
        str(items[0].pk): {"fingers": 3, "votes": 3, "analog": {"fingers": 8, "votes": 2}},
        str(items[1].pk): {"fingers": 9, "votes": 2},
    }
    assert fist.tally_text(totals[str(items[0].pk)]) == (
        "Fingers 3 from 3 hands + on paper: Fingers 8 from 2 hands"
    )
    assert live_texts()["tally"]["fist"] == "Fingers %(fingers)s from %(votes)s hands"
    assert tally_text("fist", fist.combined(totals[str(items[0].pk)])) == "11 fingers"

    close_round(actor=mod, forum=forum, round=round_.pk)
    closed = rounds_for_page(forum, mod)[0]
    # ranked by the fingers, phone and paper together: 11 before 9
    assert [o["id"] for o in closed["options"]] == [items[0].pk, items[1].pk]
    assert Vote.objects.filter(round=round_).count() == 5
