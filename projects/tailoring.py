"""Tailoring a project's own question set (form.toml), every change one commit.

Each operation edits form.toml in place with tomlkit (comments survive), validates the
result with the same loader the app uses (so a cycle or an unknown reference is refused
before anything is written), writes it atomically and commits it. Removing a question
takes it out of the form only: its answer stays in the answer file as an orphan and in
the history, never dropped.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.items import AoT
from tomlkit.toml_document import TOMLDocument

from mlreq.bank import Form, builtin_form_path, form_from_data, load_form
from mlreq.bank.errors import BankError, MlreqError
from mlreq.bank.loader import BUILTIN_FORMS, DATA_DIR
from mlreq.bank.model import Question

from .answers import EMPTY, AnswerFile
from .commitmessage import TRAILER
from .errors import InvalidInputError, ProjectError
from .impact import flags_for_rewording
from .layout import FORM_FILE
from .safefile import read_project_file
from .project import Project, SaveResult, _header
from .tomlstr import toml_string

OPTIONAL_QUESTIONS = DATA_DIR / "optional_questions.toml"
FORM_TRAILER = "Mlreq-Form"


def _slug(text: str, limit: int = 40) -> str:
    """A readable id part: whole words only, at most `limit` characters."""
    slug = ""
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word[:limit]
    return slug or "question"


@dataclass
class FormEditor:
    """An open edit of one project's form.toml."""

    project: Project
    document: TOMLDocument

    @classmethod
    def open(cls, project: Project) -> FormEditor:
        try:
            return cls(project, tomlkit.parse(read_project_file(project.root, FORM_FILE).decode("utf-8")))
        except (OSError, UnicodeDecodeError, RecursionError, tomlkit.exceptions.ParseError) as exc:
            raise ProjectError(f"{FORM_FILE}: cannot edit ({exc})") from None

    @property
    def questions(self) -> AoT:
        return self.document["questions"]  # type: ignore[return-value]

    def _index(self, question_id: str) -> int:
        for index, table in enumerate(self.questions):
            if table.get("id") == question_id:
                return index
        self.project.question(question_id)  # raises with a suggestion
        raise InvalidInputError(f"{question_id} is not in {FORM_FILE}")

    def _form(self) -> Form:
        text = tomlkit.dumps(self.document)
        try:
            return form_from_data(tomllib.loads(text), FORM_FILE)
        except BankError as exc:
            raise InvalidInputError(f"refused, the question set would be invalid: {exc}") from None

    # ------------------------------------------------------------------ operations

    def add_question(
        self,
        stage: str,
        roles: list[str],
        text: str,
        examples: str = "",
        depends_on: list[str] | None = None,
        question_id: str | None = None,
        after: str | None = None,
    ) -> str:
        form = self.project.form
        found_stage = form.find_stage(stage)
        if found_stage is None:
            raise InvalidInputError(f"unknown stage {stage!r}: use one of {', '.join(s.name for s in form.stages)}")
        role_ids = []
        for role in roles:
            found = form.find_role(role)
            if found is None:
                raise InvalidInputError(f"unknown role {role!r}: add it first with `mlreq form add-role`")
            role_ids.append(found.id)
        if not text.strip():
            raise InvalidInputError("the question needs a text")
        question_id = question_id or f"{found_stage.id}.{_slug(text)}"
        if form.question(question_id):
            raise InvalidInputError(f"a question {question_id!r} already exists")
        table = tomlkit.table()
        table.add("id", question_id)
        table.add("stage", found_stage.id)
        table.add("roles", role_ids)
        table.add("text", toml_string(text.strip()))
        table.add("examples", toml_string(examples))
        table.add("traces", [])
        table.add("trace_note", "Added by the project; not in the thesis' form.")
        table.add("origin", "mlreq")
        ours = tomlkit.table()
        ours.add("depends_on", list(depends_on or []))
        table.add("mlreq", ours)
        position = self._index(after) + 1 if after else self._end_of_stage(found_stage.id)
        self.questions.insert(position, table)
        return question_id

    def _end_of_stage(self, stage_id: str) -> int:
        positions = [i for i, t in enumerate(self.questions) if t.get("stage") == stage_id]
        return positions[-1] + 1 if positions else len(self.questions)

    def reword(self, question_id: str, text: str) -> None:
        if not text.strip():
            raise InvalidInputError("the question needs a text")
        table = self.questions[self._index(question_id)]
        table["text"] = toml_string(text.strip())
        _settle_conflict(table, "text")

    def edit(self, question_id: str, roles: list[str] | None = None, examples: str | None = None) -> None:
        """Change which roles a question is asked of, and its examples (thesis table 5.2's
        most common change between versions). Sign-offs of roles no longer asked are
        dropped when saved (see `save`)."""
        if roles is None and examples is None:
            raise InvalidInputError("nothing to change: give --roles and/or --examples")
        table = self.questions[self._index(question_id)]
        if roles is not None:
            role_ids = []
            for name in roles:
                role = self.project.form.find_role(name)
                if role is None:
                    choices = ", ".join(r.name for r in self.project.form.roles)
                    raise InvalidInputError(f"unknown role {name!r}: choose from {choices} (or add one with `mlreq form add-role`)")
                if role.id not in role_ids:
                    role_ids.append(role.id)
            if not role_ids:
                raise InvalidInputError("a question is asked of at least one role")
            table["roles"] = role_ids
            _settle_conflict(table, "roles")
        if examples is not None:
            table["examples"] = toml_string(examples.strip())
            _settle_conflict(table, "examples")

    def move(self, question_id: str, before: str | None = None, after: str | None = None) -> None:
        if (before is None) == (after is None):
            raise InvalidInputError("say where: --before QID or --after QID")
        table = self.questions[self._index(question_id)]
        anchor = before or after
        if anchor == question_id:
            raise InvalidInputError("a question cannot move next to itself")
        if self.questions[self._index(anchor)].get("stage") != table.get("stage"):
            raise InvalidInputError(f"{question_id} and {anchor} are in different stages; order only counts within a stage")
        del self.questions[self._index(question_id)]
        self.questions.insert(self._index(anchor) + (1 if after else 0), table)

    def remove(self, question_id: str, force: bool = False) -> list[str]:
        """Take a question out of the form; returns the questions whose dependency on it was dropped."""
        dependents = list(self.project.form.dependents_of(question_id))
        if dependents and not force:
            raise InvalidInputError(
                f"{', '.join(dependents)} depend(s) on {question_id}; remove those dependencies first "
                "or repeat with --force to drop them"
            )
        del self.questions[self._index(question_id)]
        for dependent in dependents:
            self._set_dependencies(dependent, [d for d in self._dependencies(dependent) if d != question_id])
        return dependents

    def add_role(self, name: str) -> str:
        name = name.strip()
        if not name or any(ord(c) < 32 for c in name):
            raise InvalidInputError("a role needs a printable name")
        if self.project.form.find_role(name):
            raise InvalidInputError(f"the role {name!r} already exists")
        role_id = _slug(name)
        table = tomlkit.table()
        table.add("id", role_id)
        table.add("name", name)
        table.add("aliases", [])
        self.document["roles"].append(table)  # type: ignore[union-attr]
        return role_id

    def _dependencies(self, question_id: str) -> list[str]:
        table = self.questions[self._index(question_id)]
        return [str(d) for d in table.get("mlreq", {}).get("depends_on", [])]

    def _set_dependencies(self, question_id: str, depends_on: list[str]) -> None:
        table = self.questions[self._index(question_id)]
        if "mlreq" not in table:
            table.add("mlreq", tomlkit.table())
        table["mlreq"]["depends_on"] = depends_on
        if "judgement" in table["mlreq"]:  # a dependency dropped is no longer anyone's judgement
            table["mlreq"]["judgement"] = [d for d in table["mlreq"]["judgement"] if d in depends_on]

    def depend(self, question_id: str, on: str, add: bool = True) -> None:
        self.project.question(on)
        current = self._dependencies(question_id)
        if add and on in current or not add and on not in current:
            raise InvalidInputError(f"{question_id} {'already depends' if add else 'does not depend'} on {on}")
        self._set_dependencies(question_id, [*current, on] if add else [d for d in current if d != on])

    def enable_optional(self, question_id: str) -> None:
        data = tomlkit.parse(OPTIONAL_QUESTIONS.read_text("utf-8"))
        for table in data["questions"]:
            if table.get("id") == question_id:
                if self.project.form.question(question_id):
                    raise InvalidInputError(f"{question_id} is already in the form")
                self.questions.insert(self._end_of_stage(str(table["stage"])), table)
                return
        known = ", ".join(str(t["id"]) for t in data["questions"])
        raise InvalidInputError(f"no optional question {question_id!r}; choose one of {known}")

    # ------------------------------------------------------------------ saving

    def save(self, message: str) -> SaveResult:
        """Validate, write form.toml, add answer entries for new questions, commit."""
        form = self._form()
        project = self.project
        with project._guard, project._locked():
            project._commit_locked(())  # answers saved earlier go in their own, well-named commit
            old_form = project.form
            author = project.author or project.identity()
            reworded = flags_for_rewording(old_form, form, project.entries(), author.name if author else "unknown author")
            project.write_file(FORM_FILE, tomlkit.dumps(self.document).encode("utf-8"))
            old_ids = {q.id for q in old_form.questions}
            project.form = form
            touched = [FORM_FILE]
            for question in form.questions:
                if question.id not in old_ids:
                    touched.append(_ensure_entry(project, question))
            touched += _flag_reworded(project, reworded)
            if reworded:
                message = _with_flags(message, list(reworded))
            dropped = _drop_sign_offs(project, old_form, form)
            touched += [project.file_of(form.question(qid)) for qid in dropped]
            if dropped:
                message = _with_note(message, _sign_off_note(old_form, dropped), list(dropped))
            return project.commit_files(sorted(set(touched)), message)


def _flag_reworded(project: Project, flags: dict) -> list[str]:
    """Write the needs-review flags of answers whose question was reworded; their files."""
    files = []
    for qid, entry in flags.items():
        relative = project.file_of(project.form.question(qid))
        answers = project._read(relative)
        if answers is not None:
            project._write(relative, answers, {qid: entry})
            files.append(relative)
    return files


def _with_flags(message: str, flagged: list[str]) -> str:
    """The form commit's message, saying which answers it flagged."""
    note = "Flagged needs-review, as the question they answer was reworded:\n" + "\n".join(f"  {q}" for q in flagged)
    return _with_note(message, note, flagged)


def _with_note(message: str, note: str, questions: list[str]) -> str:
    """`message` with `note` before its trailers, and a trailer per answer it changed (so
    each answer's timeline finds the commit)."""
    head, _, trailers = message.rstrip("\n").rpartition("\n\n")
    lines = [trailers, *(f"{TRAILER}: {q}" for q in questions)]
    return f"{head}\n\n{note}\n\n" + "\n".join(lines) + "\n"


def _drop_sign_offs(project: Project, old: Form, new: Form) -> dict[str, tuple[str, ...]]:
    """Sign-offs of roles a question is no longer asked of, dropped from the answers:
    question -> the dropped role ids."""
    dropped: dict[str, tuple[str, ...]] = {}
    entries = project.entries()
    for question in new.questions:
        before = old.question(question.id)
        entry = entries.get(question.id, EMPTY)
        if before is None or before.roles == question.roles or not entry.agreed_by:
            continue
        gone = tuple(r for r in entry.agreed_by if r in before.roles and r not in question.roles)
        if not gone:
            continue
        relative = project.file_of(question)
        answers = project._read(relative)
        if answers is not None:
            kept = tuple(r for r in entry.agreed_by if r not in gone)
            project._write(relative, answers, {question.id: entry.with_changes(agreed_by=kept)})
            dropped[question.id] = gone
    return dropped


def _sign_off_note(form: Form, dropped: dict[str, tuple[str, ...]]) -> str:
    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(form.role(r).name if form.role(r) else r for r in ids)

    lines = [f"  {qid}: {names(ids)}" for qid, ids in dropped.items()]
    return "Sign-offs dropped, as the question is no longer asked of these roles:\n" + "\n".join(lines)


def _settle_conflict(table, field: str) -> None:
    """A field set by hand settles the other side's version kept by a sync (formmerge.py)."""
    conflict = table.get("mlreq", {}).get("conflict")
    if conflict is not None and field in conflict:
        del conflict[field]
        if not conflict:
            del table["mlreq"]["conflict"]


def _ensure_entry(project: Project, question: Question) -> str:
    relative = project.file_of(question)
    answers = project._read(relative) or AnswerFile.new(project.path_of(relative), _header(project, question.stage), [])
    if question.id not in answers.question_ids():
        project._write(relative, answers, {question.id: EMPTY})
    return relative


def optional_questions() -> list[Question]:
    """The questions interviewees proposed that did not make the final form (mlreq's offer)."""
    from mlreq.bank import builtin_form

    base = builtin_form("v3")
    data = tomllib.loads(OPTIONAL_QUESTIONS.read_text("utf-8"))
    merged = {"form": {"id": "optional"}, "stages": [{"id": s.id, "name": s.name} for s in base.stages]}
    merged["roles"] = [{"id": r.id, "name": r.name} for r in base.roles]
    base_questions = tomllib.loads(builtin_form_path("v3").read_text("utf-8"))["questions"]
    merged["questions"] = [*base_questions, *data["questions"]]  # their dependencies point into v3
    optional_ids = {str(q["id"]) for q in data["questions"]}
    return [q for q in form_from_data(merged, OPTIONAL_QUESTIONS).questions if q.id in optional_ids]


def resolve_form(reference: str, project: Project | None = None) -> tuple[str, Form]:
    """A form by name: v1/v2/v3, "project" (this project's own), or a file path."""
    if reference in BUILTIN_FORMS:
        return reference, load_form(builtin_form_path(reference))
    if reference == "project":
        if project is None:
            raise InvalidInputError("'project' needs a project")
        return "project", project.form
    path = Path(reference).expanduser()
    if not path.is_file():
        raise InvalidInputError(f"unknown form {reference!r}: use v1, v2, v3, project or a form file")
    try:
        return str(path), load_form(path)
    except MlreqError as exc:
        raise InvalidInputError(str(exc)) from None


def form_message(action: str, subject_id: str, detail: str = "") -> str:
    body = f"\n\n{detail}" if detail else ""
    return f"Form: {action} {subject_id}{body}\n\n{FORM_TRAILER}: {action} {subject_id}\n"


def export_form(project: Project, destination: Path) -> None:
    """Save this project's tailored question set as a form file others can start from."""
    from .atomic import atomic_write

    if destination.exists():
        raise InvalidInputError(f"{destination} exists; choose a new file name")
    try:
        atomic_write(destination, read_project_file(project.root, FORM_FILE))
    except OSError as exc:
        raise InvalidInputError(f"{destination}: cannot write ({exc.strerror})") from None


def upgrade(project: Project, target: str, apply: bool = False) -> tuple[list, list[str], SaveResult | None]:
    """Move a project to another question set, keeping every answer.

    Returns (form changes, answered questions that leave the form and stay as orphans,
    the save result when applied).
    """
    from .formdiff import diff_forms

    name, new_form = resolve_form(target, project)
    if name == "project":
        raise InvalidInputError("upgrade to v1, v2, v3 or a form file")
    changes = diff_forms(project.form, new_form)
    entries = project.entries()
    orphaned = [c.question_id for c in changes if c.kind == "removed" and entries.get(c.question_id, EMPTY).answered]
    if not apply:
        return changes, orphaned, None
    source = builtin_form_path(name) if name in BUILTIN_FORMS else Path(name)
    editor = FormEditor(project, tomlkit.parse(source.read_text("utf-8")))
    detail = f"{len(changes)} change(s); answers kept for {len(orphaned)} question(s) no longer asked: {', '.join(orphaned)}" if orphaned else f"{len(changes)} change(s)"
    return changes, orphaned, editor.save(form_message("upgrade to", name, detail))
