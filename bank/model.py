"""The form as frozen value types: stages, roles, questions, traceability, front page."""

from __future__ import annotations

from functools import cached_property

from .record import Record, init_fields


class Stage(Record):
    """One MLOps lifecycle stage (Scoping, Data, Modeling, Deployment)."""

    __slots__ = ("id", "name")
    id: str
    name: str

    def __init__(self, id: str, name: str) -> None:
        init_fields(self, id, name)


class Role(Record):
    """A role a question is addressed to, e.g. "Legal team"."""

    __slots__ = ("id", "name", "aliases")
    id: str
    name: str
    aliases: tuple[str, ...]

    def __init__(self, id: str, name: str, aliases: tuple[str, ...] = ()) -> None:
        init_fields(self, id, name, aliases)


class TraceItem(Record):
    """A challenge (P1-P6) or best practice (BP1-BP4) from the thesis' section 5.1.1."""

    __slots__ = ("id", "kind", "title", "description", "sources")
    id: str
    kind: str
    title: str
    description: str
    sources: tuple[str, ...]

    def __init__(self, id: str, kind: str, title: str, description: str, sources: tuple[str, ...] = ()) -> None:
        init_fields(self, id, kind, title, description, sources)


class Reference(Record):
    """A bibliography entry the traceability items cite."""

    __slots__ = ("id", "text")
    id: str
    text: str

    def __init__(self, id: str, text: str) -> None:
        init_fields(self, id, text)


class Question(Record):
    """One Requirement Question of the form."""

    __slots__ = ("id", "stage", "roles", "text", "examples", "traces", "trace_note", "origin", "roles_as_printed",
                 "depends_on", "impact", "priority", "rationale", "judgement")
    id: str
    stage: str
    roles: tuple[str, ...]
    text: str
    examples: str
    traces: tuple[str, ...]
    trace_note: str
    origin: str
    roles_as_printed: str
    depends_on: tuple[str, ...]
    """mlreq's addition: the questions whose answers this one builds on (upstream)."""
    impact: str
    """mlreq's addition: what goes wrong if this question stays unanswered."""
    priority: str
    """mlreq's addition: "high", "medium" or "low" urgency of an answer."""
    rationale: str
    """mlreq's addition: why the dependencies hold."""
    judgement: tuple[str, ...]
    """The dependencies (of depends_on) that are mlreq's judgement, not stated by the thesis."""

    def __init__(
        self, id: str, stage: str, roles: tuple[str, ...], text: str, examples: str = "", traces: tuple[str, ...] = (),
        trace_note: str = "", origin: str = "thesis", roles_as_printed: str = "", depends_on: tuple[str, ...] = (),
        impact: str = "", priority: str = "medium", rationale: str = "", judgement: tuple[str, ...] = (),
    ) -> None:
        init_fields(self, id, stage, roles, text, examples, traces, trace_note, origin, roles_as_printed, depends_on,
                    impact, priority, rationale, judgement)


class Column(Record):
    """A column of the paper form, as the front page describes it."""

    __slots__ = ("name", "description")
    name: str
    description: str

    def __init__(self, name: str, description: str) -> None:
        init_fields(self, name, description)


class FrontPage(Record):
    """The form's introduction (thesis figures A.2 and A.5, section 4.1.1)."""

    __slots__ = ("title", "purpose", "practice", "stages", "stage_cycle", "columns")
    title: str
    purpose: str
    practice: str
    stages: str
    stage_cycle: tuple[str, ...]
    columns: tuple[Column, ...]

    def __init__(
        self, title: str, purpose: str, practice: str = "", stages: str = "", stage_cycle: tuple[str, ...] = (),
        columns: tuple[Column, ...] = (),
    ) -> None:
        init_fields(self, title, purpose, practice, stages, stage_cycle, columns)


class Form(Record):
    """A question set: the thesis' v1/v2/v3, or a project's own tailored copy."""

    # No __slots__: the lookups below are cached in the instance's __dict__.
    _fields = ("id", "title", "version", "source", "stages", "roles", "questions", "front_page", "trace_items")
    _hidden = ("trace_items",)
    id: str
    title: str
    version: str
    source: str
    stages: tuple[Stage, ...]
    roles: tuple[Role, ...]
    questions: tuple[Question, ...]
    front_page: FrontPage | None
    trace_items: tuple[TraceItem, ...]

    def __init__(
        self, id: str, title: str, version: str, source: str, stages: tuple[Stage, ...], roles: tuple[Role, ...],
        questions: tuple[Question, ...], front_page: FrontPage | None = None, trace_items: tuple[TraceItem, ...] = (),
    ) -> None:
        init_fields(self, id, title, version, source, stages, roles, questions, front_page, trace_items)

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    @cached_property
    def _roles_by_id(self) -> dict[str, Role]:
        return {role.id: role for role in self.roles}

    @cached_property
    def _stages_by_id(self) -> dict[str, Stage]:
        return {stage.id: stage for stage in self.stages}

    @cached_property
    def _traces_by_id(self) -> dict[str, TraceItem]:
        return {item.id: item for item in self.trace_items}

    def question(self, question_id: str) -> Question | None:
        return self._questions_by_id.get(question_id)

    def stage(self, stage_id: str) -> Stage | None:
        return self._stages_by_id.get(stage_id)

    def role(self, role_id: str) -> Role | None:
        return self._roles_by_id.get(role_id)

    def trace(self, trace_id: str) -> TraceItem | None:
        return self._traces_by_id.get(trace_id)

    @cached_property
    def _dependents(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {q.id: [] for q in self.questions}
        for question in self.questions:
            for upstream in question.depends_on:
                found.setdefault(upstream, []).append(question.id)
        return {qid: tuple(ids) for qid, ids in found.items()}

    def dependents_of(self, question_id: str) -> tuple[str, ...]:
        """Questions that build directly on this one's answer."""
        return self._dependents.get(question_id, ())

    def downstream(self, question_id: str) -> list[tuple[str, int]]:
        """Every question affected by a change to this one, with its distance, nearest first."""
        seen = {question_id: 0}
        queue = [question_id]
        for current in queue:
            for dependent in self._dependents.get(current, ()):
                if dependent not in seen:
                    seen[dependent] = seen[current] + 1
                    queue.append(dependent)
        return [(qid, depth) for qid, depth in seen.items() if qid != question_id]

    def questions_in(self, stage_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.stage == stage_id)

    def questions_for(self, role_id: str) -> tuple[Question, ...]:
        """The interviewer's view: one role's questions across all stages, in form order."""
        return tuple(q for q in self.questions if role_id in q.roles)

    def find_role(self, name: str) -> Role | None:
        """A role by id, name or printed alias, ignoring case."""
        wanted = name.strip().casefold()
        for role in self.roles:
            spellings = (role.id, role.name, *role.aliases)
            if any(spelling.casefold() == wanted for spelling in spellings):
                return role
        return None

    def find_stage(self, name: str) -> Stage | None:
        wanted = name.strip().casefold()
        for stage in self.stages:
            if wanted in (stage.id.casefold(), stage.name.casefold()):
                return stage
        return None

    def closest_question_ids(self, question_id: str, limit: int = 3) -> list[str]:
        """Ids that look like a mistyped one, best first."""
        import difflib  # only for a mistyped id

        ids = list(self._questions_by_id)
        close = difflib.get_close_matches(question_id, ids, n=limit, cutoff=0.5)
        if not close:
            # A bare slug ("data-source") should still find "data.data-source".
            close = [qid for qid in ids if qid.split(".", 1)[-1] == question_id][:limit]
        return close
