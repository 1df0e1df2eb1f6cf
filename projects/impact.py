"""Change impact: which answers a changed answer puts in doubt, and what is most urgent.

A flag must always mean "read this again", so the rules are narrow:

- Only a change of meaning flags: two texts with the same words and numbers (whitespace,
  line breaks and punctuation aside, see `same_meaning`) are the same answer.
- An upstream question's first answer flags nothing in the sitting the form is filled in:
  an answer given since the last iteration (a named milestone, `mlreq iteration new`) was
  written without it, and filling the form is not changing it. Only answers the team had
  already settled at the last iteration, unchanged since, are flagged by it (`settled`):
  they were agreed without the upstream. With no iteration, a first answer flags nothing.
- Only the answers that build directly on the changed one (`depends_on`) are flagged
  needs-review, with the reason; those further down are "may be affected": listed by
  `mlreq impact` and in the app before saving, never flagged.
- An edit marked minor flags nothing (the caller leaves it out of `changes`).
- Rewording a question (tailoring) flags its answer, if it has one: it answered the old words.

Confirming a flagged answer (`mlreq review --confirm`, or marking it) or editing it
clears the flag.
"""

from __future__ import annotations

import re
import time
import unicodedata
from functools import cache

from mlreq.bank import Form, Question
from mlreq.bank.record import Record, init_fields

from .answers import EMPTY, Entry

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from datetime import datetime

PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}

# Numbers keep their sign, decimal and thousands marks ("-3.5", "4,000", "24-72" is two);
# every other run of letters/digits is a word; anything else is one character.
_TOKEN = r"[-+\u2212\u00b1]?\d(?:[\d.,:/]*\d)?|\w+|[^\w\s]"  # compiled on first use: `status` needs only `ranked`
_MEANINGFUL_MARKS = frozenset("%\u2030&@")
"""Punctuation that carries meaning next to words and numbers ("5%", "R&D")."""


def meaning(text: str) -> tuple[str, ...]:
    """The words, numbers and symbols of a text: what a reader takes from it.

    Whitespace, line breaks and punctuation (Unicode category P, e.g. a full stop, a
    comma, quotes, a list's dashes) are left out; symbols (category S, e.g. `<`, `>`,
    `=`, currency) and the marks above are kept, as they change what a text says.
    """
    tokens = []
    for token in _token().findall(unicodedata.normalize("NFKC", text)):
        if len(token) == 1 and not token.isalnum():
            if unicodedata.category(token).startswith("P") and token not in _MEANINGFUL_MARKS:
                continue
        tokens.append(token)
    return tuple(tokens)


@cache
def _token() -> re.Pattern[str]:
    return re.compile(_TOKEN)


def same_meaning(old: str, new: str) -> bool:
    return old == new or meaning(old) == meaning(new)


class Affected(Record):
    """A question downstream of a change: depth 1 builds on it directly."""

    __slots__ = ("question_id", "depth", "entry")
    question_id: str
    depth: int
    entry: Entry

    def __init__(self, question_id: str, depth: int, entry: Entry) -> None:
        init_fields(self, question_id, depth, entry)

    @property
    def would_be_flagged(self) -> bool:
        """A direct dependent with an answer that is not already flagged."""
        return self.depth == 1 and self.entry.answered and self.entry.status != "needs-review"

    @property
    def may_be_affected(self) -> bool:
        """Further down and answered: shown, never flagged."""
        return self.depth > 1 and self.entry.answered


def affected_by(form: Form, question_id: str, entries: dict[str, Entry]) -> list[Affected]:
    """Every question downstream of `question_id`, nearest first."""
    return [Affected(qid, depth, entries.get(qid, EMPTY)) for qid, depth in form.downstream(question_id)]


class AnswerChange(Record):
    """One answer's text before an edit began and after it."""

    __slots__ = ("question_id", "before", "after")
    question_id: str
    before: str
    after: str

    def __init__(self, question_id: str, before: str, after: str) -> None:
        init_fields(self, question_id, before, after)

    @property
    def first(self) -> bool:
        """The upstream's first answer (it was empty before the edit began)."""
        return not self.before.strip() and bool(self.after.strip())

    @property
    def flags(self) -> bool:
        """Whether this change can put other answers in doubt (see the module's rules)."""
        return (bool(self.before.strip()) or self.first) and not same_meaning(self.before, self.after)


def review_reason(question_id: str, author: str, when: datetime | None = None) -> str:
    return f"{question_id} changed ({author}, {_day(when)})"


def reworded_reason(author: str, when: datetime | None = None) -> str:
    return f"the question was reworded ({author}, {_day(when)})"


def _day(when: datetime | None) -> str:
    """`when`'s date, else today's in UTC (from `time`: the datetime module costs `answer` ~1 ms)."""
    return when.strftime("%Y-%m-%d") if when else time.strftime("%Y-%m-%d", time.gmtime())


REWORDED = re.compile(r"^the question was reworded \((?P<author>.*), (?P<date>\d{4}-\d{2}-\d{2})\)$")
"""A `reworded_reason` line read back."""

REASON = re.compile(r"^(?P<question>\S+) changed \((?P<author>.*), (?P<date>\d{4}-\d{2}-\d{2})\)$")
"""A `review_reason` line read back: which answer changed, by whom, when."""


def flags_for(
    form: Form,
    changes: list[AnswerChange],
    entries: dict[str, Entry],
    author: str,
    when: datetime | None = None,
    settled: frozenset[str] = frozenset(),
) -> dict[str, Entry]:
    """The entries to mark needs-review because of `changes`: direct dependents only.

    `settled`: answers that were already given, as they are now, at the last iteration;
    only those are flagged by an upstream's first answer.
    """
    flagged: dict[str, Entry] = {}
    changed = {change.question_id for change in changes}
    for change in changes:
        if not change.flags:
            continue
        reason = review_reason(change.question_id, author, when)
        for qid in form.dependents_of(change.question_id):
            entry = flagged.get(qid) or entries.get(qid, EMPTY)
            if qid in changed or not entry.answered or (change.first and qid not in settled):
                continue
            if entry.status != "needs-review":
                flagged[qid] = entry.with_changes(status="needs-review", review=reason)
            elif not any(_reason_names(line, change.question_id) for line in entry.review.splitlines()):
                # Already in doubt for another reason: this change is one more thing to read.
                flagged[qid] = entry.with_changes(review="\n".join(filter(None, [entry.review, reason])))
    return flagged


def _reason_names(line: str, question_id: str) -> bool:
    match = REASON.match(line)
    return match is not None and match["question"] == question_id


def may_be_affected(form: Form, changes: list[AnswerChange], entries: dict[str, Entry]) -> list[str]:
    """Answered questions further down than the direct dependents of the changes that
    flag (a first answer's too: what is further down may still be worth a look)."""
    direct = {qid for change in changes if change.flags for qid in form.dependents_of(change.question_id)}
    found: dict[str, None] = {}
    for change in changes:
        if not change.flags:
            continue
        for qid, depth in form.downstream(change.question_id):
            if depth > 1 and qid not in direct and qid not in found and entries.get(qid, EMPTY).answered:
                found[qid] = None
    return list(found)


def flags_for_rewording(old: Form, new: Form, entries: dict[str, Entry], author: str, when: datetime | None = None) -> dict[str, Entry]:
    """Answered questions whose wording changed meaning: their answers are to be read again."""
    flagged: dict[str, Entry] = {}
    for question in new.questions:
        before = old.question(question.id)
        entry = entries.get(question.id, EMPTY)
        if before is None or not entry.answered or same_meaning(before.text, question.text):
            continue
        reason = reworded_reason(author, when)
        if entry.status != "needs-review":
            flagged[question.id] = entry.with_changes(status="needs-review", review=reason)
        elif not any(REWORDED.match(line) for line in entry.review.splitlines()):
            flagged[question.id] = entry.with_changes(review="\n".join(filter(None, [entry.review, reason])))
    return flagged


def ranked(questions: list[Question] | tuple[Question, ...]) -> list[Question]:
    """Most urgent first: by priority, then in the form's order."""
    return sorted(questions, key=lambda q: PRIORITY_ORDER.get(q.priority, 1))
