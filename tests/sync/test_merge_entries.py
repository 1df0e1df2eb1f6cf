"""The merge driver's rules, field by field, without git: `merge_entries` and `merge_files`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlreq.projects.answers import EMPTY, AnswerFile, Entry
from mlreq.projects.mergedriver import CONFLICT_REVIEW, REFUSED, main, merge_entries, merge_files

BASE = Entry(answer="Two engineers.", status="draft", notes="from the workshop")


def test_nothing_changed_keeps_the_entry():
    assert merge_entries(BASE, BASE, BASE) == (BASE, False)


def test_a_change_on_one_side_only_is_taken():
    ours = BASE.with_changes(answer="Three engineers.")
    assert merge_entries(BASE, ours, BASE) == (ours, False)
    assert merge_entries(BASE, BASE, ours) == (ours, False)


def test_the_same_change_on_both_sides_is_no_conflict():
    both = BASE.with_changes(answer="Three engineers.", status="agreed")
    assert merge_entries(BASE, both, both) == (both, False)


def test_an_answer_here_and_a_status_there_combine():
    ours = BASE.with_changes(answer="Three engineers.")
    theirs = BASE.with_changes(status="agreed")

    merged, conflicted = merge_entries(BASE, ours, theirs)

    assert not conflicted
    assert merged == Entry(answer="Three engineers.", status="agreed", notes="from the workshop")
    assert merge_entries(BASE, theirs, ours) == (merged, False)


def test_an_answer_here_and_notes_there_combine():
    ours = BASE.with_changes(answer="Three engineers.")
    theirs = BASE.with_changes(notes="ask finance")

    merged, conflicted = merge_entries(BASE, ours, theirs)

    assert not conflicted
    assert (merged.answer, merged.notes, merged.status) == ("Three engineers.", "ask finance", "draft")


def test_the_same_answer_changed_differently_keeps_both_texts():
    ours = BASE.with_changes(answer="Three engineers.")
    theirs = BASE.with_changes(answer="One engineer and a contractor.")

    merged, conflicted = merge_entries(BASE, ours, theirs)

    assert conflicted
    assert merged.answer == "Three engineers."
    assert merged.conflict == "One engineer and a contractor."
    assert merged.status == "needs-review"
    assert merged.review == CONFLICT_REVIEW
    assert merged.notes == BASE.notes


def test_answers_typed_on_both_sides_into_an_open_question_conflict():
    ours = EMPTY.with_changes(answer="Here.", status="draft")
    theirs = EMPTY.with_changes(answer="There.", status="draft")

    merged, conflicted = merge_entries(EMPTY, ours, theirs)

    assert conflicted and (merged.answer, merged.conflict, merged.status) == ("Here.", "There.", "needs-review")


def test_notes_changed_on_both_sides_keep_both_texts():
    ours = BASE.with_changes(notes="ask finance")
    theirs = BASE.with_changes(notes="ask the operator")

    merged, conflicted = merge_entries(BASE, ours, theirs)

    assert not conflicted  # notes are not the answer: both kept, nothing to resolve
    assert "ask finance" in merged.notes and "ask the operator" in merged.notes


def test_statuses_set_differently_need_review_and_say_why():
    ours = BASE.with_changes(status="agreed")
    theirs = BASE.with_changes(status="open")

    merged, conflicted = merge_entries(BASE, ours, theirs)

    assert not conflicted
    assert merged.status == "needs-review"
    assert "agreed" in merged.review and "open" in merged.review  # both choices stay visible


def test_a_resolution_on_one_side_wins_over_an_untouched_conflict():
    pending = BASE.with_changes(answer="Mine.", conflict="Theirs.", status="needs-review", review=CONFLICT_REVIEW)
    resolved = pending.with_changes(answer="Merged text.", conflict="", status="draft", review="")

    assert merge_entries(pending, resolved, pending) == (resolved, False)
    assert merge_entries(pending, pending, resolved) == (resolved, False)


texts = st.sampled_from(["", "a", "b", "c"])
statuses = st.sampled_from(["open", "draft", "agreed", "needs-review"])
entries = st.builds(Entry, answer=texts, status=statuses, notes=texts)


@settings(max_examples=300, deadline=None)
@given(base=entries, ours=entries, theirs=entries)
def test_no_side_s_new_answer_is_ever_dropped(base: Entry, ours: Entry, theirs: Entry):
    merged, conflicted = merge_entries(base, ours, theirs)

    kept = {merged.answer, merged.conflict}
    for side in (ours, theirs):
        if side.answer != base.answer:
            assert side.answer in kept
    assert merged.answer in (ours.answer, theirs.answer)
    assert conflicted == (ours.answer != base.answer and theirs.answer != base.answer and ours.answer != theirs.answer)
    if conflicted:
        assert merged.status == "needs-review"
    assert merge_entries(base, ours, ours) == (ours, False)


# --------------------------------------------------------------------------- whole files

HEADER = "Data: answers of \"t\".\nhand-written comment kept"


def _file(entries: dict[str, Entry], extra: list[str] = ()) -> bytes:
    answers = AnswerFile.new(Path("answers/data.toml"), HEADER, [(q, f"Question {q}?") for q in ["q.one", "q.two", *extra]])
    for qid, entry in entries.items():
        answers.set_entry(qid, entry)
    return answers.dumps()


def test_merge_files_merges_by_question_keeping_our_layout():
    base = _file({})
    ours = _file({"q.one": Entry(answer="one, here", status="draft")}).replace(b"# Question q.two?", b"# my own comment")
    theirs = _file({"q.two": Entry(answer="two, there", status="draft")}, extra=["q.three"])

    merged, conflicts = merge_files(base, ours, theirs, "answers/data.toml")

    parsed = AnswerFile.parse(Path("x"), merged).entries()
    assert conflicts == []
    assert parsed["q.one"].answer == "one, here" and parsed["q.two"].answer == "two, there"
    assert "q.three" in parsed  # a question added on the other side arrives
    assert b"# my own comment" in merged and b"hand-written comment kept" in merged


def test_merge_files_reports_the_conflicting_questions():
    base = _file({})
    ours = _file({"q.one": Entry(answer="here", status="draft")})
    theirs = _file({"q.one": Entry(answer="there", status="draft")})

    merged, conflicts = merge_files(base, ours, theirs, "answers/data.toml")

    assert conflicts == ["q.one"]
    entry = AnswerFile.parse(Path("x"), merged).entries()["q.one"]
    assert (entry.answer, entry.conflict) == ("here", "there")
    assert b"<<<<<<<" not in merged


def test_driver_leaves_ours_untouched_when_a_side_is_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base, ours, theirs = tmp_path / "base", tmp_path / "ours", tmp_path / "theirs"
    base.write_bytes(_file({}))
    ours.write_bytes(_file({"q.one": Entry(answer="here", status="draft")}))
    theirs.write_bytes(b"[broken\n")

    assert main([str(base), str(ours), str(theirs), "answers/data.toml"]) == REFUSED

    assert ours.read_bytes() == _file({"q.one": Entry(answer="here", status="draft")})
    assert "answers/data.toml" in capsys.readouterr().err


def test_driver_writes_the_merge_into_ours_and_exits_zero_on_conflicts(tmp_path: Path):
    base, ours, theirs = tmp_path / "base", tmp_path / "ours", tmp_path / "theirs"
    base.write_bytes(_file({}))
    ours.write_bytes(_file({"q.one": Entry(answer="here", status="draft")}))
    theirs.write_bytes(_file({"q.one": Entry(answer="there", status="draft")}))

    assert main([str(base), str(ours), str(theirs), "answers/data.toml"]) == 0

    entry = AnswerFile.parse(ours, ours.read_bytes()).entries()["q.one"]
    assert (entry.answer, entry.conflict, entry.status) == ("here", "there", "needs-review")
