"""What every export format shows: a project's question set and answers at one point,
narrowed by stage, role and status filters, with per-stage and per-role progress."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING

from mlreq.bank import STATUSES, Form, Question

from ..answers import EMPTY, Entry
from ..errors import InvalidInputError
from ..safetext import visible
from ..signoff import sign_off

if TYPE_CHECKING:
    from ..requirements import Requirement


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Filters:
    """Which questions an export holds. Within one dimension any value matches; all
    dimensions must match. Empty means no restriction."""

    stages: tuple[str, ...] = ()
    """Stage ids."""
    roles: tuple[str, ...] = ()
    """Role ids: a question matches when it is addressed to any of them."""
    statuses: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.stages or self.roles or self.statuses)

    def admits(self, question: Question, entry: Entry) -> bool:
        if self.stages and question.stage not in self.stages:
            return False
        if self.roles and not any(role in self.roles for role in question.roles):
            return False
        return not (self.statuses and entry.status not in self.statuses)

    @classmethod
    def parse(
        cls, form: Form, stages: Iterable[str] = (), roles: Iterable[str] = (), statuses: Iterable[str] = ()
    ) -> Filters:
        """Filters from what a user typed: names or ids, repeated or comma-separated.

        An unknown value raises InvalidInputError naming it and the choices.
        """
        def stage_id(value: str) -> str | None:
            stage = form.find_stage(value)
            return stage.id if stage else None

        def role_id(value: str) -> str | None:
            role = form.find_role(value)
            return role.id if role else None

        stage_ids = _resolve(stages, stage_id, "stage", ", ".join(s.name for s in form.stages) + " (name or id)")
        role_ids = _resolve(roles, role_id, "role", ", ".join(r.name for r in form.roles) + " (name or id)")
        status_ids = _resolve(statuses, _status, "status", ", ".join(STATUSES))
        return cls(_unique(stage_ids), _unique(role_ids), _unique(status_ids))

    def describe(self, form: Form) -> str:
        """"stage Data; role Legal team, Data engineer; status open", or "" for no filter."""
        parts = []
        if self.stages:
            names = [form.stage(s).name if form.stage(s) else s for s in self.stages]
            parts.append(("stage " if len(names) == 1 else "stages ") + ", ".join(names))
        if self.roles:
            names = [form.role(r).name if form.role(r) else r for r in self.roles]
            parts.append(("role " if len(names) == 1 else "roles ") + ", ".join(names))
        if self.statuses:
            parts.append("status " + " or ".join(self.statuses))
        return "; ".join(parts)

    def as_json(self) -> dict:
        return {"stages": list(self.stages), "roles": list(self.roles), "statuses": list(self.statuses)}


def _resolve(values: Iterable[str], find, what: str, choices: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids `find` gives for what a user typed; an unknown value names the choices."""
    found = []
    for value in _split(values, lambda v: find(v) is not None):
        resolved = find(value)
        if resolved is None:
            raise InvalidInputError(f"unknown {what} {value!r}: use one of {choices}")
        found.append(resolved)
    return found


def _status(value: str) -> str | None:
    wanted = value.strip().casefold().replace(" ", "-").replace("_", "-")
    return wanted if wanted in STATUSES else None


def _split(values: Iterable[str], known) -> list[str]:  # type: ignore[no-untyped-def]
    """Each value as given if it names something (a stage may hold a comma), else its comma parts."""
    out: list[str] = []
    for value in values:
        if known(value) or "," not in value:
            out.append(value)
        else:
            out.extend(part for part in (p.strip() for p in value.split(",")) if part)
    return out


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class FormState:
    """What an export shows: a project's name, its question set and entries at one point."""

    name: str
    form: Form
    entries: Mapping[str, Entry]
    filters: Filters = Filters()
    revision: str | None = None
    """What `--at` named ("Kick-off workshop"), or None for the files as they are now."""
    commit: str | None = None
    """The commit the state was read from (with `revision`)."""
    as_of: datetime | None = None
    """When the state was saved: the commit's time with `revision`, else None (now)."""
    changed: Mapping[str, datetime] = field(default_factory=dict)
    """When each question's entry (and each requirement, by its id) last changed, as far as
    git knows (ReqIF's LAST-CHANGE)."""
    key: str = ""
    """A stable, opaque key for the project (ReqIF identifiers derive from it)."""
    exported_at: datetime = field(default_factory=_now)
    requirements: tuple[Requirement, ...] = ()
    """The project's requirements (requirements.toml) at the same point; empty without the file."""
    with_retired: bool = True
    """Retired requirements are exported marked retired (the record keeps them), or left out."""

    @classmethod
    def now(cls, project) -> FormState:  # type: ignore[no-untyped-def]
        """The project's files as they are on disk now."""
        return cls(project.name, project.form, project.entries(), key=project_key(project))

    def entry(self, question_id: str) -> Entry:
        return self.entries.get(question_id, EMPTY)

    @cached_property
    def questions(self) -> list[Question]:
        """The exported questions in form order: all of them, narrowed by the filters."""
        if not self.filters.active:
            return list(self.form.questions)
        return [q for q in self.form.questions if self.filters.admits(q, self.entry(q.id))]

    @cached_property
    def exported_requirements(self) -> list[Requirement]:
        """The requirements shown, in id order: those written from an exported question (all
        of them without a filter), the retired ones only `with_retired`."""
        chosen = [r for r in self.requirements if self.with_retired or r.status != "retired"]
        if self.filters.active:
            exported = {q.id for q in self.questions}
            chosen = [r for r in chosen if any(source in exported for source in r.sources)]
        return sorted(chosen, key=lambda r: r.number)

    @cached_property
    def requirements_from(self) -> dict[str, list[str]]:
        """Question id -> the ids of the exported requirements written from it."""
        found: dict[str, list[str]] = {}
        for requirement in self.exported_requirements:
            for source in requirement.sources:
                found.setdefault(source, []).append(requirement.id)
        return found

    @property
    def retired_left_out(self) -> int:
        """How many retired requirements `with_retired=False` leaves out."""
        return 0 if self.with_retired else sum(r.status == "retired" for r in self.requirements)

    def requirements_note(self) -> str:
        """What a requirements section says when it shows none (it is shown only for a
        project that has requirements)."""
        if self.retired_left_out and not any(r.status != "retired" for r in self.requirements):
            return f"No requirements in force ({self.retired_left_out} retired left out of this export)."
        return "No requirement was written from the exported questions yet."

    def stage_name(self, stage_id: str) -> str:
        stage = self.form.stage(stage_id)
        return stage.name if stage else stage_id

    def role_names(self, question: Question) -> list[str]:
        return [role.name for role in (self.form.role(r) for r in question.roles) if role]

    @property
    def moment(self) -> datetime:
        """The time the exported state stands for."""
        return self.as_of or self.exported_at

    def summary_line(self) -> str:
        """"filtered to stage Data; as at 'Kick-off workshop' (commit 1a2b3c4d5e, 2026-11-20)", or ""."""
        parts = []
        if self.filters.active:
            parts.append(f"filtered to {self.filters.describe(self.form)}")
        if self.revision is not None:
            at = f"as at {self.revision!r}"
            if self.commit:
                at += f" (commit {self.commit[:10]}, {self.moment.date().isoformat()})"
            parts.append(at)
        return "; ".join(parts)


def project_key(project) -> str:  # type: ignore[no-untyped-def]
    """Eight hex digits naming the project across clones and renames: a hash of the
    creation time recorded in mlreq.toml (the name, if a hand-made file lacks it)."""
    import tomllib

    from ..errors import ProjectFileError
    from ..layout import PROJECT_FILE
    from ..safefile import read_project_file

    try:
        settings = tomllib.loads(read_project_file(project.root, PROJECT_FILE).decode("utf-8")).get("project", {})
    except (OSError, ValueError, RecursionError, ProjectFileError):
        settings = {}
    created = settings.get("created")
    seed = f"created:{created.isoformat() if hasattr(created, 'isoformat') else created}" if created else f"name:{project.name}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:8]


# --------------------------------------------------------------------------- rows


def export_rows(state: FormState) -> list[dict]:
    """One dict per exported question in form order: the JSON export's `questions` items."""
    rows = []
    for question in state.questions:
        entry = state.entry(question.id)
        rows.append(
            {
                "id": question.id,
                "stage": question.stage,
                "stage_name": state.stage_name(question.stage),
                "question": question.text,
                "roles": state.role_names(question),
                "role_ids": list(question.roles),
                "examples": question.examples,
                "answer": entry.answer,
                "status": entry.status,
                "agreed_by": list(sign_off(state.form, question, entry).agreed),
                "sign_off": sign_off(state.form, question, entry).state or None,
                "notes": entry.notes,
                "review": entry.review,
                "conflict": entry.conflict or None,
                "depends_on": list(question.depends_on),
                "traces": list(question.traces),
                "origin": question.origin,
                "requirements": list(state.requirements_from.get(question.id, ())),
            }
        )
    return rows


def requirement_rows(state: FormState) -> list[dict]:
    """One dict per exported requirement in id order: the JSON export's `requirements` items
    (the fields of `mlreq req show --json` but the EARS advice, and the owner's name)."""
    from ..requirements import challenges

    form = state.form
    rows = []
    for requirement in state.exported_requirements:
        role = form.role(requirement.owner) if requirement.owner else None
        rows.append(
            {
                "id": requirement.id,
                "text": requirement.text,
                "pattern": requirement.pattern,
                "from": list(requirement.sources),
                "challenges": list(challenges(form, requirement)),
                "criteria": list(requirement.criteria),
                "priority": requirement.priority,
                "status": requirement.status,
                "owner": requirement.owner,
                "owner_name": role.name if role else requirement.owner,
                "review": requirement.review,
                "conflict": dict(requirement.conflict) or None,
            }
        )
    return rows


def conflict_text(conflict: Mapping[str, str] | None) -> str:
    """A requirement's fields kept from the other side of a sync, one "field: value" a line."""
    return "\n".join(f"{name}: {value}" for name, value in (conflict or {}).items())


def agreed_by_text(form: Form, question: Question, entry: Entry) -> str:
    """Who agreed, for one cell: "Data scientist, Legal team", "partly: Legal team" when not
    all the question's roles have, "" when nobody's agreement is recorded."""
    signed = sign_off(form, question, entry)
    names = ", ".join(signed.agreed)
    return f"partly: {names}" if signed.state == "partly" else names


# --------------------------------------------------------------------------- row stamps


def state_key(state: FormState) -> str:
    """The project key of an export (a hash of its name for a state made without one)."""
    return state.key or hashlib.sha256(f"name:{state.name}".encode()).hexdigest()[:8]


def row_stamp(state: FormState, question_id: str, cells: tuple[str, str, str]) -> str:
    """What a spreadsheet row's answer, status and notes cells held when exported, as
    "<project key>/<form id>@<version>/<digest>": `mlreq import` tells the reader's edits
    from changes made in the project since, and refuses a file from elsewhere."""
    digest = hashlib.sha256("\x1f".join((question_id, *cells)).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{state_key(state)}/{state.form.id}@{state.form.version}/{digest}"


# --------------------------------------------------------------------------- front page


def front_page_sections(form: Form) -> list[tuple[str, str]]:
    """The form's front page as (heading, text) sections: its purpose, stages, how to use it
    and its columns; empty for a question set without one."""
    page = form.front_page
    if page is None:
        return []
    sections = [("Form utilization and purpose", page.purpose.strip())]
    if page.stages:
        text = page.stages.strip()
        if page.stage_cycle:
            text += "\n\n" + " → ".join((*page.stage_cycle, page.stage_cycle[0]))
        sections.append(("The MLOps stages", text))
    if page.practice:
        sections.append(("How to use it in practice", page.practice.strip()))
    if page.columns:
        sections.append(("Column descriptions", "\n".join(f"{c.name}: {c.description}" for c in page.columns)))
    return sections


def front_page_text(form: Form) -> str:
    """The front page as plain text, its headings on lines of their own ("" without one)."""
    return "\n\n".join(f"{heading}\n{text}" for heading, text in front_page_sections(form))


# --------------------------------------------------------------------------- progress


@dataclass
class Tally:
    """How many of a group's exported questions are answered, and their statuses."""

    id: str
    name: str
    total: int = 0
    answered: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def fraction(self) -> float:
        return self.answered / self.total if self.total else 0.0

    def add(self, entry: Entry) -> None:
        self.total += 1
        self.answered += entry.answered
        self.statuses[entry.status] = self.statuses.get(entry.status, 0) + 1


def stage_tallies(state: FormState) -> list[Tally]:
    """Progress per stage over the exported questions, in stage order (stages with none left out)."""
    found: dict[str, Tally] = {}
    for question in state.questions:
        tally = found.get(question.stage) or found.setdefault(question.stage, Tally(question.stage, state.stage_name(question.stage)))
        tally.add(state.entry(question.id))
    return [found[s.id] for s in state.form.stages if s.id in found]


def role_tallies(state: FormState) -> list[Tally]:
    """Progress per role over the exported questions, in the form's role order."""
    found: dict[str, Tally] = {}
    for question in state.questions:
        entry = state.entry(question.id)
        for role_id in question.roles:
            role = state.form.role(role_id)
            if role is not None and (not state.filters.roles or role_id in state.filters.roles):
                found.setdefault(role_id, Tally(role_id, role.name)).add(entry)
    return [found[r.id] for r in state.form.roles if r.id in found]


def overall_tally(state: FormState) -> Tally:
    tally = Tally("all", "All stages")
    for question in state.questions:
        tally.add(state.entry(question.id))
    return tally


# --------------------------------------------------------------------------- text


def shown(text: str) -> str:
    """Text for a human reader: line endings as newlines, control characters as symbols."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return visible(text)
