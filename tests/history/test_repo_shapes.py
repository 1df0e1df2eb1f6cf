"""History where the repository is not just the project: a subfolder of a larger
repository, two projects in one repository, and a shallow clone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlreq.projects import Project, create_project
from mlreq.projects.history import History

from .conftest import OWNERSHIP, RESOURCES, UI, assert_one_line_error, console, git, head, save


def _code_commit(repo: Path, name: str, text: str) -> str:
    path = repo / "src" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    git(repo, "add", "src")
    git(repo, "commit", "-qm", f"Change {name}")
    return head(repo)


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A code repository with a commit of its own, before any project lives in it."""
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("The model's code\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "Start the code")
    return repo


def _saves_in_log(cli, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    data = json.loads(cli("log", "--json", cwd=path).out)
    return [s["commit"] for group in data for s in group["saves"]]


def test_only_the_projects_commits_are_in_its_log(cli, monorepo):
    project, created = create_project(monorepo / "requirements", name="Reqs")
    _code_commit(monorepo, "train.py", "v1")
    s1 = save(project, UI, "answer one")
    _code_commit(monorepo, "train.py", "v2")
    s2 = save(project, OWNERSHIP, "answer two")
    code = _code_commit(monorepo, "serve.py", "v1")

    assert _saves_in_log(cli, project.root) == [s2, s1, created.commit]
    assert code not in cli("log", cwd=project.root).out
    assert "Change train.py" not in cli("log", cwd=project.root).out
    assert [v.commit for v in History(project).timeline(UI)] == [s1]
    # and from the repository's root, pointing at the project
    assert _saves_in_log(cli, monorepo / "requirements") == [s2, s1, created.commit]


def test_iteration_after_a_code_commit_marks_the_projects_last_save(cli, monorepo):
    project, _ = create_project(monorepo / "requirements", name="Reqs")
    s1 = save(project, UI, "answer one")
    _code_commit(monorepo, "train.py", "v1")  # HEAD is now a commit the project's log never shows

    outcome = cli("iteration", "new", "Kick-off", cwd=project.root)

    assert outcome.code == 0, outcome
    tag = "iteration/requirements/kick-off"
    assert git(monorepo, "tag", "--list").split() == [tag]
    assert git(monorepo, "cat-file", "-t", tag).strip() == "tag"
    assert git(monorepo, "rev-parse", f"{tag}^{{commit}}").strip() == s1
    groups = History(project).grouped_log()
    assert [g.iteration.name if g.iteration else None for g in groups] == [None, "Kick-off"]
    assert [e.commit for e in groups[1].entries][0] == s1
    s2 = save(project, RESOURCES, "answer two")
    assert [e.commit for e in History(project).grouped_log()[0].entries] == [s2]
    assert "Since the last iteration: 1 saves" in cli("log", cwd=project.root).out
    assert [c["id"] for c in json.loads(cli("diff", "--json", cwd=project.root).out)["changes"]] == [RESOURCES]


def test_two_projects_in_one_repository_keep_their_iterations_apart(cli, monorepo):
    first, _ = create_project(monorepo / "team-a", name="A")
    second, _ = create_project(monorepo / "nested" / "team-b", name="B")
    a1 = save(first, UI, "a's answer")
    b1 = save(second, UI, "b's answer")
    assert cli("iteration", "new", "Kick-off", "-m", "A's workshop", cwd=first.root).code == 0
    assert cli("iteration", "new", "Kick-off", "-m", "B's workshop", cwd=second.root).code == 0
    assert cli("iteration", "new", "Only B", cwd=second.root).code == 0

    assert sorted(git(monorepo, "tag", "--list").split()) == [
        "iteration/nested-team-b/kick-off",
        "iteration/nested-team-b/only-b",
        "iteration/team-a/kick-off",
    ]
    listed_a = json.loads(cli("iteration", "list", "--json", cwd=first.root).out)
    listed_b = json.loads(cli("iteration", "list", "--json", cwd=second.root).out)
    assert [(i["name"], i["note"], i["commit"]) for i in listed_a] == [("Kick-off", "A's workshop", a1)]
    assert [(i["name"], i["commit"]) for i in listed_b] == [("Kick-off", b1), ("Only B", b1)]
    assert History(first).resolve("Kick-off") == a1
    assert History(second).resolve("Kick-off") == b1
    line = assert_one_line_error(cli("diff", "Only B", cwd=first.root), 2)
    assert "'Only B'" in line and "(iterations: 'Kick-off')" in line
    assert b1 not in _saves_in_log(cli, first.root)
    assert a1 not in _saves_in_log(cli, second.root)


def test_project_in_a_non_ascii_folder_gets_a_valid_tag_namespace(cli, monorepo):
    project, _ = create_project(monorepo / "要件", name="Youken")
    save(project, UI, "answer")

    outcome = cli("iteration", "new", "Kick-off", cwd=project.root)

    assert outcome.code == 0, outcome
    [tag] = git(monorepo, "tag", "--list").split()
    assert tag.startswith("iteration/project-") and tag.endswith("/kick-off")
    assert subprocess.run(["git", "check-ref-format", f"refs/tags/{tag}"]).returncode == 0
    assert [i.name for i in History(Project.open(project.root)).iterations()] == ["Kick-off"]
    other, _ = create_project(monorepo / "要求", name="Other")
    assert History(other).iterations() == []  # another non-ASCII folder, another namespace


# ---------------------------------------------------------------------------- shallow clone


@pytest.fixture
def shallow(project_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Six saves with "Early" after the 2nd and "Late" after the 5th, cloned with --depth 3."""
    project = Project.open(project_dir)
    history = History(project)
    saves = []
    for n in range(1, 7):
        saves.append(save(project, UI, f"version {n}"))
        if n == 2:
            history.create_iteration("Early")
        if n == 5:
            history.create_iteration("Late")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{project_dir}", str(clone))
    assert (clone / ".git" / "shallow").exists()
    from mlreq.projects.gitrepo import GitRepo
    from mlreq.projects.mergedriver import configure_merge_driver

    configure_merge_driver(GitRepo(clone))  # as mlreq's first command would (it says so on stderr)
    return clone, saves


def test_log_and_timeline_work_in_a_shallow_clone(cli, shallow):
    clone, saves = shallow

    outcome = cli("log", "--json", cwd=clone)

    assert outcome.code == 0, outcome
    groups = json.loads(outcome.out)
    assert [g["iteration"] and g["iteration"]["name"] for g in groups] == [None, "Late"]
    assert [[s["commit"] for s in g["saves"]] for g in groups] == [[saves[5]], [saves[4], saves[3]]]
    versions = History(Project.open(clone)).timeline(UI)
    assert [v.entry.answer for v in versions] == ["version 4", "version 5", "version 6"]
    assert cli("diff", "Late", cwd=clone).code == 0


@pytest.mark.parametrize(
    "argv",
    [("diff", "Early"), ("diff", "Early", "Late"), ("export", "--at", "Early"), ("answer", UI, "--from", "Early")],
    ids=" ".join,
)
def test_iteration_outside_the_shallow_history_is_a_clear_error(cli, shallow, argv):
    clone, _ = shallow

    line = assert_one_line_error(cli(*argv, cwd=clone), 2)

    assert "unknown revision or iteration 'Early'" in line
    assert "shallow clone" in line and "git fetch --unshallow" in line


def test_commit_outside_the_shallow_history_is_a_clear_error(cli, shallow):
    clone, saves = shallow

    line = assert_one_line_error(cli("diff", saves[0], cwd=clone), 2)

    assert saves[0] in line and "shallow clone" in line


def test_shallow_clone_error_through_the_console_script(shallow):
    clone, _ = shallow

    outcome = console("diff", "Early", cwd=clone)

    line = assert_one_line_error(outcome, 2)
    assert "'Early'" in line and "shallow clone" in line
    assert console("log", cwd=clone).code == 0


def test_a_project_in_a_folder_with_a_non_ascii_name_diffs_between_iterations(cli, monorepo):
    # git quotes such paths in its listings; the diff read them as missing ("form.toml: missing")
    project, _ = create_project(monorepo / "Anforderungen für Ladesäulen", name="Reqs")
    save(project, UI, "first words")
    History(project).create_iteration("Kick-off")
    save(project, UI, "second words")

    shown = cli("diff", "Kick-off", "now", cwd=project.root).out

    assert "warning" not in shown and "missing" not in shown, shown
    assert "1 question(s) changed" in shown and "[-first-]{+second+} words" in shown, shown
