"""Reading the state an export shows: now or at an iteration, with git's change times."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime

from ..answerread import read_answers
from ..answers import Entry, entry_from_table
from ..commitmessage import TRAILER
from ..errors import InvalidInputError, ProjectFileError
from ..history import History, _entry_in
from ..layout import answers_file
from ..safefile import MAX_FILE_BYTES
from .model import FormState, _now, project_key

_FIELD, _RECORD = "\x1f", "\x1e"


def load_state(project, at: str | None = None, with_times: bool = False, with_retired: bool = True) -> FormState:  # type: ignore[no-untyped-def]
    """The project as it is now (the files on disk), or at an iteration, commit or date,
    with its requirements (a broken requirements.toml stops the export: exit 3).

    `with_times` adds when each question and requirement last changed (one `git log`), as
    ReqIF needs; `with_retired=False` leaves retired requirements out.
    """
    from ..requirements import load_requirements

    if at is None:
        state = replace(FormState.now(project), requirements=load_requirements(project).items, with_retired=with_retired)
        return with_change_times(project, state, None) if with_times else state
    history = History(project)
    commit = history.resolve(at)
    snapshot = history.snapshot_of_commit(commit, at)
    if snapshot.form is None:
        raise InvalidInputError(f"cannot read the question set at {at}: {'; '.join(snapshot.errors)}")
    _, out, _ = history.repo.run("log", "-1", "--format=%aI", commit, check=False)
    as_of = _parse(out.strip())
    state = FormState(
        project.name, snapshot.form, snapshot.entries, revision=at, commit=commit, as_of=as_of, key=project_key(project),
        requirements=_requirements_at(project, history, commit, at), with_retired=with_retired,
    )
    return with_change_times(project, state, commit) if with_times else state


def _requirements_at(project, history: History, commit: str, at: str) -> tuple:  # type: ignore[no-untyped-def]
    """The requirements as committed at `commit` (none before the file existed). Their links
    are not checked against that commit's form: a source it lacks is shown unlinked."""
    from ..requirements import REQUIREMENTS_FILE, RequirementsFileError, parse_requirements

    [data] = history.repo.read_files_at([(commit, project.repo_path(REQUIREMENTS_FILE))])
    if data is None:
        return ()
    shown = f"{REQUIREMENTS_FILE} at {at}"
    if len(data) > MAX_FILE_BYTES:
        raise RequirementsFileError(f"{shown}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refused")
    return parse_requirements(data, shown).items


def with_change_times(project, state: FormState, commit: str | None) -> FormState:  # type: ignore[no-untyped-def]
    """`state` with `changed`: for each question the author time of the last commit that
    changed its entry, up to `commit` (default HEAD), else of the project's first commit; an
    answer changed on disk but not committed counts as changed now. Each requirement (by its
    id) likewise: mlreq's commits name theirs (`Mlreq-Requirement:`); for a plain commit
    that touched requirements.toml its tables before and after are compared.

    A commit mlreq made names its questions (`Mlreq-Question:` trailers); a commit made with
    plain git names none, so for those the answer files it touched are compared with its
    parent's, question by question (one `cat-file --batch` for all of them).
    """
    history = History(project)
    from ..requirements import REQUIREMENTS_FILE
    from ..requirements import TRAILER as REQUIREMENT_TRAILER

    fields = ["%H", "%aI", f"%(trailers:key={TRAILER},valueonly,separator=%x2c)",
              f"%(trailers:key={REQUIREMENT_TRAILER},valueonly,separator=%x2c)"]
    status, out, _ = history.repo.run(
        "-c", "core.quotePath=false", "log", "--no-merges", "--name-only", f"--format={_RECORD}{_FIELD.join(fields)}{_FIELD}",
        commit or "HEAD", "--", history.scope or ".", check=False,
    )
    requirement_changed: dict[str, datetime] = {}
    questions_in: dict[str, list[str]] = {}  # repository path of an answer file -> its question ids
    for question in state.form.questions:
        try:
            path = project.repo_path(answers_file(question.stage))
        except ProjectFileError:
            continue
        questions_in.setdefault(path, []).append(question.id)
    try:
        requirements_path = project.repo_path(REQUIREMENTS_FILE)
    except (ProjectFileError, ValueError):
        requirements_path = None
    requirement_ids = [r.id for r in state.requirements]
    requirement_commits: list[tuple[str, datetime, list[str]]] = []  # newest first
    commits: list[tuple[str, datetime | None, list[str], list[str]]] = []  # newest first
    if status == 0:
        for record in out.split(_RECORD)[1:]:
            parts = record.split(_FIELD)
            if len(parts) != 5:
                continue
            sha, date, trailers, requirement_trailers, names = parts
            named = [q.strip() for q in trailers.split(",") if q.strip()]
            listed = names.split("\n")
            touched = [name for name in listed if name in questions_in]
            commits.append((sha, _parse(date), named, touched))
            if requirement_ids and requirements_path in listed and (when := _parse(date)) is not None:
                said = [r.strip() for r in requirement_trailers.split(",") if r.strip()]
                requirement_commits.append((sha, when, said))
    # Plain commits: each touched answer file (and requirements.toml), as it was after and
    # before the commit, all in one `cat-file --batch`.
    wanted = [(rev, path) for sha, _, named, touched in commits if not named for path in touched for rev in (sha, f"{sha}^")]
    wanted += [(rev, requirements_path) for sha, _, said in requirement_commits if not said for rev in (sha, f"{sha}^")]
    blobs = dict(zip(wanted, history.repo.read_files_at(wanted))) if wanted else {}
    requirement_tables: dict[bytes | None, dict | None] = {}
    for sha, when, said in requirement_commits:  # newest first: the first seen is the last change
        if not said:  # a plain commit: the requirements whose tables differ (all, if unreadable)
            after, before = (_requirement_tables(blobs.get((rev, requirements_path)), requirement_tables) for rev in (sha, f"{sha}^"))
            said = requirement_ids if after is None or before is None else [i for i in requirement_ids if after.get(i) != before.get(i)]
        for requirement_id in said:
            requirement_changed.setdefault(requirement_id, when)
    tables: dict[tuple[str, str], dict | None] = {}

    def entry_at(rev: str, path: str, question_id: str) -> Entry | None:
        """The question's entry in a version of its file, the file parsed once for all its
        questions (cutting each question's table out of it again was quadratic)."""
        key = (rev, path)
        if key not in tables:
            blob = blobs.get(key)
            tables[key] = _fast_toml(blob, read_answers)
        data = tables[key]
        if data is None:  # unreadable as a whole: the question's own table may still read
            return _entry_in(blobs.get(key), question_id)
        table = data.get(question_id)
        return entry_from_table(table) if isinstance(table, dict) else None

    changed: dict[str, datetime] = {}
    oldest: datetime | None = None
    for sha, when, named, touched in commits:
        if when is None:
            continue
        oldest = when
        if not named:
            named = [
                question_id
                for path in touched
                for question_id in questions_in[path]
                if question_id not in changed
                and entry_at(sha, path, question_id) != entry_at(f"{sha}^", path, question_id)
            ]
        for question_id in named:
            changed.setdefault(question_id, when)  # newest first: the first seen is the last change
    if commit is None:
        for change in project.uncommitted():  # saved on disk, not committed yet
            changed[change.question_id] = _now()
    if oldest is not None:
        for question in state.form.questions:
            changed.setdefault(question.id, oldest)
        for requirement_id in requirement_ids:
            requirement_changed.setdefault(requirement_id, oldest)
    return replace(state, changed={**changed, **requirement_changed})


def _requirement_tables(blob: bytes | None, parsed: dict) -> dict | None:  # type: ignore[type-arg]
    """A version of requirements.toml as {id: table} ({} when absent, None when unreadable),
    each distinct version parsed once."""
    if blob not in parsed:
        from mlreq.bank.tomlfast import loads

        data = _fast_toml(blob, loads)
        tables = data.get("requirement", []) if data is not None else None
        parsed[blob] = {t.get("id"): t for t in tables if isinstance(t, dict)} if isinstance(tables, list) else None
    return parsed[blob]


def _fast_toml(blob: bytes | None, fast) -> dict | None:  # type: ignore[no-untyped-def, type-arg]
    """A file version parsed ({} when absent, None when unreadable): by `fast`, the reader
    of the plain TOML mlreq writes (several times tomllib's speed), else by tomllib."""
    if blob is None:
        return {}
    try:
        text = blob.decode("utf-8")
        found = fast(text)
        return found if found is not None else tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
