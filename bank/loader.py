"""Load and validate question sets (forms) from TOML.

A wrong form file fails to load with one line naming the file, the question and the
problem, so a hand-tailored `form.toml` is as safe to edit as the bundled ones.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .errors import BankError
from .model import Column, Form, FrontPage, Question, Reference, Role, Stage, TraceItem
from .tomlread import read_toml

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

DATA_DIR = Path(__file__).parent / "data"
FORMS_DIR = DATA_DIR / "forms"
BUILTIN_FORMS = ("v3", "v2", "v1")
"""The thesis' three versions, newest first; v3 is the final form."""
DEFAULT_FORM = "v3"
STATUSES = ("open", "draft", "agreed", "needs-review")
PRIORITIES = ("high", "medium", "low")
ORIGINS = ("thesis", "mlreq")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$")


def builtin_form_path(name: str) -> Path:
    if name not in BUILTIN_FORMS:
        raise BankError(f"unknown form version {name!r}: choose one of {', '.join(BUILTIN_FORMS)} or a file")
    return FORMS_DIR / f"{name}.toml"


def builtin_form(name: str = DEFAULT_FORM) -> Form:
    return load_form(builtin_form_path(name))


def load_form(path: Path) -> Form:
    """Read, validate and build a form from a TOML file."""
    return form_from_data(read_toml(path), path)


@cache
def trace_catalogue() -> tuple[tuple[TraceItem, ...], tuple[Reference, ...]]:
    """The thesis' challenges and best practices (5.1.1) and the references they cite."""
    path = DATA_DIR / "traceability.toml"
    data = read_toml(path)
    items = tuple(
        TraceItem(
            id=_text(entry, "id", path, "item"),
            kind=_text(entry, "kind", path, "item"),
            title=_text(entry, "title", path, "item"),
            description=_text(entry, "description", path, "item"),
            sources=tuple(str(s) for s in entry.get("sources", ())),
        )
        for entry in data.get("items", [])
    )
    references = tuple(
        Reference(id=str(entry["id"]), text=str(entry["text"])) for entry in data.get("references", [])
    )
    return items, references


@cache
def front_pages() -> dict[str, FrontPage]:
    path = DATA_DIR / "front_page.toml"
    pages = {}
    for key, page in read_toml(path).items():
        pages[key] = FrontPage(
            title=page.get("title", ""),
            purpose=page.get("purpose", ""),
            practice=page.get("practice", ""),
            stages=page.get("stages", ""),
            stage_cycle=tuple(page.get("stage_cycle", ())),
            columns=tuple(Column(c["name"], c["description"]) for c in page.get("columns", ())),
        )
    return pages


def form_from_data(data: dict[str, Any], path: Path | str) -> Form:
    """Build a Form from parsed TOML, refusing anything inconsistent."""
    header = data.get("form")
    if not isinstance(header, dict):
        raise BankError(f"{path}: missing [form] table")
    stages = tuple(_stage(entry, path) for entry in _tables(data, "stages", path))
    roles = tuple(_role(entry, path) for entry in _tables(data, "roles", path))
    if not stages:
        raise BankError(f"{path}: no [[stages]] defined")
    _refuse_duplicates([s.id for s in stages], path, "stage")
    _refuse_duplicates([r.id for r in roles], path, "role")
    trace_items, _ = trace_catalogue()
    known_traces = {item.id for item in trace_items}
    stage_ids = {s.id for s in stages}
    role_ids = {r.id for r in roles}
    questions: list[Question] = []
    seen: set[str] = set()
    for number, entry in enumerate(_tables(data, "questions", path), start=1):
        question = _question(entry, path, number)
        where = f"{path}: question {question.id!r}"
        if question.id in seen:
            raise BankError(f"{where}: duplicate id (question #{number})")
        seen.add(question.id)
        if question.stage not in stage_ids:
            raise BankError(f"{where}: unknown stage {question.stage!r} (stages: {', '.join(sorted(stage_ids))})")
        for role in question.roles:
            if role not in role_ids:
                raise BankError(f"{where}: unknown role {role!r} (add it under [[roles]])")
        for trace in question.traces:
            if trace not in known_traces:
                raise BankError(f"{where}: unknown trace {trace!r} (known: {', '.join(sorted(known_traces))})")
        if question.origin not in ORIGINS:
            raise BankError(f"{where}: origin must be one of {', '.join(ORIGINS)}")
        questions.append(question)
    _check_dependencies(questions, path)
    front_key = header.get("front_page")
    return Form(
        id=str(header.get("id", "")),
        title=str(header.get("title", "MLOps Requirements Form")),
        version=str(header.get("version", "")),
        source=str(header.get("source", "")),
        stages=stages,
        roles=roles,
        questions=tuple(questions),
        front_page=front_pages().get(front_key) if front_key else None,
        trace_items=trace_items,
    )


def _check_dependencies(questions: list[Question], path: Path | str) -> None:
    """Dependencies name known questions and form no cycle."""
    known = {q.id for q in questions}
    for question in questions:
        for upstream in question.depends_on:
            if upstream not in known:
                raise BankError(f"{path}: question {question.id!r}: depends on unknown question {upstream!r}")
            if upstream == question.id:
                raise BankError(f"{path}: question {question.id!r}: depends on itself")
    upstream_of = {q.id: q.depends_on for q in questions}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(qid: str, trail: list[str]) -> None:
        state[qid] = 1
        for upstream in upstream_of[qid]:
            if state.get(upstream) == 1:
                cycle = trail[trail.index(upstream):] + [upstream] if upstream in trail else [qid, upstream]
                raise BankError(f"{path}: dependency cycle: {' -> '.join(cycle)}")
            if upstream not in state:
                visit(upstream, [*trail, upstream])
        state[qid] = 2

    for question in questions:
        if question.id not in state:
            visit(question.id, [question.id])


def _tables(data: dict[str, Any], key: str, path: Path | str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BankError(f"{path}: {key} must be an array of tables ([[{key}]])")
    return value


def _text(entry: dict[str, Any], key: str, path: Path | str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        label = entry.get("id", "?")
        raise BankError(f"{path}: {what} {label!r}: missing {key}")
    return value


def _refuse_duplicates(ids: list[str], path: Path | str, what: str) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise BankError(f"{path}: {what} {item_id!r}: duplicate id")
        seen.add(item_id)


def _stage(entry: dict[str, Any], path: Path | str) -> Stage:
    stage_id = _text(entry, "id", path, "stage")
    if not _ID.match(stage_id):
        raise BankError(f"{path}: stage {stage_id!r}: id must be lowercase letters, digits and dashes")
    return Stage(id=stage_id, name=_text(entry, "name", path, "stage"))


def _role(entry: dict[str, Any], path: Path | str) -> Role:
    role_id = _text(entry, "id", path, "role")
    if not _ID.match(role_id):
        raise BankError(f"{path}: role {role_id!r}: id must be lowercase letters, digits and dashes")
    return Role(id=role_id, name=_text(entry, "name", path, "role"), aliases=tuple(entry.get("aliases", ())))


def _question(entry: dict[str, Any], path: Path | str, number: int) -> Question:
    question_id = entry.get("id")
    if not isinstance(question_id, str) or not question_id:
        raise BankError(f"{path}: question #{number}: missing id")
    if not _QUESTION_ID.match(question_id):
        raise BankError(f"{path}: question {question_id!r}: id must look like 'stage.short-slug'")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BankError(f"{path}: question {question_id!r}: missing text")
    roles = entry.get("roles", [])
    if not isinstance(roles, list) or not roles:
        raise BankError(f"{path}: question {question_id!r}: needs at least one role")
    ours = entry.get("mlreq", {})
    if not isinstance(ours, dict):
        raise BankError(f"{path}: question {question_id!r}: mlreq must be a table ([questions.mlreq])")
    depends_on = ours.get("depends_on", [])
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        raise BankError(f"{path}: question {question_id!r}: depends_on must be a list of question ids")
    judgement = ours.get("judgement", [])
    if not isinstance(judgement, list) or not all(isinstance(d, str) for d in judgement):
        raise BankError(f"{path}: question {question_id!r}: judgement must be a list of question ids")
    # Only its dependencies count: one dropped since (undepend, a merge) is not an error.
    judgement = [d for d in judgement if d in depends_on]
    priority = str(ours.get("priority", "medium"))
    if priority not in PRIORITIES:
        raise BankError(f"{path}: question {question_id!r}: priority must be one of {', '.join(PRIORITIES)}")
    return Question(
        id=question_id,
        stage=str(entry.get("stage", "")),
        roles=tuple(str(r) for r in roles),
        text=text,
        examples=str(entry.get("examples", "")),
        traces=tuple(str(t) for t in entry.get("traces", ())),
        trace_note=str(entry.get("trace_note", "")),
        origin=str(entry.get("origin", "thesis")),
        roles_as_printed=str(entry.get("roles_as_printed", "")),
        depends_on=tuple(depends_on),
        impact=str(ours.get("impact", "")),
        priority=priority,
        rationale=str(ours.get("rationale", "")),
        judgement=tuple(judgement),
    )
