"""Creating a project: its folder, its own copy of the question set, its git repository."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

from mlreq.bank import BUILTIN_FORMS, builtin_form_path, load_form
from mlreq.bank.errors import BankError

from .answers import AnswerFile
from .atomic import atomic_write
from .mergedriver import ATTRIBUTES, configure_merge_driver
from .commitmessage import creation_message
from .errors import CommitError, InvalidInputError, ProjectError
from .gitrepo import GitRepo, Identity, find_git_root, require_git
from .layout import ANSWERS_DIR, FORM_FILE, PROJECT_FILE, STATE_DIR, answers_file
from .project import Project, SaveResult, _header, no_identity_error, project_settings_text

GITIGNORE = (
    "# machine-local state of mlreq (locks, drafts)\n"
    f"{STATE_DIR}/\n"
    "# the temporary file of a save that was killed half-way (the next save removes it)\n"
    ".*.toml.*.tmp\n"
)

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")


def check_project_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInputError("project name is empty")
    if _BAD_NAME.search(name) or ".." in name:
        raise InvalidInputError(f"project name {name!r} may not contain '/', '\\', '..' or control characters")
    if len(name) > 200:
        raise InvalidInputError("project name is longer than 200 characters")
    if not _is_utf8(name):
        raise InvalidInputError(f"project name {name!r} is not valid UTF-8; give --name with a UTF-8 name")
    return name


def _is_utf8(text: str) -> bool:
    """False for command-line bytes that were not UTF-8 (Python keeps them as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def create_project(
    path: Path,
    name: str | None = None,
    form: str = "v3",
    author: Identity | None = None,
    when: datetime | None = None,
) -> tuple[Project, SaveResult]:
    """Create a project at `path` (a new repository, or a subfolder of the enclosing one)."""
    path = path.expanduser().absolute()
    if not _is_utf8(str(path)):
        raise InvalidInputError(f"{str(path)!r}: the folder name is not valid UTF-8; choose a UTF-8 name")
    name = check_project_name(name if name is not None else path.name)
    form_source = _form_source(form)
    if (path / PROJECT_FILE).exists():
        raise ProjectError(f"{path}: already an mlreq project; open it with `mlreq {path}`")
    if path.exists() and not path.is_dir():
        raise ProjectError(f"{path}: exists and is not a folder")
    if path.is_dir() and any(p.name in (FORM_FILE, "answers") for p in path.iterdir()):
        raise ProjectError(f"{path}: already holds {FORM_FILE} or answers/; choose an empty folder")
    require_git()  # before anything is written: a project without git is not a project
    made = _Made.before(path)
    try:
        return _create(path, name, form, form_source, author, when)
    except BaseException:
        made.undo()  # a failed `new` leaves nothing behind: no half-made folder or repository
        raise


def _create(
    path: Path, name: str, form: str, form_source: Path, author: Identity | None, when: datetime | None
) -> tuple[Project, SaveResult]:
    try:
        question_set = load_form(form_source)
        path.mkdir(parents=True, exist_ok=True)
        repo_root = find_git_root(path)
        own_repository = repo_root is None
        if repo_root is None:
            GitRepo.init(path)
            repo_root = path
        atomic_write(path / PROJECT_FILE, project_settings_text(name, form).encode())
        # The project's own copy, byte for byte, so it opens the same on any machine.
        shutil.copyfile(form_source, path / FORM_FILE)
        atomic_write(path / ".gitignore", GITIGNORE.encode())
        atomic_write(path / ".gitattributes", ATTRIBUTES.encode())
    except BankError as exc:
        raise ProjectError(str(exc)) from None
    except OSError as exc:
        raise ProjectError(f"cannot create the project in {path}: {exc.strerror or exc}") from None
    project = Project(root=path, repo_root=repo_root, name=name, form=question_set, author=author)
    files = [PROJECT_FILE, FORM_FILE, ".gitignore", ".gitattributes"]
    for stage in question_set.stages:
        relative = answers_file(stage.id)
        questions = [(q.id, q.text) for q in question_set.questions_in(stage.id)]
        answers = AnswerFile.new(project.path_of(relative), _header(project, stage.id), questions)
        project._write(relative, answers)
        files.append(relative)
    # In a user's existing repository only mlreq's own merge.mlreq.* keys are set (`mlreq new` says so).
    configure_merge_driver(GitRepo(repo_root), own_repository=own_repository)
    return project, _initial_commit(project, files, form, when)


class _Made:
    """What `create_project` may add, noted before it starts, to remove it on failure."""

    _FILES = (PROJECT_FILE, FORM_FILE, ".gitignore", ".gitattributes", ANSWERS_DIR, ".git")

    def __init__(self, top: Path | None, folder: Path, existing: set[str]) -> None:
        self.top, self.folder, self.existing = top, folder, existing

    @classmethod
    def before(cls, path: Path) -> _Made:
        top = None  # the highest folder that does not exist yet: all of it is ours
        for folder in (path, *path.parents):
            if folder.exists() or folder.is_symlink():
                break
            top = folder
        existing = {n for n in cls._FILES if (path / n).exists() or (path / n).is_symlink()} if top is None else set()
        return cls(top, path, existing)

    def undo(self) -> None:
        if self.top is not None:
            shutil.rmtree(self.top, ignore_errors=True)
            return
        for name in set(self._FILES) - self.existing:
            target = self.folder / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target, ignore_errors=True)
            elif target.exists() or target.is_symlink():
                target.unlink(missing_ok=True)


def _form_source(form: str) -> Path:
    if form in BUILTIN_FORMS:
        return builtin_form_path(form)
    candidate = Path(form).expanduser()
    if not candidate.is_file():
        raise InvalidInputError(f"unknown form {form!r}: use {', '.join(BUILTIN_FORMS)} or the path of a form file")
    return candidate


def _initial_commit(project: Project, files: list[str], form: str, when: datetime | None) -> SaveResult:
    author = project.author or project.identity()
    if author is None:
        return SaveResult(commit_error=no_identity_error())
    repo = GitRepo(project.repo_root)
    paths = [project.repo_path(f) for f in files]
    message = creation_message(project.name, project.form, form)
    try:
        repo.add(paths)
        commit = repo.commit_only(paths, message, author, when)
    except CommitError as exc:
        return SaveResult(commit_error=exc)
    return SaveResult(commit=commit)
