"""A timeline keeps each version it read by its blob id (`projects/timelinecache.py`, in the
user's cache folder): the next one asks git only for versions it has not read, shows the
same, says a broken hand-made version again, and never keeps bytes under an id they do
not hash to (git serves a planted object without checking it)."""

from __future__ import annotations

import zlib
from pathlib import Path

from mlreq.projects import Project
from mlreq.projects.history import History
from test_cli_startup import _run_logging_git

from .conftest import UI, git, save


def _git_commands(calls: list[str]) -> list[str]:
    return sorted(call.split(" ")[0] for call in calls if call.startswith(("cat-file", "log")))


def test_a_second_timeline_asks_git_only_for_the_versions_it_has_not_read(cli, demo: Project, tmp_path: Path) -> None:
    argv = ["log", "data.data-source"]
    first = cli(*argv, cwd=demo.root).out
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert _git_commands(calls) == ["cat-file", "log"]  # the walk and the blob ids: every version was read by the first timeline
    assert cli(*argv, cwd=demo.root).out == first

    cli("answer", "data.data-source", "--text", "Only the chargers' own telemetry.", cwd=demo.root)
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert _git_commands(calls) == ["cat-file", "cat-file", "log"]  # and the new version
    assert cli(*argv, cwd=demo.root).out.endswith("    Only the chargers' own telemetry.\n")


def test_a_broken_hand_made_version_is_said_every_time(project_dir: Path) -> None:
    project = Project.open(project_dir)
    save(project, UI, "typed in mlreq")
    path = project_dir / "answers" / "scoping.toml"
    good = path.read_text()
    path.write_text(good.replace('"typed in mlreq"', '"edited in an editor"') + "broken = [\n")
    git(project_dir, "commit", "-qam", "Broken by hand")
    path.write_text(good.replace('"typed in mlreq"', '"fixed by hand"'))
    git(project_dir, "commit", "-qam", "Fixed by hand")

    seen = []
    for _ in range(2):  # read from git, then from what the first timeline kept
        problems: list[str] = []
        versions = History(Project.open(project_dir)).timeline(UI, problems=problems)
        seen.append(([v.entry.answer for v in versions], problems))
    assert seen[0] == seen[1]
    assert seen[0][0] == ["typed in mlreq", "fixed by hand"]
    assert len(seen[0][1]) == 1 and "answers/scoping.toml" in seen[0][1][0] and seen[0][1][0].endswith("; skipped")


def test_bytes_git_serves_under_another_id_are_not_kept(project_dir: Path) -> None:
    project = Project.open(project_dir)
    save(project, UI, "the real answer")
    blob = git(project_dir, "rev-parse", "HEAD:answers/scoping.toml").strip()
    loose = project_dir / ".git" / "objects" / blob[:2] / blob[2:]
    real = loose.read_bytes()
    text = (project_dir / "answers" / "scoping.toml").read_text().replace("the real answer", "a planted answer").encode()
    loose.chmod(0o644)
    loose.write_bytes(zlib.compress(b"blob %d\0" % len(text) + text))  # what a hostile repository can hold

    planted = History(Project.open(project_dir)).timeline(UI)
    loose.write_bytes(real)
    shown = History(Project.open(project_dir)).timeline(UI)

    assert [v.entry.answer for v in planted] == ["a planted answer"]  # git's answer, as before
    assert [v.entry.answer for v in shown] == ["the real answer"]  # not remembered under the real id


def test_commits_without_the_file_are_no_versions(project_dir: Path) -> None:
    # The stage file removed by hand, then a folder of that name, then the file back: the
    # blob-id lookup names no blob at those commits, so they are no versions, and nothing
    # else (the folder's tree) is read as the answer file.
    project = Project.open(project_dir)
    save(project, UI, "before the removal")
    path = project_dir / "answers" / "scoping.toml"
    kept = path.read_text()
    git(project_dir, "rm", "-q", "answers/scoping.toml")
    git(project_dir, "commit", "-qm", "Removed by hand")
    path.mkdir()
    (path / "inside.txt").write_text("not an answer file\n")
    git(project_dir, "add", "answers/scoping.toml/inside.txt")
    git(project_dir, "commit", "-qm", "A folder where the file was")
    git(project_dir, "rm", "-rq", "answers/scoping.toml")
    path.write_text(kept.replace("before the removal", "after the removal"))
    git(project_dir, "add", "answers/scoping.toml")
    git(project_dir, "commit", "-qm", "Back by hand")

    versions = History(Project.open(project_dir)).timeline(UI)
    assert [v.entry.answer for v in versions] == ["before the removal", "after the removal"]
