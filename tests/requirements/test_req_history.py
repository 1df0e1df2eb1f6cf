"""Requirements in the history (issue 13 item 7): `mlreq diff` (text, JSON, md/html reports)
shows requirements added, changed (word-level, grouped) and retired between two iterations;
`mlreq log` names requirement commits; `mlreq log REQ-001` is one requirement's timeline.
Real git throughout: the requirements are written, edited and retired through the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlreq.projects import Project
from mlreq.projects.history import History
from mlreq.projects.reqhistory import DISK, requirements_diff

from helpers import assert_one_line_error, git

SOURCE = "data.data-source"  # data stage
OTHER = "scoping.resources"  # scoping stage


@dataclass
class Evolved:
    path: Path
    kickoff: str
    review: str


def run(cli, project_dir: Path, *argv: str) -> str:
    outcome = cli(*argv, "--project", project_dir)
    assert outcome.code == 0, outcome
    return outcome.out


@pytest.fixture
def evolved(cli, project_dir: Path) -> Evolved:
    """Kick-off: REQ-001 and REQ-002 as drafts. Review: REQ-001 edited (text, criteria,
    status), REQ-002 retired, REQ-003 added, then flagged needs-review by a change to its question's answer."""
    run(cli, project_dir, "answer", SOURCE, "--text", "OCPP logs from the operator")
    run(cli, project_dir, "req", "new", "--from", SOURCE, "--text", "The system shall keep charger logs for 2 years.",
        "--criterion", "a log from 700 days ago can be read")
    run(cli, project_dir, "req", "new", "--from", OTHER, "--text", "The system shall train on 2 GPUs.")
    run(cli, project_dir, "answer", OTHER, "--text", "One data engineer")
    run(cli, project_dir, "iteration", "new", "Kick-off")
    kickoff = git(project_dir, "rev-parse", "HEAD").strip()
    run(cli, project_dir, "req", "edit", "REQ-001", "--text", "The system shall keep raw charger logs for 3 years.",
        "--criterion", "a log from 1,000 days ago can be read", "--criterion", "<b>no</b> log is lost", "--status", "agreed")
    run(cli, project_dir, "req", "retire", "REQ-002")
    run(cli, project_dir, "req", "new", "--from", OTHER, "--text", "The system shall train within 4 hours.", "--priority", "high")
    run(cli, project_dir, "answer", OTHER, "--text", "Two data engineers")
    run(cli, project_dir, "iteration", "new", "Review")
    return Evolved(project_dir, kickoff, git(project_dir, "rev-parse", "HEAD").strip())


def test_diff_between_iterations_shows_added_changed_and_retired_requirements(cli, evolved: Evolved) -> None:
    project = Project.open(evolved.path)
    found = requirements_diff(project, evolved.kickoff, evolved.review)
    assert [(c.requirement_id, c.kind) for c in found.changes] == [("REQ-001", "changed"), ("REQ-002", "retired"), ("REQ-003", "added")]
    edited = found.changes[0]
    assert [f.field for f in edited.fields] == ["text", "status", "criteria"]
    words = [(w.op, w.text) for w in edited.field("text").words()]
    assert words == [("equal", "The system shall keep "), ("insert", "raw "), ("equal", "charger logs for "),
                     ("delete", "2"), ("insert", "3"), ("equal", " years.")]
    assert edited.field("criteria").new == "a log from 1,000 days ago can be read\n<b>no</b> log is lost"
    assert [(f.field, f.old, f.new) for f in found.changes[1].fields] == [("status", "draft", "retired")]
    assert requirements_diff(project, evolved.review, DISK).changes == ()  # nothing since: the blob ids match

    data = json.loads(run(cli, evolved.path, "diff", "Kick-off", "Review", "--json"))
    assert [c["id"] for c in data["changes"]] == [OTHER]  # the answers' part is as it was
    part = data["requirements"]
    assert part["errors"] == [] and [(c["id"], c["kind"]) for c in part["changes"]] == [("REQ-001", "changed"), ("REQ-002", "retired"), ("REQ-003", "added")]
    assert part["changes"][0]["fields"]["status"] == {"old": "draft", "new": "agreed", "words": [["delete", "draft"], ["insert", "agreed"]]}
    assert part["changes"][2]["fields"]["priority"]["new"] == "high" and part["changes"][2]["from"] == [OTHER]

    text = run(cli, evolved.path, "diff", "Kick-off", "Review")
    assert "3 requirements changed (1 added, 1 retired)" in text
    assert "REQ-001 [changed]: The system shall keep raw charger logs for 3 years.\n  text:\n    The system shall keep {+raw +}charger logs for [-2-]{+3+} years.\n  status: draft -> agreed" in text
    assert "REQ-002 [retired]: The system shall train on 2 GPUs.\n  status: draft -> retired" in text
    assert "REQ-003 [added]: The system shall train within 4 hours.\n  needs-review, ubiquitous, high priority, from scoping.resources" in text
    scoping = run(cli, evolved.path, "diff", "Kick-off", "Review", "--stage", "Scoping")
    assert "REQ-002" in scoping and "REQ-001" not in scoping  # written from a data question

    markdown = run(cli, evolved.path, "diff", "Kick-off", "Review", "--format", "md")
    assert "; 3 requirements changed \\(1 added, 1 retired\\)\\." in markdown and "## Requirements (3 changed)" in markdown
    assert "Status: **needs\\-review** · Pattern: **ubiquitous** · Priority: **high** · Owner: **Product owner**" in markdown
    assert "### REQ\\-002: The system shall train on 2 GPUs\\." in markdown and "Status: draft → **retired**" in markdown
    assert "*retired* · written from scoping\\.resources · changed by " in markdown
    html = run(cli, evolved.path, "diff", "Kick-off", "Review", "--format", "html")
    assert '<section id="requirements"><h2>Requirements (3 changed)</h2>' in html and '<article id="r-REQ-003">' in html
    assert "&lt;b&gt;no&lt;/b&gt; log is lost" in html and "<b>no</b>" not in html  # escaped, never markup


def test_log_names_requirement_commits_and_shows_one_requirements_timeline(cli, evolved: Evolved) -> None:
    saves = [s for g in json.loads(run(cli, evolved.path, "log", "--json")) for s in g["saves"]]
    by_subject: dict = {}
    for save in saves:  # newest first: the latest save of each subject
        by_subject.setdefault(save["subject"], save)
    assert by_subject["Retire requirement REQ-002"]["requirements"] == ["REQ-002"]
    assert by_subject["Retire requirement REQ-002"]["questions"] == []
    assert by_subject[f"Answer {OTHER}"]["requirements"] == ["REQ-003"]  # the answer's commit flagged it
    assert by_subject[f"Answer {SOURCE}"]["requirements"] == []
    assert [s["requirements"] for s in saves if s["requirements"]] == [["REQ-003"], ["REQ-003"], ["REQ-002"], ["REQ-001"], ["REQ-002"], ["REQ-001"]]
    assert History(Project.open(evolved.path)).log()[0].requirements == ("REQ-003",)

    listed = run(cli, evolved.path, "log")
    assert f"Answer {OTHER}  (requirements flagged: REQ-003)" in listed and "Retire requirement REQ-002\n" in listed

    timeline = run(cli, evolved.path, "log", "req-001")
    assert timeline.startswith("REQ-001 (2 versions, oldest first)")
    assert "[draft]" in timeline and "[agreed]" in timeline and "    - <b>no</b> log is lost" in timeline
    versions = json.loads(run(cli, evolved.path, "log", "REQ-001", "--json"))
    assert [v["text"] for v in versions] == ["The system shall keep charger logs for 2 years.", "The system shall keep raw charger logs for 3 years."]
    assert versions[1]["subject"] == "Edit requirement REQ-001: text, criteria, status"
    assert "no saved version of REQ-009" in assert_one_line_error(cli("log", "REQ-009", "--project", evolved.path), 2)


def test_a_hand_edit_on_disk_shows_and_a_broken_file_is_said_not_compared(cli, evolved: Evolved) -> None:
    path = evolved.path / "requirements.toml"
    path.write_text(path.read_text("utf-8").replace("train within 4 hours", "train within 2 hours"), "utf-8")
    text = run(cli, evolved.path, "diff", "Review")  # to now: the file on disk, not committed
    assert "1 requirement changed\n" in text and "within [-4-]{+2+} hours" in text
    path.write_text("last_id = [\n", "utf-8")
    data = json.loads(run(cli, evolved.path, "diff", "Review", "--json"))
    [error] = data["requirements"]["errors"]
    assert error.startswith("requirements.toml:") and error.endswith("; requirements not compared")
    assert data["requirements"]["changes"] == []
    path.unlink()
    path.symlink_to(evolved.path / "mlreq.toml")  # never read through a link: said, the rest goes on
    data = json.loads(run(cli, evolved.path, "diff", "Review", "--json"))
    [error] = data["requirements"]["errors"]
    assert "link" in error and error.endswith("; requirements not compared") and data["changes"] == []
