"""Diffs by question, not by TOML line, with word-level changes in the text.

Two snapshots of a project (its question set and its entries) are compared question by
question: reformatting, reordering entries or editing comments is not a change.
"""

from __future__ import annotations

import difflib
import os
import re
from collections import namedtuple

from .answers import EMPTY

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start)
if TYPE_CHECKING:
    from mlreq.bank import Form, Question

    from .answers import Entry

# The value types below are named tuples, not dataclasses: `dataclasses` (with inspect,
# ast, dis) and about 1 ms per class were a tenth of `mlreq diff` as a process (issue 11).

_TOKEN = re.compile(r"\s+|[^\w\s]+|\w+(?:[^\w\s]+\w+)*")
"""Whitespace runs, punctuation runs, and words (with inner punctuation: "charger-day", "4,000")."""
_WORD = re.compile(r"\w+")
SHORT_WORDS, SHORT_CHARS = 2, 15
"""An unchanged stretch of at most this many words and characters is too small to read
between two changes: it joins them."""


class WordOp(namedtuple("WordOp", "op text")):
    """One run of the word diff: op is "equal", "delete" or "insert"; text, its words."""

    __slots__ = ()


class _Run:
    """Unchanged text (`same`), or a change (`gone` replaced by `came`) when same is None."""

    __slots__ = ("same", "gone", "came")

    def __init__(self, same: str | None = None, gone: str = "", came: str = "") -> None:
        self.same, self.gone, self.came = same, gone, came


def word_diff(old: str, new: str) -> list[WordOp]:
    """Words that stayed, went or came, grouped into runs a person reads as phrases.

    Words are matched first; then a small unchanged stretch between two changes (a space,
    punctuation, a short word or two, or text shorter than the changes on both sides, as
    semantic clean-up in diff libraries does) is folded into one change, so a rewritten
    sentence reads as the old sentence then the new one, never as alternating words.
    A stretch holding a line break is never folded: lines and list items stay apart.
    Each change is its deleted text, then its inserted text; joining the equal and deleted
    runs gives `old`, the equal and inserted runs `new`.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    runs: list[_Run] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append(_Run(same="".join(a[i1:i2])))
        else:
            runs.append(_Run(gone="".join(a[i1:i2]), came="".join(b[j1:j2])))
    runs = _aligned(_grouped(runs))
    ops: list[WordOp] = []
    for run in runs:
        if run.same is not None:
            ops.append(WordOp("equal", run.same))
            continue
        if run.gone:
            ops.append(WordOp("delete", run.gone))
        if run.came:
            ops.append(WordOp("insert", run.came))
    return ops


def _grouped(runs: list[_Run]) -> list[_Run]:
    """Fold small unchanged stretches into the changes around them until none is left."""
    folded = True
    while folded:
        folded = False
        out: list[_Run] = []
        for run in runs:
            if run.same is None and len(out) >= 2 and out[-2].same is None and _foldable(out[-1].same or "", out[-2], run):
                same, before = out.pop().same or "", out.pop()
                run = _Run(gone=before.gone + same + run.gone, came=before.came + same + run.came)
                folded = True
            out.append(run)
        runs = out
    return runs


def _foldable(same: str, before: _Run, after: _Run) -> bool:
    if "\n" in same or "\n" in (before.gone[-1:], before.came[-1:], after.gone[:1], after.came[:1]):
        return False  # a change of whole lines stays apart from the words around it
    words = _WORD.findall(same)
    if len(words) <= SHORT_WORDS and len(same.strip()) <= SHORT_CHARS:
        return True
    return len(same) <= min(max(len(before.gone), len(before.came)), max(len(after.gone), len(after.came)))


def _aligned(runs: list[_Run]) -> list[_Run]:
    """Slide each pure insertion or deletion to where its edges read best (line breaks,
    then spaces), as "- a\n{+- b\n+}- c" rather than "- a\n- {+b\n- +}c"."""
    for index in range(1, len(runs) - 1):
        before, run, after = runs[index - 1], runs[index], runs[index + 1]
        if run.same is not None or before.same is None or after.same is None or (run.gone and run.came):
            continue
        edit = run.gone or run.came
        left, right = before.same, after.same
        shared = len(os.path.commonprefix([left[::-1], edit[::-1]]))
        if shared:  # as far left as it goes, then try every place to the right
            left, edit, right = left[: len(left) - shared], edit[len(edit) - shared :] + edit[: len(edit) - shared], edit[len(edit) - shared :] + right
        best = (_edge_score(left, edit) + _edge_score(edit, right), left, edit, right)
        while right and edit[0] == right[0]:
            left, edit, right = left + edit[0], edit[1:] + right[0], right[1:]
            score = _edge_score(left, edit) + _edge_score(edit, right)
            if score >= best[0]:
                best = (score, left, edit, right)
        _, left, edit, right = best
        before.same, after.same = left, right
        runs[index] = _Run(gone=edit) if run.gone else _Run(came=edit)
    merged: list[_Run] = []
    for run in runs:
        if run.same == "":
            continue  # slid away entirely: the changes on both sides are now one
        if merged and run.same is None and merged[-1].same is None:
            merged[-1] = _Run(gone=merged[-1].gone + run.gone, came=merged[-1].came + run.came)
        else:
            merged.append(run)
    return merged


def _edge_score(left: str, right: str) -> int:
    """How good a place the boundary between `left` and `right` is for an edit to start or end."""
    if not left or not right:
        return 5
    if left.endswith("\n") or right.startswith("\n"):
        return 4
    if left[-1].isspace() or right[0].isspace():
        return 2
    if not left[-1].isalnum() or not right[0].isalnum():
        return 1
    return 0


def render_word_diff(ops: list[WordOp]) -> str:
    """Plain text in git's --word-diff=plain style: [-gone-]{+came+}."""
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[op.op].format(op.text) for op in ops)


class Snapshot(namedtuple("Snapshot", "label commit questions entries order errors form skipped files")):
    """The project as it was at one point: its question set and its entries.

    - label (str), commit (str or None), questions (id -> Question), entries (id -> Entry),
      order (question ids, in the form's order);
    - errors: files that could not be read at this point (broken, missing): said, then skipped;
    - form: the question set (Form or None);
    - skipped: stages whose answer file could not be read here: their questions are not compared;
    - files: the blob ids of the files in the project's folder at `commit` (name -> id),
      where read with it; None when unknown (the disk, a snapshot made otherwise).
    """

    __slots__ = ()

    def __new__(cls, label: str, commit: str | None, questions: dict[str, Question], entries: dict[str, Entry],
                order: list[str] | None = None, errors: tuple[str, ...] = (), form: Form | None = None,
                skipped: frozenset[str] = frozenset(), files: dict[str, str] | None = None) -> Snapshot:
        return super().__new__(cls, label, commit, questions, entries, [] if order is None else order, errors, form, skipped, files)


class FieldChange(namedtuple("FieldChange", "field old new")):
    """One field of an entry, before and after: "answer", "status", "notes", or
    "agreed_by" (the names of the roles that agreed, comma-separated; "" for none)."""

    __slots__ = ()

    def words(self) -> list[WordOp]:
        return word_diff(self.old, self.new)


class QuestionChange(namedtuple("QuestionChange", "question_id stage text kind fields old_text", defaults=((), ""))):
    """How one question differs between two snapshots: kind is "changed" (entry), "added" /
    "removed" (question set), or "reworded"; fields, the FieldChanges."""

    __slots__ = ()


class ProjectDiff(namedtuple("ProjectDiff", "old new changes passed", defaults=((),))):
    """Two snapshots and the QuestionChanges between them; passed: versions between the two
    ends that could not be read (said, then skipped)."""

    __slots__ = ()

    @property
    def errors(self) -> tuple[str, ...]:
        return self.old.errors + self.passed + self.new.errors


def diff_snapshots(old: Snapshot, new: Snapshot, passed: tuple[str, ...] = ()) -> ProjectDiff:
    order = list(dict.fromkeys([*new.order, *old.order, *new.entries, *old.entries]))
    changes: list[QuestionChange] = []
    for qid in order:
        before_q, after_q = old.questions.get(qid), new.questions.get(qid)
        question = after_q or before_q
        stage = question.stage if question else qid.split(".", 1)[0]
        if stage in old.skipped or stage in new.skipped:
            continue  # unknown at one end (said in `errors`), not emptied
        text = question.text if question else qid
        before, after = old.entries.get(qid, EMPTY), new.entries.get(qid, EMPTY)
        fields = tuple(
            FieldChange(name, getattr(before, name), getattr(after, name))
            for name in ("answer", "status", "notes")
            if getattr(before, name) != getattr(after, name)
        )
        if set(before.agreed_by) != set(after.agreed_by):
            fields += (FieldChange("agreed_by", _role_names(old, new, before.agreed_by), _role_names(new, old, after.agreed_by)),)
        if before_q is None and after_q is not None and old.questions:
            changes.append(QuestionChange(qid, stage, text, "added", fields))
        elif after_q is None and before_q is not None and new.questions:
            changes.append(QuestionChange(qid, stage, text, "removed", fields))
        elif before_q and after_q and before_q.text != after_q.text:
            changes.append(QuestionChange(qid, stage, text, "reworded", fields, old_text=before_q.text))
        elif fields:
            changes.append(QuestionChange(qid, stage, text, "changed", fields))
    return ProjectDiff(old, new, tuple(changes), passed)


def _role_names(side: Snapshot, other: Snapshot, role_ids: tuple[str, ...]) -> str:
    """"Data scientist, Legal team": the names this side's form gives the roles (the other
    side's for a role it lacks; the id for a role neither knows)."""
    names = []
    for role_id in role_ids:
        role = next((f.role(role_id) for f in (side.form, other.form) if f is not None and f.role(role_id)), None)
        names.append(role.name if role else role_id)
    return ", ".join(names)
