"""A git merge driver for answer files: merge by question and by field, never markers.

Registered per repository (`merge.mlreq.driver`) for `answers/*.toml` through the
project's `.gitattributes`, so `mlreq sync` and a plain `git pull` merge alike:

- a question changed on one side takes that side's entry;
- different fields changed on the two sides (an answer here, a status there) combine;
- the same answer changed differently on both sides keeps ours as the answer, theirs in
  `conflict`, and marks it needs-review: both texts stay until someone resolves it.

The same driver merges the project's `form.toml` by question id (see formmerge.py) and
its `requirements.toml` by requirement id (see reqmerge.py).
Git runs it as `mlreq merge-driver %O %A %B %P` through the snippet `driver_command`
writes: the installed mlreq, isolated from the work tree, with a fallback to git's
line merge (and a message) when mlreq is gone.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import sys
from collections import namedtuple
from pathlib import Path

from mlreq.bank.errors import MlreqError

from .answers import EMPTY, AnswerFile, Entry
from .gitrepo import GitRepo, common_dir, find_git_root, git_dir
from .layout import ANSWERS_DIR, FORM_FILE, find_project_root
from .safetext import visible

# Every command checks the driver's config (ensure_merge_driver_at); what only a merge
# needs (requirements, atomic writes) is imported by `main`, so a short command skips it.

DRIVER_NAME = "mlreq"
ATTRIBUTES = "answers/*.toml merge=mlreq\nform.toml merge=mlreq\nrequirements.toml merge=mlreq\n"
CONFLICT_REVIEW = "changed on both sides of a sync: choose or merge the two versions"


def merge_entries(base: Entry, ours: Entry, theirs: Entry) -> tuple[Entry, bool]:
    """Three-way merge of one question's entry; True when the answers conflicted."""

    def pick(field: str) -> tuple:
        b, o, t = getattr(base, field), getattr(ours, field), getattr(theirs, field)
        if o == t or t == b:
            return o, False
        if o == b:
            return t, False
        return o, True

    answer, answer_conflict = pick("answer")
    status, status_conflict = pick("status")
    notes, notes_conflict = pick("notes")
    review, _ = pick("review")
    conflict, _ = pick("conflict")
    agreed_by, agreed_by_conflict = pick("agreed_by")
    if agreed_by_conflict:  # sign-offs given on both sides: all of them were given
        agreed_by = tuple(dict.fromkeys([*ours.agreed_by, *theirs.agreed_by]))
    if notes_conflict:
        notes = f"{ours.notes}\n--- the other side's notes ---\n{theirs.notes}"
    if status_conflict:
        status = "needs-review"
        if not review:  # keep both choices visible, as with answers
            review = f"status set to {ours.status!r} here and to {theirs.status!r} on the other side of a sync"
    if answer_conflict:
        status, review, conflict = "needs-review", CONFLICT_REVIEW, theirs.answer
    if status not in ("agreed", "needs-review"):
        agreed_by = ()  # as next_entry: sign-offs belong to an agreed (or flagged) answer
    return Entry(answer=answer, status=status, notes=notes, review=review, conflict=conflict, agreed_by=agreed_by), answer_conflict


def merge_files(base: bytes, ours: bytes, theirs: bytes, label: str) -> tuple[bytes, list[str]]:
    """The merged file (our layout kept) and the question ids whose answers conflicted."""
    base_file = AnswerFile.parse(Path(label), base, f"{label} (base)")
    our_file = AnswerFile.parse(Path(label), ours, f"{label} (ours)")
    their_file = AnswerFile.parse(Path(label), theirs, f"{label} (theirs)")
    base_entries, their_entries = base_file.entries(), their_file.entries()
    conflicts = []
    for question_id, our_entry in our_file.entries().items():
        merged, conflicted = merge_entries(
            base_entries.get(question_id, EMPTY), our_entry, their_entries.get(question_id, our_entry)
        )
        if merged != our_entry:
            our_file.set_entry(question_id, merged)
        if conflicted:
            conflicts.append(question_id)
    for question_id, their_entry in their_entries.items():
        if question_id not in our_file.question_ids():
            our_file.set_entry(question_id, their_entry)  # a question added on the other side
    return our_file.dumps(), conflicts


REFUSED = 10
"""The driver's exit status when a side cannot be merged (a broken file): git marks the
path conflicted and keeps ours untouched. Any other non-zero status means "no working
mlreq here", and the shell snippet tries the next way."""


def driver_command(python: str | None = None) -> str:
    """The command git runs (through `sh -c`): mlreq's own code, never the work tree's.

    Git runs it from the work tree's root, so the interpreter runs isolated (`-I`: no
    current folder, PYTHONPATH or user site on `sys.path`) and reaches the driver through
    `-m mlreq merge-driver` (`mlreq.__main__` is imported by nobody else, so no
    RuntimeWarning). The recorded interpreter may be gone (venv deleted, install moved):
    then an `mlreq` found on PATH by an absolute path is tried, and without either git's
    own line merge runs, after one line saying why. Git substitutes %O %A %B %P already
    shell-quoted; a `%` in the interpreter's path is doubled so git does not expand it.
    """
    python = python if python is not None else sys.executable
    recorded = shlex.quote(python).replace("%", "%%")
    return (
        f"mlreq_python={recorded}; r=127; "
        f'if [ -x "$mlreq_python" ]; then "$mlreq_python" -I -m mlreq merge-driver %O %A %B %P; r=$?; fi; '
        f"if [ $r != 0 ] && [ $r != {REFUSED} ]; then m=$(command -v mlreq); case $m in /*) "
        f'unset PYTHONPATH; PYTHONSAFEPATH=1 PYTHONNOUSERSITE=1 "$m" merge-driver %O %A %B %P; r=$?;; esac; fi; '
        f"if [ $r != 0 ] && [ $r != {REFUSED} ]; then "
        f'echo "mlreq merge driver: no working mlreq (not at $mlreq_python, not on PATH); '
        f'git merges this file line by line, with conflict markers where both sides changed it:" %P >&2; '
        f"git merge-file -L ours -L base -L theirs %A %O %B; r=$?; fi; exit $r"
    )


_RECORDED = re.compile(r"^mlreq_python=(.*?); r=127; ")


class DriverState(namedtuple("DriverState", ("problem",))):
    """How this clone's git would merge answer files. `problem`: None when the driver is
    configured and its interpreter runs mlreq; else why not. (A named tuple: every command
    makes one, and a dataclass costs a start ~0.5 ms.)"""

    __slots__ = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


def driver_state(repo: GitRepo) -> DriverState:
    """Check the configured driver without running a merge."""
    local = local_driver_setting(repo)
    if local is not None and _runs_this_mlreq(local):  # read without a git process (issue 14)
        return DriverState(None)
    status, out, _ = repo.run("config", "--get", f"merge.{DRIVER_NAME}.driver", check=False)
    command = out.strip()
    if status not in (0, 1):  # git cannot read this repository's config (ownership, ...): not ours to fix
        return DriverState(None)
    if status == 1 or not command:
        if repo.run("rev-parse", "--git-dir", check=False)[0] != 0:
            return DriverState(None)  # git refuses this repository (dubious ownership...): other checks say so
        return DriverState("is not configured in this clone (a plain `git clone`?), so git would merge answers line by line")
    match = _RECORDED.match(command)
    if match is None:
        return DriverState("runs mlreq the old, unsafe way (code from the work tree could run)")
    try:
        python = shlex.split(match[1].replace("%%", "%"))[0]
    except (ValueError, IndexError):
        return DriverState("names an interpreter path mlreq cannot read")
    if python == sys.executable or _same_interpreter(python, sys.executable):
        return DriverState(None)
    if not os.access(python, os.X_OK):
        return DriverState(f"points at {python}, which no longer exists (mlreq moved or was removed)")
    import subprocess

    try:
        # Cheap: finding `mlreq.__main__` imports only mlreq's tiny root package.
        probe = subprocess.run(
            [python, "-I", "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('mlreq.__main__') is None)"],
            capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return DriverState(f"points at {python}, which does not run")
    if probe.returncode != 0:
        return DriverState(f"points at {python}, which has no mlreq installed")
    return DriverState(None)


_CONFIG_OVERRIDES = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")
_SECTION = re.compile(r'[ \t]*\[[ \t]*([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\\n]|\\.)*)")?[ \t]*\][ \t]*(?:[#;][^\n]*)?')
_KEY = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=(.*))?")
MAX_CONFIG_BYTES = 1024 * 1024


def local_driver_setting(repo: GitRepo) -> str | None:
    """`git config --get merge.mlreq.driver` read from the clone's own config file, when
    that file alone decides it: set there exactly once, no include, no worktree config,
    no config from the environment. None means "ask git" (every command checks the
    driver, and a git process is most of what a short read command costs)."""
    if any(name in os.environ for name in _CONFIG_OVERRIDES):
        return None
    try:
        folder = git_dir(repo.root)
        if (folder / "config.worktree").exists():
            return None
        folder = common_dir(folder)  # a linked worktree: the config is the main one's
        fd = os.open(folder / "config", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(MAX_CONFIG_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if len(data) > MAX_CONFIG_BYTES or "\r" in text:
        return None
    values = []
    ours = False
    for line in text.split("\n"):
        if not line.strip() or line.lstrip()[:1] in ("#", ";"):
            continue
        if line.lstrip().startswith("["):
            section = _SECTION.fullmatch(line)
            # includes, `[merge.mlreq]` (old syntax) and escapes in a subsection: git decides
            if section is None or section[1].lower().startswith("include") or "." in section[1] or "\\" in (section[2] or ""):
                return None
            ours = section[1].lower() == "merge" and section[2] == DRIVER_NAME
            continue
        key = _KEY.fullmatch(line)
        if key is None:
            return None
        if ours and key[1].lower() == "driver":
            value = _config_value(key[2] or "")
            if value is None:
                return None
            values.append(value)
    return values[0] if len(values) == 1 else None


def _config_value(raw: str) -> str | None:
    """A value as git reads it (quotes, escapes, comments, spaces); None for a line
    continued on the next one or a bad escape (git decides those)."""
    value: list[str] = []
    spaces, quoted, index = 0, False, 0
    while index < len(raw):
        char = raw[index]
        index += 1
        if char in " \t" and not quoted:
            spaces += 1 if value else 0
            continue
        if not quoted and char in "#;":
            break
        value.append(" " * spaces)
        spaces = 0
        if char == "\\":
            if index >= len(raw) or raw[index] not in 'ntb"\\':
                return None
            value.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[index], raw[index]))
            index += 1
        elif char == '"':
            quoted = not quoted
        else:
            value.append(char)
    return None if quoted else "".join(value)


def _runs_this_mlreq(command: str) -> bool:
    """The driver as this mlreq configures it, with this interpreter (or its twin)."""
    match = _RECORDED.match(command)
    if match is None:
        return False
    try:
        python = shlex.split(match[1].replace("%%", "%"))[0]
    except (ValueError, IndexError):
        return False
    return command == driver_command(python) and (python == sys.executable or _same_interpreter(python, sys.executable))


def _same_interpreter(one: str, other: str) -> bool:
    """`venv/bin/python` and `venv/bin/python3`: one folder (so one venv, one site-packages)
    and one real binary; no need to start it to see that it runs mlreq (a whole Python start
    on every command, issue 14)."""
    try:
        return os.path.dirname(one) == os.path.dirname(other) and os.path.samefile(one, other)
    except OSError:
        return False


def configure_merge_driver(repo: GitRepo, own_repository: bool = False) -> list[str]:
    """Tell this clone's git how to run the driver (git never shares config through a remote).

    Returns the settings written. `pull.rebase` is set only in a repository mlreq made
    itself (`own_repository`), never in a user's existing one.
    """
    written = []
    wanted = {f"merge.{DRIVER_NAME}.name": "mlreq: merge answers and the form by question",
              f"merge.{DRIVER_NAME}.driver": driver_command()}
    for key, value in wanted.items():
        current = repo.run("config", "--get", key, check=False)[1].rstrip("\n")
        if current != value:
            repo.run("config", key, value)
            written.append(key)
    if own_repository and repo.run("config", "--get-regexp", r"^pull\.(rebase|ff)$", check=False)[0] != 0:
        # No preference anywhere: a plain `git pull` merges (by question) instead of stopping
        # at "Need to specify how to reconcile divergent branches".
        repo.run("config", "pull.rebase", "false")
        written.append("pull.rebase")
    return written


def ensure_merge_driver(repo: GitRepo) -> str | None:
    """Configure the driver when it is missing or broken; returns what to tell the user, once.

    A plain `git clone` has the driver named in .gitattributes but not configured, so git
    would merge answers line by line; every mlreq command therefore repairs this clone's
    config (only mlreq's own `merge.mlreq.*` keys) and says so the one time it does.
    """
    try:
        state = driver_state(repo)
    except MlreqError:  # no git at all: the command itself says so where it matters
        return None
    if state.ok:
        return None
    try:
        configure_merge_driver(repo)
    except MlreqError:
        return f"git's merge driver for answers {state.problem}, and mlreq could not configure it: {FIX_HINT}"
    return (f"git's merge driver for answers {state.problem}; mlreq configured it in this repository's "
            "git config (merge.mlreq.*), so answers merge by question on sync and git pull")


def ensure_merge_driver_at(path: Path) -> str | None:
    """`ensure_merge_driver` for the project at or above `path`; None when there is none."""
    try:
        root = find_project_root(path)
    except MlreqError:
        return None  # not a project: the command itself says so
    repo_root = find_git_root(root)
    return ensure_merge_driver(GitRepo(repo_root)) if repo_root is not None else None


FIX_HINT = "make the repository's .git/config writable and run any mlreq command again"


def main(argv: list[str]) -> int:
    """`mlreq merge-driver BASE OURS THEIRS PATH`, run by git; merges into OURS."""
    if len(argv) != 4:
        print("usage: mlreq merge-driver BASE OURS THEIRS PATH (run by git, see .gitattributes)", file=sys.stderr)
        return 2
    base, ours, theirs, label = argv
    from .atomic import atomic_write
    from .requirements import REQUIREMENTS_FILE

    shown = visible(label)
    is_form = Path(label).name == FORM_FILE and Path(label).parent.name != ANSWERS_DIR
    notes: list[str] = []
    try:
        sides = Path(base).read_bytes(), Path(ours).read_bytes(), Path(theirs).read_bytes()
        if is_form:
            from .formmerge import merge_forms

            merged, conflicts = merge_forms(*sides, label)
        elif Path(label).name == REQUIREMENTS_FILE and Path(label).parent.name != ANSWERS_DIR:
            from .reqmerge import merge_requirement_files

            (merged, notes), conflicts = merge_requirement_files(*sides, label), []
        else:
            merged, conflicts = merge_files(*sides, label)
        atomic_write(Path(ours), merged)
    except (MlreqError, OSError, RecursionError) as exc:
        # A broken side: leave ours untouched and let git report the path as conflicted.
        print(f"mlreq merge driver: {shown}: {visible(str(exc))}", file=sys.stderr)
        return REFUSED
    for note in notes:
        print(f"mlreq: {visible(note)}", file=sys.stderr)
    for question_id in conflicts:
        where = f"{shown} (both versions kept under [questions.mlreq.conflict])" if is_form else "both versions kept"
        print(f"mlreq: {visible(question_id)} changed on both sides; {where}", file=sys.stderr)
    return 0  # conflicts are recorded as data, never as markers
