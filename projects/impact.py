"""Change impact: which answers a changed answer puts in doubt, and what is most urgent.

When an answer changes, every answered question that builds on it (directly or through
others, following the form's `depends_on`) is marked "needs-review" with the reason.
Confirming it ("still holds", i.e. marking it agreed) or editing it clears the flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from mlreq.bank import Form, Question

from .answers import EMPTY, Entry

PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Affected:
    """A question downstream of a change, and whether it would be flagged."""

    question_id: str
    depth: int
    entry: Entry

    @property
    def would_be_flagged(self) -> bool:
        return self.entry.answered and self.entry.status != "needs-review"


def affected_by(form: Form, question_id: str, entries: dict[str, Entry]) -> list[Affected]:
    """Every question downstream of `question_id`, nearest first."""
    return [Affected(qid, depth, entries.get(qid, EMPTY)) for qid, depth in form.downstream(question_id)]


def review_reason(question_id: str, author: str, when: datetime | None = None) -> str:
    moment = (when or datetime.now(timezone.utc)).strftime("%Y-%m-%d")
    return f"{question_id} changed ({author}, {moment})"


def flags_for(form: Form, changed: list[str], entries: dict[str, Entry], author: str, when: datetime | None = None) -> dict[str, Entry]:
    """The entries to mark needs-review because the answers of `changed` changed."""
    flagged: dict[str, Entry] = {}
    for question_id in changed:
        for item in affected_by(form, question_id, entries):
            if item.question_id in changed or item.question_id in flagged or not item.would_be_flagged:
                continue
            flagged[item.question_id] = item.entry.with_changes(
                status="needs-review", review=review_reason(question_id, author, when)
            )
    return flagged


def ranked(questions: list[Question] | tuple[Question, ...]) -> list[Question]:
    """Most urgent first: by priority, then in the form's order."""
    return sorted(questions, key=lambda q: PRIORITY_ORDER.get(q.priority, 1))
