"""`mlreq new`: a project is its own repository, or a subfolder that leaves the user's work alone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from helpers import (
    TEST_EMAIL,
    TEST_NAME,
    assert_fsck_clean,
    assert_one_line_error,
    commit_count,
    console,
    files_in_commit,
    git,
)

PROJECT_FILES = [
    ".gitattributes",  # answers merge by question (mlreq's merge driver)
    ".gitignore",
    "answers/data.toml",
    "answers/deployment.toml",
    "answers/modeling.toml",
    "answers/scoping.toml",
    "form.toml",
    "mlreq.toml",
]
V3 = Path(__file__).resolve().parents[1] / "bank" / "data" / "forms" / "v3.toml"


def test_new_creates_its_own_repository_with_one_commit(cli, tmp_path):
    target = tmp_path / "charger"
    outcome = cli("new", target, "--name", "Charger faults")

    assert outcome.code == 0, outcome
    assert "37 questions" in outcome.out
    assert (target / ".git").is_dir()
    assert commit_count(target) == 1
    assert git(target, "log", "-1", "--format=%s").strip() == 'Create requirements project "Charger faults"'
    assert git(target, "log", "-1", "--format=%an <%ae>").strip() == f"{TEST_NAME} <{TEST_EMAIL}>"
    assert files_in_commit(target) == PROJECT_FILES
    assert git(target, "status", "--porcelain") == ""  # .mlreq/ is ignored, nothing left over
    assert git(target, "branch", "--show-current").strip() == "main"
    # The project carries its own copy of the question set, byte for byte.
    assert (target / "form.toml").read_bytes() == V3.read_bytes()
    settings = tomllib.loads((target / "mlreq.toml").read_text())
    assert settings["project"]["name"] == "Charger faults"
    assert_fsck_clean(target)


def _surrounding_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "mlcode"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "train.py").write_text("print('train')\n")
    (repo / "model.py").write_text("print('model')\n")
    git(repo, "add", "train.py", "model.py")
    git(repo, "commit", "-q", "-m", "ML code")
    (repo / "model.py").write_text("print('model v2, staged')\n")
    (repo / "new_feature.py").write_text("print('new, staged')\n")
    git(repo, "add", "model.py", "new_feature.py")
    (repo / "train.py").write_text("print('train, modified, not staged')\n")
    (repo / "notes.txt").write_text("untracked\n")
    return repo


def test_new_inside_a_repository_is_a_subfolder_and_leaves_other_work_alone(cli, tmp_path):
    repo = _surrounding_repo(tmp_path)
    staged_before = git(repo, "diff", "--cached", "--name-only")
    staged_diff_before = git(repo, "diff", "--cached")
    unstaged_diff_before = git(repo, "diff")
    porcelain_before = git(repo, "status", "--porcelain")
    assert staged_before.split() == ["model.py", "new_feature.py"]

    outcome = cli("new", repo / "requirements", "--name", "Fraud model")
    assert outcome.code == 0, outcome

    assert not (repo / "requirements" / ".git").exists()  # a subfolder, not a nested repository
    assert commit_count(repo) == 2
    assert files_in_commit(repo) == [f"requirements/{f}" for f in PROJECT_FILES]
    assert git(repo, "diff", "--cached", "--name-only") == staged_before
    assert git(repo, "diff", "--cached") == staged_diff_before
    assert git(repo, "diff") == unstaged_diff_before
    assert git(repo, "status", "--porcelain") == porcelain_before

    outcome = cli("answer", "scoping.business-problems", "--text", "Detect fraud", cwd=repo / "requirements")
    assert outcome.code == 0, outcome
    assert commit_count(repo) == 3
    assert files_in_commit(repo) == ["requirements/answers/scoping.toml"]
    assert git(repo, "diff", "--cached", "--name-only") == staged_before
    assert git(repo, "diff", "--cached") == staged_diff_before
    assert git(repo, "diff") == unstaged_diff_before
    assert git(repo, "status", "--porcelain") == porcelain_before
    # The staged work is still what the user staged, not what HEAD has.
    assert git(repo, "show", ":model.py") == "print('model v2, staged')\n"
    assert git(repo, "show", "HEAD:model.py") == "print('model')\n"
    assert_fsck_clean(repo)


def test_new_in_a_code_repository_changes_only_mlreq_s_merge_driver_and_says_so(cli, tmp_path):
    """`pull.rebase` (and every other setting) of the user's repository stays as it was."""
    repo = _surrounding_repo(tmp_path)
    before = _local_config(repo)

    outcome = cli("new", repo / "requirements", "--name", "Fraud model")

    assert outcome.code == 0, outcome
    after = _local_config(repo)
    added = {key: value for key, value in after.items() if before.get(key) != value}
    assert sorted(added) == ["merge.mlreq.driver", "merge.mlreq.name"]
    assert all(after[key] == value for key, value in before.items())
    assert "pull.rebase" not in after
    assert "configured mlreq's merge driver (merge.mlreq.*" in outcome.out
    assert str(repo) in outcome.out and "no other git setting was changed" in outcome.out


def test_new_repository_of_its_own_merges_on_pull(cli, tmp_path):
    outcome = cli("new", tmp_path / "proj")

    assert outcome.code == 0, outcome
    assert _local_config(tmp_path / "proj")["pull.rebase"] == "false"  # mlreq's own repository
    assert "merge driver" not in outcome.out


def _local_config(repo: Path) -> dict[str, str]:
    lines = git(repo, "config", "--local", "--list").splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize("name", ["a/b", "..", "up..here", "bell\x07", "new\nline", "esc\x1b[31m", "back\\slash"])
def test_bad_project_name_is_refused_and_nothing_is_created(cli, tmp_path, name):
    target = tmp_path / "p"
    outcome = cli("new", target, "--name", name)

    line = assert_one_line_error(outcome, code=2)
    assert "project name" in line
    assert not target.exists()


def test_bad_project_name_through_console_script_is_one_visible_line(tmp_path):
    outcome = console("new", tmp_path / "p", "--name", "evil\x1b]2;PWNED\x07", cwd=tmp_path)

    line = assert_one_line_error(outcome, code=2)
    assert "\x1b" not in outcome.err and "\x07" not in outcome.err
    assert "project name" in line
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(("form", "count"), [("v1", 23), ("v2", 34), ("v3", 37)])
def test_builtin_form_versions(cli, tmp_path, form, count):
    target = tmp_path / form
    outcome = cli("new", target, "--form", form, "--name", f"On {form}")

    assert outcome.code == 0, outcome
    assert f"({count} questions)" in outcome.out
    copied = tomllib.loads((target / "form.toml").read_text())
    assert copied["form"]["id"] == form
    assert len(copied["questions"]) == count
    on_disk = {}
    for stage in copied["stages"]:
        on_disk.update(tomllib.loads((target / "answers" / f"{stage['id']}.toml").read_text()))
    assert list(on_disk) == sorted(on_disk, key=[q["id"] for q in copied["questions"]].index)
    assert len(on_disk) == count
    assert commit_count(target) == 1


def _broken_form(tmp_path: Path, kind: str) -> tuple[Path, str, str]:
    """A copy of v3 with one mistake; returns (file, question named, problem words)."""
    text = V3.read_text()
    if kind == "duplicate id":
        text = text.replace('id = "scoping.ml-feasibility"', 'id = "scoping.business-problems"', 1)
        question, problem = "scoping.business-problems", "duplicate id"
    elif kind == "unknown role":
        text = text.replace('roles = ["product-owner"]\nroles_as_printed = "Product owner"\ntext = "What are the metric', 'roles = ["chief-wizard"]\nroles_as_printed = "Product owner"\ntext = "What are the metric', 1)
        question, problem = "scoping.success-metrics", "unknown role 'chief-wizard'"
    elif kind == "unknown stage":
        text = text.replace('id = "scoping.resources"\nstage = "scoping"', 'id = "scoping.resources"\nstage = "monitoring"', 1)
        question, problem = "scoping.resources", "unknown stage 'monitoring'"
    elif kind == "missing text":
        text = text.replace('text = "Who is the end user?"\n', "", 1)
        question, problem = "scoping.end-user", "missing text"
    else:  # pragma: no cover
        raise AssertionError(kind)
    assert text != V3.read_text(), kind
    path = tmp_path / f"{kind.replace(' ', '-')}.toml"
    path.write_text(text)
    return path, question, problem


@pytest.mark.parametrize("kind", ["duplicate id", "unknown role", "unknown stage", "missing text"])
def test_broken_form_file_is_refused_naming_file_question_and_problem(cli, tmp_path, kind):
    form_file, question, problem = _broken_form(tmp_path, kind)
    target = tmp_path / "proj"

    outcome = cli("new", target, "--form", form_file)

    line = assert_one_line_error(outcome)
    assert str(form_file) in line
    assert repr(question) in line
    assert problem in line
    assert not target.exists()


def test_broken_form_file_through_console_script(tmp_path):
    form_file, question, _ = _broken_form(tmp_path, "unknown stage")

    outcome = console("new", tmp_path / "proj", "--form", form_file, cwd=tmp_path)

    line = assert_one_line_error(outcome)
    assert str(form_file) in line and question in line
    assert not (tmp_path / "proj").exists()


def test_new_refuses_an_existing_project_and_keeps_it(cli, project_dir):
    before = (project_dir / "mlreq.toml").read_bytes()

    outcome = cli("new", project_dir)

    line = assert_one_line_error(outcome)
    assert "already an mlreq project" in line
    assert (project_dir / "mlreq.toml").read_bytes() == before
    assert commit_count(project_dir) == 1
