"""The demo project: what `ensure_demo` leaves on disk and in git (real git, no mocks)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlreq.projects.demo import ensure_demo
from mlreq.projects.errors import ProjectError
from mlreq.projects.project import Project
from mlreq.projects.status import project_status

RETRAINING = "deployment.retraining-frequency"
STREAMING = "data.streaming-frequency"


def _no_git_identity(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config, no identity in the environment: the demo sets its own."""
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("MLREQ_AUTHOR", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_git_identity(tmp_path / "home", monkeypatch)


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for this module's read-only tests: a build is a hundred commits."""
    folder = tmp_path_factory.mktemp("built-demo")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_git_identity(folder / "home", monkeypatch)
        return ensure_demo(folder / "demo").root


@pytest.fixture
def demo(built_demo: Path) -> Project:
    return Project.open(built_demo)


def test_demo_is_a_partly_answered_project(demo: Project) -> None:
    status = project_status(demo)
    assert status.overall.total == 37
    assert 25 <= status.overall.answered <= 33
    assert "scoping.resources" in {q.id for q in status.open_questions}
    assert len(status.needs_review) >= 2
    for question in status.needs_review:
        entry = demo.entry(question.id)
        assert entry.notes.strip() or entry.review.strip(), f"{question.id} is flagged without a reason"
    assert status.status_counts["agreed"] >= 3
    assert status.uncommitted == ()


def test_demo_history_has_several_authors_and_an_evolving_answer(demo: Project) -> None:
    authors = git(demo.root, "log", "--format=%an").splitlines()
    assert len(authors) >= 40
    assert len(set(authors)) >= 3
    bodies = git(demo.root, "log", "--format=%B%x00", "--", "answers/deployment.toml").split("\0")
    assert sum(RETRAINING in body for body in bodies) >= 5
    reworded = [b for b in bodies if f"Mlreq-Question: {RETRAINING}" in b and "answer changed" in b]
    assert len(reworded) >= 5  # five versions of the text itself, not only status changes
    assert demo.entry(RETRAINING).status == "agreed"
    assert "drift" in demo.entry(RETRAINING).answer


def test_demo_history_is_recent_and_in_order(demo: Project) -> None:
    stamps = [int(s) for s in git(demo.root, "log", "--reverse", "--format=%at %ct").split()]
    authored = stamps[0::2]
    assert authored == stamps[1::2]  # author and committer dates agree
    assert all(a < b for a, b in zip(authored, authored[1:]))
    now = datetime.now(timezone.utc)
    first, last = (datetime.fromtimestamp(t, timezone.utc) for t in (authored[0], authored[-1]))
    assert now - timedelta(days=200) < first < now - timedelta(days=120)  # months of work
    assert now - timedelta(days=10) < last < now - timedelta(days=1)


def test_demo_repository_is_clean_and_healthy(demo: Project) -> None:
    assert git(demo.root, "status", "--porcelain") == ""
    assert subprocess.run(["git", "fsck"], cwd=demo.root, capture_output=True).returncode == 0
    assert (demo.root / ".git").is_dir()  # its own repository
    assert not [p for p in demo.root.parent.iterdir() if p.name.startswith(".demo.")]  # no build leftovers


def test_second_call_opens_the_same_project_unchanged(demo: Project) -> None:
    head = git(demo.root, "rev-parse", "HEAD")
    files = {p: p.read_bytes() for p in demo.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    again = ensure_demo(demo.root)
    assert again.root == demo.root
    assert git(demo.root, "rev-parse", "HEAD") == head
    assert {p: p.read_bytes() for p in files} == files


def test_demo_inside_another_repository_never_commits_there(tmp_path: Path) -> None:
    outer = tmp_path / "code"
    outer.mkdir()
    git(outer, "init", "--quiet")
    project = ensure_demo(outer / "docs" / "demo")
    assert project.repo_root == outer / "docs" / "demo"
    assert subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=outer, capture_output=True).returncode != 0


def test_demo_refuses_a_folder_that_holds_something_else(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("keep me\n")
    with pytest.raises(ProjectError, match="not an mlreq project"):
        ensure_demo(folder)
    assert [p.name for p in folder.iterdir()] == ["todo.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "notes"]


def test_demo_has_three_iterations_months_apart(demo: Project, cli) -> None:
    listing = cli("iteration", "list", cwd=demo.root)

    assert listing.code == 0, listing
    names = [line.split("  ")[-1] for line in listing.out.splitlines() if not line.startswith(" ")]
    assert names == ["Kick-off workshop", "After the data audit", "Re-scope after pilot"]
    dates = [datetime.fromisoformat(line[:10]) for line in listing.out.splitlines() if not line.startswith(" ")]
    assert all(later - earlier > timedelta(days=40) for earlier, later in zip(dates, dates[1:]))
    tags = git(demo.root, "for-each-ref", "--format=%(objecttype) %(refname)", "refs/tags/").splitlines()
    assert tags == [f"tag refs/tags/iteration/{slug}" for slug in ("after-the-data-audit", "kick-off-workshop", "re-scope-after-pilot")]


def test_demo_diff_between_kick_off_and_re_scope(demo: Project, cli) -> None:
    outcome = cli("diff", "Kick-off workshop", "Re-scope after pilot", cwd=demo.root)

    assert outcome.code == 0, outcome
    lines = outcome.out.splitlines()
    assert lines[0].startswith("26 question(s) changed from Kick-off workshop (")
    assert "scoping.ml-feasibility [changed]: Can the business problems be solved with ML, how?" in lines
    assert "    [-Probably: for each charger and day, predict whether a power-affecting fault follows" in lines
    data = json.loads(cli("diff", "kick-off-workshop", "re-scope-after-pilot", "--json", cwd=demo.root).out)
    streaming = next((c for c in data["changes"] if c["id"] == STREAMING), {"fields": []})
    assert "answer" not in streaming["fields"]  # changed in the audit, restored after the pilot
    since = cli("diff", "--json", cwd=demo.root)
    assert {c["id"] for c in json.loads(since.out)["changes"]} == {
        RETRAINING, "scoping.success-metrics", "deployment.deployment-process", "modeling.input-serving"
    }


def test_demo_has_a_restored_answer_and_settled_flags(demo: Project, cli) -> None:
    def versions(qid: str) -> list[dict]:
        outcome = cli("log", qid, "--json", cwd=demo.root)
        assert outcome.code == 0, outcome
        return json.loads(outcome.out)

    answers = [v["answer"] for v in versions(STREAMING)]
    assert answers[-1] == answers[0] and any(a != answers[0] for a in answers)  # back to the kick-off's wording
    assert [v["status"] for v in versions("data.data-format")][-2:] == ["needs-review", "agreed"]  # raised, settled
    assert [v["status"] for v in versions("modeling.input-serving")][-2:] == ["needs-review", "agreed"]
    assert demo.entry("data.privacy").status == "needs-review"  # still waiting for legal
