"""A snapshot frame's text (realtime/consumer.py, ``snapshot_text``): the lists a role
shares at a rev encoded once, the frame the same as encoding it whole."""

import json

from realtime.consumer import process_caches, snapshot_text


def whole(snapshot):
    return json.dumps({"type": "snapshot", **snapshot}, ensure_ascii=False, separators=(",", ":"))


def test_a_snapshot_reads_the_same_whether_its_lists_were_encoded_before_or_not():
    items = [{"id": 1, "text": 'Sprachcafé „mit“ "Kinderbetreuung" \\ 👩🏽‍🏫\nund mehr'}]
    shared = {"fields": [{"id": 7, "title": "Arbeit"}], "items": items, "rounds": []}
    first = {"rev": 3, "forum": {"phase": "collect"}, **shared, "tallies": {}}
    first["me"] = {"role": "participant", "votes": {}, "points_left": {}}
    second = {**first, "me": {"role": "participant", "votes": {"4": {"1": 1}}}}
    assert snapshot_text(first) == whole(first)
    assert snapshot_text(second) == whole(second)  # the lists from the cache, "me" its own
    assert json.loads(snapshot_text(second))["me"]["votes"] == {"4": {"1": 1}}
    # the next rev brings new lists, encoded anew
    newer = {**first, "rev": 4, "items": [*items, {"id": 2, "text": "Neu"}]}
    assert snapshot_text(newer) == whole(newer)


def test_a_moderators_snapshot_is_encoded_whole_each_time():
    process_caches.encoded.entries.clear()
    snapshot = {"rev": 1, "fields": [], "items": [{"id": 1}], "rounds": [], "tallies": {}}
    snapshot["me"] = {"role": "moderator"}
    assert snapshot_text(snapshot) == whole(snapshot)
    assert process_caches.encoded.entries == {}
