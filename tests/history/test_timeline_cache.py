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
    assert _git_commands(calls) == ["log"]  # every version was read by the first timeline
    assert cli(*argv, cwd=demo.root).out == first

    cli("answer", "data.data-source", "--text", "Only the chargers' own telemetry.", cwd=demo.root)
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert _git_commands(calls) == ["cat-file", "log"]  # the new version
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


def test_a_log_line_that_does_not_say_plainly_is_read_by_path() -> None:
    from mlreq.projects.logwalk import _blob_of

    a, b = "1" * 40, "2" * 40
    path = "answers/data.toml"
    assert _blob_of([f":100644 100644 {a} {b} M\t{path}"], path) == b
    assert _blob_of([f":100644 000000 {a} {'0' * 40} D\t{path}"], path) == ""  # gone at that commit
    for unclear in (
        [],  # no line (a merge, as older gits show it)
        [f"::100644 100644 100644 {a} {a} {b} MM\t{path}"],  # a combined merge line
        [f':100644 100644 {a} {b} M\t"answers/d\\303\\244ta.toml"'],  # a quoted name is not this path
        [f":160000 160000 {a} {b} M\t{path}"],  # a submodule
        [f":100644 100644 {a} {b} M\t{path}", f":100644 100644 {a} {b} M\t{path}"],  # said twice
    ):
        assert _blob_of(unclear, path) is None
