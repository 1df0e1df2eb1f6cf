"""Change impact: an upstream change flags exactly its answered direct dependents; those
further down are reported as "may be affected", never flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlreq.bank.errors import BankError
from mlreq.bank import load_form
from mlreq.projects import Project, create_project
from mlreq.projects.status import project_status

from helpers import git, trailers_of

FORM = """\
schema = 1
[form]
id = "chain"
title = "Dependency test form"
version = "1"
[[stages]]
id = "data"
name = "Data"
[[stages]]
id = "deployment"
name = "Deployment"
[[roles]]
id = "data-scientist"
name = "Data scientist"
[[questions]]
id = "data.source"
stage = "data"
roles = ["data-scientist"]
text = "Where does the data come from?"
[questions.mlreq]
priority = "high"
impact = "Nothing downstream can be planned."
[[questions]]
id = "data.format"
stage = "data"
roles = ["data-scientist"]
text = "What data format will be used?"
[questions.mlreq]
depends_on = ["data.source"]
priority = "low"
[[questions]]
id = "deployment.input-metrics"
stage = "deployment"
roles = ["data-scientist"]
text = "Which input metrics are important to monitor?"
[questions.mlreq]
depends_on = ["data.format"]
priority = "high"
impact = "Data drift (P1) goes unnoticed."
[[questions]]
id = "deployment.unrelated"
stage = "deployment"
roles = ["data-scientist"]
text = "Are there any specific performance requirements?"
[questions.mlreq]
priority = "medium"
"""


@pytest.fixture
def chain(tmp_path: Path) -> Project:
    form = tmp_path / "chain.toml"
    form.write_text(FORM)
    project, result = create_project(tmp_path / "proj", form=str(form))
    assert result.ok
    for qid in ("data.source", "data.format", "deployment.input-metrics", "deployment.unrelated"):
        project.save(qid, answer=f"first answer to {qid}")
    return project


def test_an_upstream_change_flags_exactly_the_answered_direct_dependents(chain: Project) -> None:
    result = chain.save("data.source", answer="A second data set, bought from Nordlys")
    assert result.flagged == ("data.format",)
    assert result.may_be_affected == ("deployment.input-metrics",)
    reopened = Project.open(chain.root)  # survives a restart: it is in the files and in git
    assert reopened.entry("data.format").status == "needs-review"
    assert "data.source changed (Test Person" in reopened.entry("data.format").review
    assert reopened.entry("deployment.input-metrics").status == "draft"  # further down: not flagged
    assert reopened.entry("deployment.unrelated").status == "draft"
    assert reopened.entry("data.source").status == "draft"
    assert set(trailers_of(chain.root)) == {"data.source", "data.format"}
    subject = git(chain.root, "log", "-1", "--format=%s").strip()
    assert subject == "Answer data.source"
    assert "review" in (chain.root / "answers/data.toml").read_text()
    assert "review =" not in (chain.root / "answers/deployment.toml").read_text()
    assert git(chain.root, "status", "--porcelain", "--", ".").strip() == ""


def test_unanswered_dependents_are_not_flagged(tmp_path: Path) -> None:
    form = tmp_path / "chain.toml"
    form.write_text(FORM)
    project, _ = create_project(tmp_path / "proj", form=str(form))
    project.save("data.source", answer="one")
    result = project.save("data.source", answer="two")
    assert result.flagged == ()
    assert project.entry("data.format").status == "open"


def test_confirming_or_editing_clears_the_flag(chain: Project) -> None:
    chain.save("data.source", answer="changed")
    chain.save("data.format", status="agreed")  # "still holds"
    confirmed = Project.open(chain.root).entry("data.format")
    assert (confirmed.status, confirmed.review) == ("agreed", "")
    assert "review =" not in (chain.root / "answers/data.toml").read_text()
    chain.save("deployment.input-metrics", answer="feature ranges and schema checks")
    edited = Project.open(chain.root).entry("deployment.input-metrics")
    assert (edited.status, edited.review) == ("draft", "")


def test_a_hand_edit_upstream_flags_dependents_on_the_next_commit(chain: Project) -> None:
    path = chain.root / "answers/data.toml"
    path.write_text(path.read_text().replace("first answer to data.source", "edited in vim"))
    result = Project.open(chain.root).commit_pending()
    assert result.flagged == ("data.format",)
    assert "data.source" in trailers_of(chain.root)


def test_status_ranks_open_questions_by_priority(tmp_path: Path) -> None:
    form = tmp_path / "chain.toml"
    form.write_text(FORM)
    project, _ = create_project(tmp_path / "proj", form=str(form))
    ranked = [q.id for q in project_status(project).open_questions]
    assert ranked == ["data.source", "deployment.input-metrics", "deployment.unrelated", "data.format"]


def test_impact_command_lists_what_a_change_would_affect(chain: Project, cli) -> None:
    outcome = cli("impact", "data.source", "--project", str(chain.root))
    assert outcome.code == 0
    assert "would flag 1 answered question(s) that build on it directly; 1 further down may be affected" in outcome.out
    lines = outcome.out.splitlines()
    assert any(line.split()[:2] == ["flag", "data.format"] for line in lines)
    assert any(line.split()[:2] == ["may", "deployment.input-metrics"] for line in lines)
    assert "deployment.unrelated" not in outcome.out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('depends_on = ["data.format"]\npriority = "high"\nimpact = "Nothing', "dependency cycle"),
        ('depends_on = ["data.nowhere"]\npriority = "high"\nimpact = "Nothing', "unknown question 'data.nowhere'"),
    ],
)
def test_cycles_and_unknown_dependencies_are_refused(tmp_path: Path, edit: str, message: str) -> None:
    form = tmp_path / "bad.toml"
    form.write_text(FORM.replace('priority = "high"\nimpact = "Nothing', edit, 1))
    with pytest.raises(BankError, match=message):
        load_form(form)
