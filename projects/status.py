"""Completeness of a project: per stage, per role, and what is still open."""

from __future__ import annotations

from mlreq.bank import Question, Role, Stage
from mlreq.bank.record import Record, init_fields

from .answers import Entry
from .commitmessage import Change
from .errors import CommitError, GitReadError
from .impact import ranked
from .project import Project
from .reqcoverage import Coverage, coverage_json, requirement_coverage


class Progress(Record):
    """How many of a group's questions have an answer."""

    __slots__ = ("label", "answered", "total")
    label: str
    answered: int
    total: int

    def __init__(self, label: str, answered: int, total: int) -> None:
        init_fields(self, label, answered, total)

    def bar(self, width: int, full: str = "#", empty: str = ".") -> str:
        """A text progress bar: full cells for the answered share."""
        filled = round(width * self.answered / self.total) if self.total else width
        return full * filled + empty * (width - filled)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


class ProjectStatus(Record):
    __slots__ = ("name", "form_title", "overall", "stages", "roles", "open_questions", "needs_review", "status_counts",
                 "uncommitted", "orphans", "conflicts", "git_problem", "sign_offs", "coverage")
    name: str
    form_title: str
    overall: Progress
    stages: tuple[Progress, ...]
    roles: tuple[Progress, ...]
    open_questions: tuple[Question, ...]
    needs_review: tuple[Question, ...]
    status_counts: dict[str, int]
    uncommitted: tuple[Change, ...]
    orphans: tuple[str, ...]
    conflicts: tuple[str, ...]
    """Answers changed on both sides of a sync; both versions are kept until resolved."""
    git_problem: str
    """Why uncommitted changes could not be checked (git missing, broken repository)."""
    sign_offs: tuple[tuple[str, int, int], ...]
    """Per role: (name, agreed answers it signed off, agreed answers asked of it); empty
    while no answer records who agreed."""
    coverage: Coverage | None
    """Answered questions without a requirement, challenges no requirement covers."""

    def __init__(
        self, name: str, form_title: str, overall: Progress, stages: tuple[Progress, ...], roles: tuple[Progress, ...],
        open_questions: tuple[Question, ...], needs_review: tuple[Question, ...], status_counts: dict[str, int],
        uncommitted: tuple[Change, ...], orphans: tuple[str, ...], conflicts: tuple[str, ...] = (), git_problem: str = "",
        sign_offs: tuple[tuple[str, int, int], ...] = (), coverage: Coverage | None = None,
    ) -> None:
        init_fields(self, name, form_title, overall, stages, roles, open_questions, needs_review, status_counts,
                    uncommitted, orphans, conflicts, git_problem, sign_offs, coverage)


def _progress(label: str, questions: tuple[Question, ...], entries: dict[str, Entry]) -> Progress:
    return Progress(label, sum(entries[q.id].answered for q in questions), len(questions))


def stage_progress(stage: Stage, project: Project, entries: dict[str, Entry]) -> Progress:
    return _progress(stage.name, project.form.questions_in(stage.id), entries)


def role_progress(role: Role, project: Project, entries: dict[str, Entry]) -> Progress:
    return _progress(role.name, project.form.questions_for(role.id), entries)


def project_status(project: Project, entries: dict[str, Entry] | None = None, with_git: bool = True) -> ProjectStatus:
    entries = entries if entries is not None else project.entries()
    form = project.form
    counts = {status: 0 for status in ("open", "draft", "agreed", "needs-review")}
    for question in form.questions:
        counts[entries[question.id].status] = counts.get(entries[question.id].status, 0) + 1
    overall = _progress("All stages", form.questions, entries)
    stages = tuple(stage_progress(stage, project, entries) for stage in form.stages)
    roles = tuple(role_progress(role, project, entries) for role in form.roles)
    open_questions = tuple(ranked([q for q in form.questions if not entries[q.id].answered]))
    needs_review = tuple(ranked([q for q in form.questions if entries[q.id].status == "needs-review"]))
    sign_offs = _sign_offs(project, entries)
    coverage = requirement_coverage(project, entries)
    # Git's side last: HEAD's answers, read ahead (`Project.read_ahead`), arrive meanwhile.
    uncommitted: tuple[Change, ...] = ()
    git_problem = ""
    if with_git:
        try:
            uncommitted = tuple(project.uncommitted())
        except (CommitError, GitReadError) as exc:
            git_problem = str(exc)
    return ProjectStatus(
        name=project.name,
        form_title=f"{form.title} ({form.id})" if form.id else form.title,
        overall=overall,
        stages=stages,
        roles=roles,
        open_questions=open_questions,
        needs_review=needs_review,
        status_counts=counts,
        uncommitted=uncommitted,
        orphans=tuple(qid for qid in entries if form.question(qid) is None),
        conflicts=tuple(qid for qid, entry in entries.items() if entry.conflict),
        git_problem=git_problem,
        sign_offs=sign_offs,
        coverage=coverage,
    )


def _sign_offs(project: Project, entries: dict[str, Entry]) -> tuple[tuple[str, int, int], ...]:
    form = project.form
    if not any(entries[q.id].agreed_by for q in form.questions):
        return ()
    rows = []
    for role in form.roles:
        agreed = [q for q in form.questions_for(role.id) if entries[q.id].status == "agreed"]
        rows.append((role.name, sum(role.id in entries[q.id].agreed_by for q in agreed), len(agreed)))
    return tuple(rows)


def status_json(status: ProjectStatus) -> dict:
    def progress(p: Progress) -> dict:
        return {"name": p.label, "answered": p.answered, "total": p.total}

    return {
        "project": status.name,
        "form": status.form_title,
        "answered": status.overall.answered,
        "total": status.overall.total,
        "statuses": status.status_counts,
        "stages": [progress(p) for p in status.stages],
        "roles": [progress(p) for p in status.roles],
        "open": [
            {"id": q.id, "stage": q.stage, "question": q.text, "priority": q.priority, "impact": q.impact}
            for q in status.open_questions
        ],
        "needs_review": [q.id for q in status.needs_review],
        "uncommitted": [c.question_id for c in status.uncommitted],
        "orphans": list(status.orphans),
        "conflicts": list(status.conflicts),
        "git_problem": status.git_problem or None,
        "sign_offs": [{"role": name, "signed": signed, "agreed": agreed} for name, signed, agreed in status.sign_offs],
        "requirements": coverage_json(status.coverage) if status.coverage else None,
    }
