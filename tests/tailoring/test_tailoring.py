"""Tailoring the question set: each change one commit, answers never dropped."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mlreq.projects import Project

from helpers import commit_count, git


def form_ids(project_dir: Path) -> list[str]:
    return [q["id"] for q in tomllib.loads((project_dir / "form.toml").read_text())["questions"]]


def test_add_a_question_is_one_commit_with_an_open_entry(cli, project_dir: Path) -> None:
    before = commit_count(project_dir)
    outcome = cli(
        "form", "add", "--stage", "Data", "--roles", "Data engineer,legal", "--text",
        "Which data quality checks run at ingestion?", "--depends-on", "data.data-source", cwd=project_dir,
    )
    assert outcome.code == 0, outcome
    qid = "data.which-data-quality-checks-run-at"
    assert qid in form_ids(project_dir)
    assert commit_count(project_dir) == before + 1
    assert git(project_dir, "log", "-1", "--format=%s").strip() == f"Form: add {qid}"
    project = Project.open(project_dir)
    question = project.form.question(qid)
    assert question.origin == "mlreq" and question.roles == ("data-engineer", "legal-team")
    assert project.form.questions_in("data")[-1].id == qid  # at the end of its stage
    assert f'["{qid}"]' in (project_dir / "answers/data.toml").read_text()
    assert "data.data-source" in question.depends_on
    assert git(project_dir, "status", "--porcelain").strip() == ""


def test_reword_reorder_and_add_role(cli, project_dir: Path) -> None:
    assert cli("form", "reword", "scoping.resources", "--text", "What resources are needed, and when?", cwd=project_dir).code == 0
    assert cli("form", "move", "scoping.resources", "--before", "scoping.business-problems", cwd=project_dir).code == 0
    assert cli("form", "add-role", "Safety officer", cwd=project_dir).code == 0
    project = Project.open(project_dir)
    assert project.form.questions[0].id == "scoping.resources"
    assert project.form.questions[0].text == "What resources are needed, and when?"
    assert project.form.find_role("safety officer") is not None
    assert "# thesis line" in (project_dir / "form.toml").read_text()  # comments survive


def test_removing_a_question_keeps_its_answer_and_history(cli, project_dir: Path) -> None:
    cli("answer", "scoping.resources", "--text", "Two data engineers for a quarter", cwd=project_dir)
    outcome = cli("form", "remove", "scoping.resources", cwd=project_dir)
    assert outcome.code == 0, outcome
    assert "scoping.resources" not in form_ids(project_dir)
    project = Project.open(project_dir)
    assert project.entries()["scoping.resources"].answer == "Two data engineers for a quarter"
    status = cli("status", cwd=project_dir)
    assert "scoping.resources" in status.out and "no longer in the form" in status.out
    assert "Two data engineers" in git(project_dir, "show", "HEAD:answers/scoping.toml")


def test_removing_a_question_others_depend_on_is_refused_naming_them(cli, project_dir: Path) -> None:
    before = (project_dir / "form.toml").read_bytes()
    outcome = cli("form", "remove", "data.data-source", cwd=project_dir)
    assert outcome.code == 2
    assert "data.data-format" in outcome.err and "--force" in outcome.err
    assert (project_dir / "form.toml").read_bytes() == before
    forced = cli("form", "remove", "data.data-source", "--force", cwd=project_dir)
    assert forced.code == 0
    assert "data.data-source" not in Project.open(project_dir).form.question("data.data-format").depends_on


def test_a_dependency_cycle_is_refused_and_nothing_written(cli, project_dir: Path) -> None:
    before = (project_dir / "form.toml").read_bytes()
    outcome = cli("form", "depend", "data.data-source", "--on", "data.data-format", cwd=project_dir)
    assert outcome.code == 2
    assert "dependency cycle" in outcome.err and "data.data-source" in outcome.err
    assert (project_dir / "form.toml").read_bytes() == before


def test_a_dependency_on_an_unknown_question_is_refused(cli, project_dir: Path) -> None:
    outcome = cli("form", "depend", "data.data-source", "--on", "data.nowhere", cwd=project_dir)
    assert outcome.code == 2 and "unknown question 'data.nowhere'" in outcome.err


def test_optional_questions_are_listed_and_switched_on(cli, project_dir: Path) -> None:
    listing = cli("form", "optional", cwd=project_dir)
    assert "[off] data.data-leakage" in listing.out
    assert cli("form", "optional", "data.data-leakage", cwd=project_dir).code == 0
    question = Project.open(project_dir).form.question("data.data-leakage")
    assert question is not None and question.origin == "mlreq"
    assert "[on ] data.data-leakage" in cli("form", "optional", cwd=project_dir).out


def test_a_saved_template_starts_a_new_project(cli, project_dir: Path, tmp_path: Path) -> None:
    cli("form", "optional", "data.data-errors", cwd=project_dir)
    template = tmp_path / "acme-form.toml"
    assert cli("form", "save-as", str(template), cwd=project_dir).code == 0
    assert cli("new", str(tmp_path / "second"), "--form", str(template)).code == 0
    assert Project.open(tmp_path / "second").form.question("data.data-errors") is not None
    diff = cli("form", "diff", "v3", str(template), cwd=project_dir)
    assert "added" in diff.out and "data.data-errors" in diff.out


def test_form_diff_shows_the_thesis_evolution(cli, project_dir: Path) -> None:
    outcome = cli("form", "diff", "v2", "v3", cwd=project_dir)
    assert outcome.code == 0
    for added in ("scoping.budget-limit", "data.labelers", "data.streaming-frequency"):
        assert f"added        {added}" in outcome.out
    assert "reworded     data.labeling-guidelines" in outcome.out
    v1 = cli("form", "diff", "v1", "v2", cwd=project_dir)
    assert "removed      scoping.business-problems-ai" in v1.out


def test_upgrade_shows_changes_first_and_keeps_orphaned_answers(cli, tmp_path: Path) -> None:
    assert cli("new", str(tmp_path / "old"), "--form", "v1").code == 0
    project_dir = tmp_path / "old"
    cli("answer", "scoping.business-problems-ai", "--text", "Predict charger faults; yes, with ML", cwd=project_dir)
    dry = cli("form", "upgrade", "v3", cwd=project_dir)
    assert dry.code == 0 and "repeat with --yes" in dry.out
    assert "scoping.business-problems-ai" in form_ids(project_dir)  # nothing done yet
    applied = cli("form", "upgrade", "v3", "--yes", cwd=project_dir)
    assert applied.code == 0, applied
    assert "Answers kept as orphans" in applied.out
    project = Project.open(project_dir)
    assert len(project.form.questions) == 37
    assert project.entries()["scoping.business-problems-ai"].answer == "Predict charger faults; yes, with ML"
    assert project.entry("scoping.budget-limit").status == "open"  # new questions get entries
    assert git(project_dir, "status", "--porcelain").strip() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("form", "add", "--stage", "Testing", "--roles", "Data scientist", "--text", "x?"), "unknown stage"),
        (("form", "add", "--stage", "Data", "--roles", "Astronaut", "--text", "x?"), "unknown role"),
        (("form", "reword", "data.data-sorce", "--text", "x?"), "did you mean data.data-source"),
        (("form", "move", "data.data-source", "--before", "scoping.end-user"), "different stages"),
        (("form", "optional", "data.nothing"), "no optional question"),
    ],
)
def test_bad_tailoring_input_is_one_clear_line(cli, project_dir: Path, args: tuple[str, ...], message: str) -> None:
    before = (project_dir / "form.toml").read_bytes()
    outcome = cli(*args, cwd=project_dir)
    assert outcome.code == 2
    assert message in outcome.err
    assert (project_dir / "form.toml").read_bytes() == before
