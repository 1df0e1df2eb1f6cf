"""Word diffs grouped into runs a person reads: the old phrase, then the new one.

Real sentences from requirement answers; the rendering is git's --word-diff=plain style
([-gone-]{+came+}) that `mlreq diff` prints.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from mlreq.projects.semdiff import render_word_diff, word_diff

LONG = os.environ.get("MLREQ_LONG_TESTS") == "1"


def shown(old: str, new: str) -> str:
    return render_word_diff(word_diff(old, new))


def changes(old: str, new: str) -> int:
    """How many separate changes a reader sees (a deletion right before an insertion is one)."""
    ops = [op.op for op in word_diff(old, new)]
    return sum(1 for i, op in enumerate(ops) if op != "equal" and (i == 0 or ops[i - 1] == "equal"))


def test_a_rewritten_sentence_is_one_change_not_alternating_words():
    old = "Probably: for each charger and day, predict whether a power-affecting fault follows in the next 72 h."
    new = "Yes, as binary classification per charger-day: power-affecting fault within 72 h?"

    assert shown(old, new) == f"[-{old}-]{{+{new}+}}"


def test_a_rewrite_with_a_short_word_kept_in_the_middle_is_one_change():
    old = "The red car is fast."
    new = "The blue car is slow."

    assert shown(old, new) == "The [-red car is fast-]{+blue car is slow+}."


def test_a_one_word_change_in_a_long_answer_is_one_word():
    old = (
        "Telemetry is about 45 GB a month as compressed Parquet; 3 years kept is ~1.6 TB.\n"
        "Tickets and weather are under 5 GB. Feature table: 4,000 chargers x 24 h x 365 days\n"
        "= 35 M rows a year."
    )
    new = old.replace("4,000", "5,000")

    assert shown(old, new) == old.replace("4,000", "[-4,000-]{+5,000+}")
    assert changes(old, new) == 1


def test_two_edits_far_apart_stay_two_changes():
    old = "Monthly retraining on the last 12 months of data, as a scheduled Databricks job run by the platform team."
    new = "Weekly retraining on the last 12 months of data, as a scheduled Databricks job run by the data team."

    assert shown(old, new) == (
        "[-Monthly-]{+Weekly+} retraining on the last 12 months of data, as a scheduled Databricks job "
        "run by the [-platform-]{+data+} team."
    )


def test_an_insertion_in_the_middle_is_one_insertion():
    old = "A ranked list inside the dispatch tool they already use, refreshed every morning."
    new = "A ranked list inside the dispatch tool they already use, refreshed every morning at 05:00 with reasons, in the same place."
    middle_old = "Drop test chargers and the pilot site."
    middle_new = "Drop test chargers, duplicate sessions and the pilot site."

    assert shown(old, new) == old[:-1] + "{+ at 05:00 with reasons, in the same place+}."
    assert shown(middle_old, middle_new) == "Drop test chargers{+, duplicate sessions+} and the pilot site."


def test_a_reordered_list_reads_as_old_order_then_new_order():
    old = "Sources: tickets, telemetry and weather data."
    new = "Sources: telemetry, weather data and tickets."

    assert shown(old, new) == "Sources: [-tickets, telemetry and weather data-]{+telemetry, weather data and tickets+}."


def test_lines_of_a_list_stay_apart():
    old = "- Tickets: nightly CSV\n- Weather: daily pull"
    new = "- Tickets: hourly CSV\n- Weather: weekly pull"

    assert shown(old, new) == "- Tickets: [-nightly-]{+hourly+} CSV\n- Weather: [-daily-]{+weekly+} pull"


def test_an_added_list_item_reads_as_a_whole_line():
    old = "- Faults found before a driver report: 85%\n- Availability 98% within a year"
    new = "- Faults found before a driver report: 85%\n- Precision at least 70%\n- Availability 98% within a year"

    assert shown(old, new) == "- Faults found before a driver report: 85%\n{+- Precision at least 70%\n+}- Availability 98% within a year"


def test_a_word_next_to_added_lines_is_not_folded_into_them():
    old = "- Map error codes to one taxonomy"
    new = "- Map error codes to our 42-code taxonomy\n- Join weather by nearest station"

    assert shown(old, new) == "- Map error codes to [-one-]{+our 42-code+} taxonomy{+\n- Join weather by nearest station+}"


def test_punctuation_alone_changes_alone():
    assert shown("Within 72 h.", "Within 72 h?") == "Within 72 h[-.-]{+?+}"


_TEXT = st.lists(
    st.sampled_from(["the", "charger", "fault", "data", "a", "72", "h", ",", ".", " ", " ", "\n", "-", "é", "4,000"]),
    max_size=40,
).map("".join)


@settings(max_examples=2000 if LONG else 150, deadline=None)
@given(old=_TEXT, new=_TEXT)
def test_grouping_keeps_both_texts_exactly(old: str, new: str) -> None:
    ops = word_diff(old, new)

    assert "".join(op.text for op in ops if op.op != "insert") == old
    assert "".join(op.text for op in ops if op.op != "delete") == new
    assert all(op.text for op in ops)
    kinds = [op.op for op in ops]
    assert all(not (x == y == "equal") for x, y in zip(kinds, kinds[1:]))  # runs are whole
    assert all(not (x == "insert" and y == "delete") for x, y in zip(kinds, kinds[1:]))  # gone, then came


def test_the_app_shows_the_same_runs():
    from mlreq.tui.widgets.diff_view import DELETED, INSERTED, word_text

    text = word_text(word_diff("The red car is fast.", "The blue car is slow."), "both")

    assert text.plain == "The red car is fastblue car is slow."
    styled = [(text.plain[span.start : span.end], span.style) for span in text.spans]
    assert styled == [("red car is fast", DELETED), ("blue car is slow", INSERTED)]
