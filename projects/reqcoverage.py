"""Requirements coverage: which answered questions have no requirement yet, and which
challenges (P1-P6, BP1-BP4) no requirement addresses.

A retired requirement covers nothing: it stays in the file for its history only. The
challenges a requirement covers are those its source questions trace to (inherited, as
`requirements.challenges` says), so coverage follows the form.
"""

from __future__ import annotations

import os

from mlreq.bank import Question, TraceItem
from mlreq.bank.errors import MlreqError
from mlreq.bank.record import Record, init_fields

from .layout import REQUIREMENTS_FILE

STATUSES = ("draft", "agreed", "needs-review", "retired")
"""`requirements.STATUSES`, not imported from there: without a requirements file, `mlreq
status` loads no requirements code (tests/requirements/test_req_coverage.py checks they agree)."""

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (issue 14)
if TYPE_CHECKING:
    from .answers import Entry
    from .project import Project


class Coverage(Record):
    __slots__ = ("written", "statuses", "unrequired", "uncovered", "problem")
    written: int
    """Requirements in force (not retired)."""
    statuses: dict[str, int]
    """How many requirements have each status, retired ones included."""
    unrequired: tuple[Question, ...]
    """Answered questions no requirement in force is written from, in the form's order."""
    uncovered: tuple[TraceItem, ...]
    """Challenges and best practices no requirement in force traces to, in the form's order."""
    problem: str
    """Why requirements.toml could not be read (then nothing above is known)."""

    def __init__(
        self, written: int, statuses: dict[str, int] | None = None, unrequired: tuple[Question, ...] = (),
        uncovered: tuple[TraceItem, ...] = (), problem: str = "",
    ) -> None:
        init_fields(self, written, {} if statuses is None else statuses, unrequired, uncovered, problem)


def requirement_coverage(project: Project, entries: dict[str, Entry]) -> Coverage:
    """The project's coverage; a broken requirements file is said in `problem`, never raised.
    Without a requirements file nothing is covered, and the requirements code is not loaded
    (`mlreq status` stays a short command)."""
    form = project.form
    if not os.path.lexists(project.path_of(REQUIREMENTS_FILE)):
        answered = tuple(q for q in form.questions if entries[q.id].answered)
        return Coverage(0, dict.fromkeys(STATUSES, 0), answered, tuple(form.trace_items))
    from .requirements import challenges, load_requirements

    try:
        items = load_requirements(project).items
    except MlreqError as exc:
        return Coverage(0, problem=str(exc))
    statuses = dict.fromkeys(STATUSES, 0)
    sources: set[str] = set()
    traced: set[str] = set()
    for requirement in items:
        statuses[requirement.status] = statuses.get(requirement.status, 0) + 1
        if requirement.status == "retired":
            continue
        sources.update(requirement.sources)
        traced.update(challenges(form, requirement))
    unrequired = tuple(q for q in form.questions if entries[q.id].answered and q.id not in sources)
    uncovered = tuple(t for t in form.trace_items if t.id not in traced)
    return Coverage(len(items) - statuses["retired"], statuses, unrequired, uncovered)


def coverage_json(coverage: Coverage) -> dict:
    return {
        "written": coverage.written,
        "statuses": coverage.statuses,
        "answered_without_requirement": [q.id for q in coverage.unrequired],
        "uncovered_challenges": [{"id": t.id, "kind": t.kind, "title": t.title} for t in coverage.uncovered],
        "problem": coverage.problem or None,
    }
