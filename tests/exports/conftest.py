"""Fixtures for the exports: a project whose answers try to break every format.

Reuses tests/conftest.py (its autouse `git_config` isolates HOME and git's config; `cli`
runs `mlreq` in-process). This folder is a package so that its conftest does not replace
the top-level `conftest` module the test files import helpers from.

The hostile project is built once per module (exports only read it), with its own
isolated git configuration while it is being built.
"""

from __future__ import annotations

import functools
import os
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


@functools.cache
def reqif_schema():  # type: ignore[no-untyped-def]
    """The ReqIF 1.2 XSD the `reqif` package bundles, built once (it takes a second or two)."""
    import reqif
    import xmlschema

    schema_root = Path(reqif.__file__).resolve().parent / "reqif_schema"
    here = Path.cwd()
    os.chdir(schema_root)  # the bundled schema imports its parts by relative path
    try:
        return xmlschema.XMLSchema(str(schema_root / "reqif.xsd"))
    finally:
        os.chdir(here)


def no_raw_controls(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} in the export"



# --------------------------------------------------------------------------- requirements

REQ_EVENT = "When a charger reports a fault code, the system shall predict the failing part within 5 minutes."
REQ_HOSTILE = f"The system shall show {SCRIPT} | and **bold** ![i](https://example.com/i.png) {CONTROLS}"
REQ_CRITERIA = (FORMULA, "95% of fault codes get a prediction\nwithin 5 minutes")
REQ_CONFLICT = "The system shall <b>theirs</b> | other side"


@dataclass
class WithRequirements:
    path: Path
    project: Project
    unanswered: str
    """A question the demo leaves unanswered that REQ-004 is written from."""
    before_requirements: str
    """The commit before the first requirement."""
    added: dict[str, str]
    """requirement id -> the commit that last changed it."""


@pytest.fixture(scope="session")
def with_requirements(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> WithRequirements:
    """The demo project with requirements (built once per session: exports only read it):
    REQ-001 from two answers, REQ-002 with hostile text and a sync conflict's other text,
    REQ-003 retired, REQ-004 from an unanswered question, REQ-005 flagged needs-review by a
    change to its source answer."""
    import subprocess

    import tomlkit

    from mlreq.projects.requirements import edit_requirement, new_requirement, retire_requirement

    tmp = tmp_path_factory.mktemp("with-requirements")
    path = tmp / "demo"
    shutil.copytree(_demo_template, path, symlinks=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _isolated_env(tmp).items():
            patch.setenv(name, value)
        for name in ("MLREQ_AUTHOR", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
            patch.delenv(name, raising=False)
        project = Project.open(path)
        entries = project.entries()
        unanswered = next(q.id for q in project.form.questions if not entries.get(q.id) or not entries[q.id].answered)
        before = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True).stdout.strip()
        added = {}
        saved = new_requirement(project, ["data.data-source", "scoping.business-problems"], REQ_EVENT, criteria=REQ_CRITERIA,
                                priority="high", owner="Data scientist")
        added["REQ-001"] = saved.result.commit
        saved = new_requirement(project, ["scoping.end-user"], REQ_HOSTILE, criteria=["a reviewer reads it"])
        document = tomlkit.parse((path / "requirements.toml").read_text("utf-8"))
        document["requirement"][1]["conflict"] = {"text": REQ_CONFLICT}
        (path / "requirements.toml").write_text(tomlkit.dumps(document), "utf-8")
        # A plain git commit (no trailer), dated apart: only REQ-002's LAST-CHANGE may take its time.
        subprocess.run(["git", "commit", "-qm", "A sync kept the other side's text", "--", "requirements.toml"], cwd=path, check=True,
                       env={**os.environ, "GIT_AUTHOR_DATE": "2026-01-02T03:04:05+00:00"})
        added["REQ-002"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True).stdout.strip()
        new_requirement(project, ["modeling.baseline"], "The system shall keep the baseline model.")
        added["REQ-003"] = retire_requirement(project, "REQ-003").result.commit
        added["REQ-004"] = new_requirement(project, [unanswered], "The system shall log every prediction.").result.commit
        new_requirement(project, ["data.data-format"], "The system shall read OCPP 1.6 messages.", criteria=["a message parses"])
        edit_requirement(project, "REQ-005", status="agreed")
        result = project.save("data.data-format", answer="OCPP 2.0.1 JSON messages only, from now on")
        assert result.ok and result.commit, result
        added["REQ-005"] = result.commit
    return WithRequirements(path, project, unanswered, before, added)
