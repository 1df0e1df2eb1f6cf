"""Fixtures for the exports: a project whose answers try to break every format.

Reuses tests/conftest.py (its autouse `git_config` isolates HOME and git's config; `cli`
runs `mlreq` in-process). This folder is a package so that its conftest does not replace
the top-level `conftest` module the test files import helpers from.

The hostile project is built once per module (exports only read it), with its own
isolated git configuration while it is being built.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlreq.projects import Project, create_project

SCRIPT = (
    '<script>document.title = "PWNED"; document.body.insertAdjacentHTML("beforeend", "<p id=pwned>ran</p>")</script>'
    "<img src=x onerror=\"document.title='PWNED-IMG'\"> & done"
)
PIPES = "| a | b |\n|---|---|\n| c | d |\nend of table | still the same cell"
FORMULA = "=cmd|' /C calc'!A0"
CONTROLS = "bell \x07 esc \x1b[31mred\x1b[0m csi \x9b2J title \x1b]2;PWNED\x07 end"
MULTILINE = "First line\nsecond line\n\n  indented fourth line\r\nfifth after CRLF"
AMPERSAND = 'Tom & Jerry say "hi" <b>bold</b> and \'quotes\''
ERRORISH = "#N/A"
NAME = 'Hostile <b>& "Co" project'
RAW_CONTROLS = ("\x07", "\x1b", "\x9b", "\x00", "\x08")

# question id -> (answer, status, notes)
HOSTILE = {  # in form order
    "scoping.business-problems": (SCRIPT, "agreed", ""),
    "scoping.budget-limit": (FORMULA, "needs-review", "+1 more formula-ish note"),
    "scoping.end-user": (PIPES, "draft", "notes | with a pipe"),
    "data.data-source": (CONTROLS, "draft", "note with \x1b[2J"),
    "data.privacy": (MULTILINE, "agreed", ""),
    "modeling.baseline": (AMPERSAND, "draft", ERRORISH),
    "deployment.output-metrics": ("@SUM(1+1)", "draft", ""),
}
ANSWERED = len(HOSTILE)
STAGE_COUNTS = {"Scoping": 8, "Data": 14, "Modeling": 8, "Deployment": 7}


@dataclass
class Hostile:
    path: Path
    project: Project
    commits: dict[str, str]
    """question id -> the commit that saved it."""


def export_file(cli, project: Path, tmp_path: Path, fmt: str, *args: str) -> Path:  # type: ignore[no-untyped-def]
    """Run `mlreq export PROJECT --format FMT --output FILE ARGS` and return FILE."""
    target = tmp_path / f"export-{fmt}-{len(list(tmp_path.iterdir()))}.{fmt}"
    outcome = cli("export", project, "--format", fmt, "--output", target, *args)
    assert outcome.code == 0, outcome
    assert outcome.out.startswith(f"wrote {target} ({fmt}, "), outcome.out
    return target


def _isolated_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    home.mkdir()
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Test Person\n\temail = test.person@example.com\n")
    return {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    tmp = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _isolated_env(tmp).items():
            patch.setenv(name, value)
        for name in ("MLREQ_AUTHOR", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
            patch.delenv(name, raising=False)
        project, _ = create_project(tmp / "proj", name=NAME)
        commits = {}
        for question_id, (answer, status, notes) in HOSTILE.items():
            result = project.save(question_id, answer=answer, status=status, notes=notes)
            assert result.ok and result.commit, result
            commits[question_id] = result.commit
    return Hostile(project.root, project, commits)


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def keep_artifact(path: Path) -> Path:
    """Copy a file a human may want to look at into tests/exports/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / path.name
    shutil.copyfile(path, target)
    return target


def chromium() -> str | None:
    """Debian's chromium (or a Chrome on PATH), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def no_raw_controls(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} in the export"

