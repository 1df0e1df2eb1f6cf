"""`mlreq check`: every problem in a project's files and repository, each with where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlreq.bank import form_from_data
from mlreq.bank.errors import MlreqError

from .answers import AnswerFile
from .errors import ProjectFileError
from .formmerge import form_conflicts
from .gitrepo import GitRepo, find_git_root, git_dir
from .layout import FORM_FILE, PROJECT_FILE, STATE_DIR, find_project_root
from .mergedriver import ensure_merge_driver
from .project import Project
from .repostate import blocking_state
from .safefile import list_project_folder, read_project_file, read_project_toml


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"


def check_project(path: Path) -> list[Finding]:
    """Problems found, errors first; an empty list means the project is healthy."""
    root = find_project_root(path)
    findings: list[Finding] = []

    def problem(exc: MlreqError, where: str) -> None:
        text = str(exc)
        # Messages start with "file:line:col:"; keep that together as the finding's place.
        for prefix in (f"{root / where}:", f"{where}:"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                place = re.match(r"(\d+(?::\d+)?): ", text)
                if place:
                    where, text = f"{where}:{place[1]}", text[place.end() :]
                break
        findings.append(Finding("error", where, text.lstrip()))

    try:
        read_project_toml(root, PROJECT_FILE, ProjectFileError)
    except MlreqError as exc:
        problem(exc, PROJECT_FILE)
    form = None
    try:
        form_data = read_project_toml(root, FORM_FILE, ProjectFileError)
        form = form_from_data(form_data, root / FORM_FILE)
    except MlreqError as exc:
        problem(exc, FORM_FILE)
    else:
        for qid, theirs in form_conflicts(form_data).items():
            findings.append(Finding(
                "warning", f"{FORM_FILE}:{_line_of_question(root / FORM_FILE, qid)}",
                f"question {qid!r} was changed on both sides of a sync ({', '.join(theirs)}): this side's version is "
                "kept, the other side's is under [questions.mlreq.conflict]; keep one, delete that table and commit",
            ))
    repo_root = find_git_root(root)
    if repo_root is None:
        findings.append(Finding("error", str(root), "not inside a git repository"))
    else:
        # Like every mlreq command, check repairs the driver a plain `git clone` lacks, and says so.
        notice = ensure_merge_driver(GitRepo(repo_root))
        if notice:
            findings.append(Finding("warning", str(repo_root), notice))
        try:
            busy = blocking_state(repo_root)
        except MlreqError:
            busy = None  # git itself is the problem: fsck below says so
        if busy is not None:
            findings.append(Finding("warning", str(repo_root), f"{busy.what}: mlreq saves nothing until then; {busy.way_out}"))
    if form is None or repo_root is None:
        findings.sort(key=lambda f: f.severity != "error")
        return findings
    project = Project(root=root, repo_root=repo_root, name=root.name, form=form)
    seen: dict[str, str] = {}
    try:
        answer_files = project.answer_files()
    except MlreqError as exc:
        problem(exc, "answers")
        answer_files = []
    for relative in answer_files:
        path = root / relative
        try:
            answers = AnswerFile.parse(path, read_project_file(root, relative), relative)
        except FileNotFoundError:
            findings.append(Finding("warning", relative, "missing; it is created on the first answer"))
            continue
        except OSError as exc:
            findings.append(Finding("error", relative, f"cannot read ({exc.strerror or exc})"))
            continue
        except MlreqError as exc:
            problem(exc, relative)
            continue
        for qid in answers.question_ids():
            where = f"{relative}:{answers.line_of(qid)}"
            if qid in seen:
                findings.append(Finding("error", where, f"question {qid!r} also appears in {seen[qid]}"))
            seen[qid] = relative
            question = form.question(qid)
            if question is None:
                findings.append(Finding("warning", where, f"{qid!r} is not in the question set (kept as an orphan)"))
            elif project.file_of(question) != relative:
                findings.append(Finding("warning", where, f"{qid!r} belongs in {project.file_of(question)}"))
    _check_requirements(project, findings, problem)
    if not any(f.severity == "error" for f in findings):
        try:
            pending = project.uncommitted()
        except MlreqError as exc:
            findings.append(Finding("error", str(repo_root), str(exc)))
        else:
            if pending:
                ids = ", ".join(c.question_id for c in pending)
                findings.append(Finding("warning", str(root), f"not committed yet: {ids} (the next save commits them)"))
    try:  # a committed link named .mlreq would take locks and drafts out of the project
        list_project_folder(root, STATE_DIR)
    except MlreqError as exc:
        problem(exc, STATE_DIR)
    except OSError as exc:
        findings.append(Finding("error", STATE_DIR, f"cannot read ({exc.strerror or exc})"))
    status, tracked, _ = GitRepo(root).run("ls-files", "-z", "--", STATE_DIR, check=False)
    for name in sorted(filter(None, tracked.split("\0"))) if status == 0 else ():
        findings.append(Finding("warning", name, "machine-local state is committed: mlreq ignores it (a draft from git is "
                                "never offered as yours); remove it with `git rm --cached`"))
    lock = git_dir(repo_root) / "index.lock"
    if lock.exists():
        findings.append(Finding("warning", str(lock), "git's lock file exists; if no git command is running, remove it"))
    status, _, err = GitRepo(repo_root).run("fsck", "--no-dangling", "--no-progress", check=False)
    if status != 0:
        findings.append(Finding("error", str(repo_root), f"git fsck: {err.strip().splitlines()[0] if err.strip() else 'failed'}"))
    findings.sort(key=lambda f: f.severity != "error")
    return findings


def _line_of_question(path: Path, question_id: str) -> int:
    text = read_project_file(path.parent, path.name).decode("utf-8", "replace")
    match = re.search(r"^id\s*=\s*[\"']" + re.escape(question_id) + r"[\"']", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _check_requirements(project: Project, findings: list[Finding], problem) -> None:  # type: ignore[no-untyped-def]
    """requirements.toml's shape and links (its EARS advice is `mlreq req check`)."""
    from .requirements import REQUIREMENTS_FILE, load_requirements

    try:
        requirements = load_requirements(project)
    except MlreqError as exc:
        problem(exc, REQUIREMENTS_FILE)
        return
    for requirement in requirements.items:
        if requirement.conflict:
            where = f"{REQUIREMENTS_FILE}:{requirements.lines.get(requirement.id, 0)}"
            fields = ", ".join(name for name, _ in requirement.conflict)
            findings.append(Finding("warning", where, f"{requirement.id}: {fields} changed on both sides of a sync; "
                                    f"settle with `mlreq req edit {requirement.id}`"))
