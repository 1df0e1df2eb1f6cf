"""Reading the state an export shows: now or at an iteration, with git's change times."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..commitmessage import TRAILER
from ..errors import InvalidInputError
from ..history import History
from .model import FormState, _now, project_key

_FIELD, _RECORD = "\x1f", "\x1e"


def load_state(project, at: str | None = None, with_times: bool = False) -> FormState:  # type: ignore[no-untyped-def]
    """The project as it is now (the files on disk), or at an iteration, commit or date.

    `with_times` adds when each question last changed (one `git log`), as ReqIF needs.
    """
    if at is None:
        state = FormState.now(project)
        return with_change_times(project, state, None) if with_times else state
    history = History(project)
    commit = history.resolve(at)
    snapshot = history.snapshot_of_commit(commit, at)
    if snapshot.form is None:
        raise InvalidInputError(f"cannot read the question set at {at}: {'; '.join(snapshot.errors)}")
    _, out, _ = history.repo.run("log", "-1", "--format=%aI", commit, check=False)
    as_of = _parse(out.strip())
    state = FormState(project.name, snapshot.form, snapshot.entries, revision=at, commit=commit, as_of=as_of, key=project_key(project))
    return with_change_times(project, state, commit) if with_times else state


def with_change_times(project, state: FormState, commit: str | None) -> FormState:  # type: ignore[no-untyped-def]
    """`state` with `changed`: for each question the author time of the last commit naming it
    (its `Mlreq-Question:` trailer) up to `commit` (default HEAD), else of the project's first
    commit; an answer changed on disk but not committed counts as changed now."""
    history = History(project)
    fields = ["%aI", f"%(trailers:key={TRAILER},valueonly,separator=%x2c)"]
    status, out, _ = history.repo.run(
        "log", f"--format={_FIELD.join(fields)}{_RECORD}", commit or "HEAD", "--", history.scope or ".", check=False
    )
    changed: dict[str, datetime] = {}
    oldest: datetime | None = None
    if status == 0:
        for record in out.split(_RECORD):
            parts = record.strip("\n").split(_FIELD)
            if len(parts) != 2 or not parts[0]:
                continue
            when = _parse(parts[0])
            oldest = when
            for question_id in parts[1].split(","):
                question_id = question_id.strip()
                if question_id and question_id not in changed:
                    changed[question_id] = when  # newest first: the first seen is the last change
    if commit is None:
        for change in project.uncommitted():  # saved on disk, not committed yet
            changed[change.question_id] = _now()
    if oldest is not None:
        for question in state.form.questions:
            changed.setdefault(question.id, oldest)
    return replace(state, changed=changed)


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
