"""`mlreq diff [FROM] [TO] [--stage S] [--role R] [--json]`: changes by question, word by word."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlreq.projects import Project, create_project
from mlreq.projects.history import History

from .conftest import (
    AUDIT,
    OWNERSHIP,
    RESOURCES,
    STORAGE,
    UI,
    assert_no_stray_files,
    assert_one_line_error,
    commit_count,
    console,
    git,
    head,
    save,
)

UI_WORDS = "A [-web-]{+mobile+} dashboard for field engineers."
OWNERSHIP_WORDS = "The [-operator-]{+vendor+} owns the telemetry data."


def _changed(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    """The question ids a text diff lists, in order."""
    return [
        line.split(" [", 1)[0] for line in outcome.out.splitlines()
        if " [" in line and not line.startswith((" ", "warning: "))
    ]


def _diff_json(cli, path: Path, *argv: str) -> dict:  # type: ignore[no-untyped-def]
    outcome = cli("diff", *argv, "--json", cwd=path)
    assert outcome.code == 0, outcome
    return json.loads(outcome.out)


# ---------------------------------------------------------------------------- what is listed


def test_diff_between_two_iterations_lists_exactly_the_changed_questions(cli, evolved):
    outcome = cli("diff", "Kick-off workshop", "Review 2", cwd=evolved.path)

    assert outcome.code == 0, outcome
    assert _changed(outcome) == [UI]
    assert outcome.out.splitlines()[0].startswith("1 question(s) changed from Kick-off workshop (")
    assert f"    {UI_WORDS}" in outcome.out.splitlines()
    assert "status" not in outcome.out  # draft before and after


def test_diff_default_is_the_last_iteration_to_now(cli, evolved):
    outcome = cli("diff", cwd=evolved.path)

    assert _changed(outcome) == [RESOURCES, OWNERSHIP]  # form order
    lines = outcome.out.splitlines()
    assert lines[0].startswith("2 question(s) changed from Review 2 (") and lines[0].endswith(" to now")
    assert "  status: open -> draft" in lines  # the new answer to RESOURCES
    assert "    {+Two data engineers for three months.+}" in lines
    assert f"    {OWNERSHIP_WORDS}" in lines


def test_diff_from_an_iteration_to_now_and_backwards(cli, evolved):
    forwards = cli("diff", "Kick-off workshop", cwd=evolved.path)
    assert _changed(forwards) == [RESOURCES, UI, OWNERSHIP]

    backwards = cli("diff", "Review 2", "Kick-off workshop", cwd=evolved.path)
    assert _changed(backwards) == [UI]
    assert "    A [-mobile-]{+web+} dashboard for field engineers." in backwards.out.splitlines()


def test_diff_between_commits_and_tags(cli, evolved):
    s1, s2, s3, s4, s5 = evolved.saves
    assert _changed(cli("diff", s3[:8], s5, cwd=evolved.path)) == [RESOURCES, OWNERSHIP]
    assert _changed(cli("diff", "iteration/kick-off-workshop", "HEAD~1", cwd=evolved.path)) == [RESOURCES, UI]
    assert _changed(cli("diff", "kick-off-workshop", "review-2", cwd=evolved.path)) == [UI]
    assert "0 question(s) changed" in cli("diff", s4, s4, cwd=evolved.path).out


def test_notes_and_status_changes_are_listed(cli, evolved):
    save(evolved.project, UI, status="agreed")
    save(evolved.project, AUDIT, notes="Ask the legal team first.")

    data = _diff_json(cli, evolved.path, "Review 2")

    by_id = {c["id"]: c for c in data["changes"]}
    assert list(by_id) == [RESOURCES, UI, OWNERSHIP, AUDIT]
    assert by_id[UI]["fields"] == {"status": {"old": "draft", "new": "agreed", "words": [["delete", "draft"], ["insert", "agreed"]]}}
    assert by_id[AUDIT]["fields"]["notes"]["new"] == "Ask the legal team first."
    assert "answer" not in by_id[AUDIT]["fields"]


def test_a_changed_sign_off_is_listed_by_role_name(cli, evolved, tmp_path):
    project = evolved.project
    one = project.save(STORAGE, answer="MLflow on the team server.", status="agreed", agreed_by=("data-scientist",)).commit
    two = project.save(STORAGE, status="agreed", agreed_by=("data-scientist", "it-architect")).commit
    assert one and two

    text = cli("diff", one, two, cwd=evolved.path)
    assert text.code == 0, text
    assert _changed(text) == [STORAGE]
    assert "  agreed by: Data scientist -> Data scientist, IT architect" in text.out.splitlines()
    [change] = _diff_json(cli, evolved.path, one, two)["changes"]
    assert list(change["fields"]) == ["agreed_by"]
    assert (change["fields"]["agreed_by"]["old"], change["fields"]["agreed_by"]["new"]) == ("Data scientist", "Data scientist, IT architect")
    report = tmp_path / "changes.md"
    assert cli("diff", one, two, "--format", "md", "--output", report, cwd=evolved.path).code == 0
    assert "Agreed by: Data scientist → **Data scientist, IT architect**" in report.read_text("utf-8")
    first = _diff_json(cli, evolved.path, evolved.saves[-1], one)["changes"][0]["fields"]
    assert first["agreed_by"] == {"old": "", "new": "Data scientist", "words": [["insert", "Data scientist"]]}


def test_diff_json_structure(cli, evolved):
    data = _diff_json(cli, evolved.path, "Kick-off workshop", "Review 2")

    assert set(data) == {"from", "to", "errors", "changes", "requirements"}
    assert data["requirements"] == {"errors": [], "changes": []}  # no requirements.toml at either end
    assert data["from"] == {"label": "Kick-off workshop", "commit": evolved.saves[1]}
    assert data["to"] == {"label": "Review 2", "commit": evolved.saves[2]}
    assert data["errors"] == []
    [change] = data["changes"]
    assert change == {
        "id": UI,
        "stage": "scoping",
        "question": evolved.project.question(UI).text,
        "kind": "changed",
        "old_question": None,
        "fields": {
            "answer": {
                "old": "A web dashboard for field engineers.",
                "new": "A mobile dashboard for field engineers.",
                "words": [["equal", "A "], ["delete", "web"], ["insert", "mobile"], ["equal", " dashboard for field engineers."]],
            }
        },
    }
    now = _diff_json(cli, evolved.path)
    assert now["to"] == {"label": "now", "commit": None}


def test_unsaved_edits_on_disk_count_as_now(cli, evolved):
    path = evolved.path / "answers" / "modeling.toml"
    path.write_text(path.read_text().replace('answer = ""', 'answer = "typed, not saved"', 1))

    data = _diff_json(cli, evolved.path, "HEAD")

    assert [c["id"] for c in data["changes"]] == ["modeling.baseline"]


# ---------------------------------------------------------------------------- not a change


def _reformat(path: Path) -> None:
    """Rewrite an answer file by hand: tables reversed, comments and blank lines added,
    keys reordered, literal strings where possible; the values stay the same."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    parts = ["# Rewritten by hand in an editor\n\n\n"]
    for qid in reversed(list(data)):
        parts.append(f"# --- {qid} ---\n[\"{qid}\"]   # trailing comment\n")
        for key in reversed(list(data[qid])):
            value = data[qid][key]
            literal = isinstance(value, str) and "'" not in value and "\n" not in value and value
            parts.append(f"{key} = '{value}'\n" if literal else f"{key} = {json.dumps(value, ensure_ascii=False)}\n")
        parts.append("\n\n")
    path.write_text("".join(parts), encoding="utf-8")


def test_reformatting_reordering_and_comments_are_not_changes(cli, evolved):
    for stage in ("scoping", "data"):
        _reformat(evolved.path / "answers" / f"{stage}.toml")
    form = evolved.path / "form.toml"
    form.write_text("# our copy of the question set\n\n" + form.read_text().replace("\n[[questions]]", "\n\n# --\n[[questions]]"))
    git(evolved.path, "commit", "-qam", "Reformat by hand")
    assert git(evolved.path, "diff", "--stat", "HEAD~1", "HEAD").strip()  # git sees many changed lines

    outcome = cli("diff", "HEAD~1", "HEAD", cwd=evolved.path)

    assert outcome.code == 0
    assert outcome.out.startswith("0 question(s) changed")
    assert _changed(cli("diff", "Review 2", "HEAD", cwd=evolved.path)) == [RESOURCES, OWNERSHIP]
    assert _changed(cli("diff", "Review 2", cwd=evolved.path)) == [RESOURCES, OWNERSHIP]  # the reformatted files on disk
    # and mlreq keeps saving into the reformatted file
    save(Project.open(evolved.path), UI, "A mobile app for field engineers.")
    assert _changed(cli("diff", "HEAD~1", "HEAD", cwd=evolved.path)) == [UI]


def test_question_set_changes_are_listed(cli, evolved):
    form = evolved.path / "form.toml"
    text = form.read_text()
    old_storage = evolved.project.question(STORAGE).text
    text = text.replace(f'text = "{old_storage}"', 'text = "Where are experiment results kept?"', 1)
    start = text.index('id = "data.labelers"')
    start = text.rindex("[[questions]]", 0, start)
    end = text.index("[[questions]]", start + 1)
    text = text[:start] + text[end:]
    text += (
        '\n[[questions]]\nid = "deployment.rollback"\nstage = "deployment"\nroles = ["devops-engineer"]\n'
        'roles_as_printed = "DevOps engineer"\ntext = "How is a bad model rolled back?"\nexamples = ""\n'
        'traces = []\ntrace_note = "Added by the team."\norigin = "mlreq"\n'
    )
    form.write_text(text)
    Project.open(evolved.path)  # still a valid question set
    git(evolved.path, "commit", "-qam", "Edit the question set")

    data = _diff_json(cli, evolved.path, "HEAD~1", "HEAD")

    kinds = {c["id"]: c["kind"] for c in data["changes"]}
    assert kinds == {"data.labelers": "removed", STORAGE: "reworded", "deployment.rollback": "added"}
    reworded = next(c for c in data["changes"] if c["kind"] == "reworded")
    assert (reworded["old_question"], reworded["question"]) == (old_storage, "Where are experiment results kept?")
    text_out = cli("diff", "HEAD~1", "HEAD", cwd=evolved.path).out
    assert f"  question was: {old_storage}" in text_out


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--stage", "data", [OWNERSHIP]),
        ("--stage", "Scoping", [RESOURCES, UI]),
        ("--stage", "modeling", []),
        ("--role", "Legal team", [OWNERSHIP]),
        ("--role", "product-owner", [RESOURCES, OWNERSHIP]),
        ("--role", "business stakeholder", [UI, OWNERSHIP]),
    ],
)
def test_stage_and_role_filters(cli, evolved, option, value, expected):
    outcome = cli("diff", "Kick-off workshop", option, value, cwd=evolved.path)

    assert outcome.code == 0, outcome
    assert _changed(outcome) == expected
    assert [c["id"] for c in _diff_json(cli, evolved.path, "Kick-off workshop", option, value)["changes"]] == expected


def test_stage_and_role_filters_together(cli, evolved):
    assert _changed(cli("diff", "Kick-off workshop", "--stage", "scoping", "--role", "product-owner", cwd=evolved.path)) == [RESOURCES]


@pytest.mark.parametrize(("option", "value", "listed"), [("--stage", "training", "Scoping"), ("--role", "wizard", "Legal team")])
def test_unknown_stage_or_role_is_refused(cli, evolved, option, value, listed):
    outcome = cli("diff", option, value, cwd=evolved.path)

    line = assert_one_line_error(outcome, 2)
    assert repr(value) in line and listed in line


# ---------------------------------------------------------------------------- bad revisions


@pytest.mark.parametrize(
    ("revision", "suggestion"),
    [
        ("Kickoff workshop", "did you mean 'Kick-off workshop'?"),
        ("kick-off", "did you mean 'Kick-off workshop'?"),
        ("Review 3", "did you mean 'Review 2'"),
        ("zzzzzz", "(iterations: 'Kick-off workshop', 'Review 2')"),
        ("deadbeef", "(iterations: 'Kick-off workshop', 'Review 2')"),
        ("HEAD~99", "(iterations:"),
    ],
)
def test_unknown_revision_is_named_with_the_closest_iteration(cli, evolved, revision, suggestion):
    outcome = cli("diff", revision, cwd=evolved.path)

    line = assert_one_line_error(outcome, 2)
    assert f"unknown revision or iteration {revision!r}" in line
    assert suggestion in line


def test_unknown_revision_in_the_second_place_too(cli, evolved):
    line = assert_one_line_error(cli("diff", "Kick-off workshop", "Reveiw 2", cwd=evolved.path), 2)
    assert "'Reveiw 2'" in line and "did you mean 'Review 2'" in line


def test_unknown_revision_through_the_console_script(evolved):
    outcome = console("diff", "Kick-of workshop", cwd=evolved.path)

    line = assert_one_line_error(outcome, 2)
    assert line == "mlreq: unknown revision or iteration 'Kick-of workshop'; did you mean 'Kick-off workshop'?"
    assert outcome.out == ""


def test_many_iterations_are_not_all_listed(cli, evolved):
    for n in range(3, 10):
        evolved.history.create_iteration(f"Session {n}")

    line = assert_one_line_error(cli("diff", "zzzzzz", cwd=evolved.path), 2)
    assert "(iterations: …, 'Session 5', 'Session 6', 'Session 7', 'Session 8', 'Session 9')" in line


OPTION_LIKE = [
    ("diff", "--output=x"),
    ("diff", "--", "--output=x"),
    ("diff", "-x"),
    ("diff", "--", "-x"),
    ("diff", "Kick-off workshop", "--", "--output=x"),
    ("diff", "--", " --output=x"),
    ("diff", "--json", "--", "--output=x"),
    ("answer", UI, "--from=--output=x"),
    ("answer", UI, "--from", "-x"),
    ("answer", UI, "--from=-x"),
    ("export", "--at=--output=x"),
    ("export", "--at", "--output=x"),
    ("export", "--at=-x", "--format", "json"),
    ("log", "--", "--output=x"),
]


@pytest.mark.parametrize("argv", OPTION_LIKE, ids=lambda argv: " ".join(argv))
def test_option_looking_revisions_are_refused_and_write_nothing(cli, evolved, tmp_path, argv):
    commits = commit_count(evolved.path)

    outcome = cli(*argv, cwd=evolved.path)

    assert_one_line_error(outcome, 2)
    assert commit_count(evolved.path) == commits
    assert git(evolved.path, "status", "--porcelain").strip() == ""
    assert_no_stray_files(tmp_path)


def test_option_looking_revision_through_the_console_script(evolved, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    outcome = console("diff", "--project", evolved.path, "--", "--output=x", cwd=outside)

    line = assert_one_line_error(outcome, 2)
    assert "'--output=x' is not a revision (it looks like an option)" in line
    assert_no_stray_files(tmp_path)
    assert list(outside.iterdir()) == []


# ---------------------------------------------------------------------------- dates


@pytest.fixture
def dated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Saves on 1, 2 (twice) and 4 March 2024, in UTC."""
    monkeypatch.setenv("TZ", "UTC")

    def at(day: int, hour: int) -> datetime:
        return datetime(2024, 3, day, hour, 0, tzinfo=timezone.utc)

    project, _ = create_project(tmp_path / "dated", name="Dated", when=datetime(2024, 2, 28, 12, tzinfo=timezone.utc))
    commits = {
        "1st": save(project, UI, "first version", when=at(1, 10)),
        "2nd morning": save(project, UI, "second version", when=at(2, 9)),
        "2nd evening": save(project, UI, "third version", when=at(2, 18)),
        "4th": save(project, UI, "fourth version", when=at(4, 12)),
    }
    return project, commits


def test_a_date_is_the_last_save_before_the_end_of_that_day(dated):
    project, commits = dated
    history = History(project)

    assert history.resolve("2024-03-01") == commits["1st"]
    assert history.resolve("2024-03-02") == commits["2nd evening"]
    assert history.resolve("2024-03-03") == commits["2nd evening"]
    assert history.resolve("2024-03-04") == commits["4th"]
    assert history.resolve("2024-03-02T12:00") == commits["2nd morning"]
    assert history.resolve("2024-03-02T12:00+00:00") == commits["2nd morning"]


def test_diff_between_dates(cli, dated):
    project, _ = dated

    data = _diff_json(cli, project.root, "2024-03-01", "2024-03-02")

    [change] = data["changes"]
    assert (change["fields"]["answer"]["old"], change["fields"]["answer"]["new"]) == ("first version", "third version")
    assert _changed(cli("diff", "2024-03-04", cwd=project.root)) == []


@pytest.mark.parametrize(
    ("revision", "message"),
    [
        ("2024-02-01", "no saved state at or before 2024-02-01"),
        ("2024-02-30", "'2024-02-30': not a date"),
        ("2024-13-01", "not a date"),
    ],
)
def test_bad_or_too_early_dates(cli, dated, revision, message):
    project, _ = dated

    line = assert_one_line_error(cli("diff", revision, cwd=project.root), 2)

    assert message in line


# ---------------------------------------------------------------------------- broken files


@pytest.fixture
def broken_between(project_dir: Path):  # type: ignore[no-untyped-def]
    """Before -> UI changed -> data.toml broken by a hand commit -> fixed -> RESOURCES answered -> After."""
    project = Project.open(project_dir)
    history = History(project)
    save(project, UI, "one two three")
    save(project, OWNERSHIP, "the operator")
    history.create_iteration("Before")
    save(project, UI, "one 2 three")
    data_file = project_dir / "answers" / "data.toml"
    good = data_file.read_bytes()
    data_file.write_bytes(good + b'\n["data.ownership"\nanswer = "half-typed\n')
    git(project_dir, "commit", "-qam", "Hand edit (broken)")
    broken = head(project_dir)
    data_file.write_bytes(good)
    git(project_dir, "commit", "-qam", "Fix the file")
    save(project, RESOURCES, "two engineers")
    history.create_iteration("After")
    return project_dir, broken


def _warnings(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in outcome.out.splitlines() if line.startswith("warning: ")]


def test_diff_to_a_revision_with_a_broken_file_says_so_and_goes_on(cli, broken_between):
    path, broken = broken_between

    outcome = cli("diff", "Before", broken, cwd=path)

    assert outcome.code == 0, outcome
    [warning] = _warnings(outcome)
    assert warning.startswith(f"warning: {broken[:10]}:answers/data.toml:")
    assert warning.endswith("; skipped")
    assert _changed(outcome) == [UI]  # the unreadable file's questions are not reported as emptied


def test_diff_from_a_revision_with_a_broken_file_says_so_and_goes_on(cli, broken_between):
    path, broken = broken_between

    data = _diff_json(cli, path, broken, "After")

    [error] = data["errors"]
    assert error.startswith(f"{broken[:10]}:answers/data.toml:")
    assert [c["id"] for c in data["changes"]] == [RESOURCES]


def test_diff_across_a_revision_with_a_broken_file_lists_the_other_changes(cli, broken_between):
    path, _ = broken_between

    outcome = cli("diff", "Before", "After", cwd=path)

    assert outcome.code == 0
    assert _changed(outcome) == [RESOURCES, UI]


def test_diff_across_a_revision_with_a_broken_file_says_so_for_that_revision(cli, broken_between):
    path, broken = broken_between

    outcome = cli("diff", "Before", "After", cwd=path)
    backwards = _diff_json(cli, path, "After", "Before")

    assert outcome.code == 0
    [warning] = _warnings(outcome)
    assert warning.startswith(f"warning: {broken[:10]}:answers/data.toml:")
    assert warning.endswith("; a version between Before and After, not compared")
    assert _changed(outcome) == [RESOURCES, UI]  # and the diff goes on
    [error] = backwards["errors"]
    assert error.startswith(f"{broken[:10]}:answers/data.toml:")


def test_diff_across_a_broken_version_warns_again_from_the_kept_range_and_never_trusts_a_forged_one(cli, broken_between, tmp_path):
    path, broken = broken_between
    first = _warnings(cli("diff", "Before", "After", cwd=path))
    [kept] = (path / ".mlreq" / "history").glob("*.json")  # the range's walk, kept for the next process
    record = json.loads(kept.read_text())
    assert record["untrusted"] and broken in record["untrusted"]

    assert _warnings(cli("diff", "Before", "After", cwd=path)) == first
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({**record, "untrusted": []}))
    forgeries = [
        "not json", json.dumps({**record, "untrusted": []} | {"old": "0" * 40}),
        json.dumps({**record, "untrusted": ["--output=x"]}), json.dumps({**record, "version": 0, "untrusted": []}),
    ]
    for forged in forgeries:
        kept.write_text(forged)
        assert _warnings(cli("diff", "Before", "After", cwd=path)) == first, forged
    kept.unlink()
    kept.symlink_to(elsewhere)  # a link out of the project is never read
    assert _warnings(cli("diff", "Before", "After", cwd=path)) == first
    assert_no_stray_files(path)


def test_log_of_a_question_passing_a_broken_version_says_so(cli, broken_between):
    path, broken = broken_between

    outcome = cli("log", OWNERSHIP, cwd=path)
    as_json = cli("log", OWNERSHIP, "--json", cwd=path)

    assert outcome.code == 0, outcome
    [warning] = _warnings(outcome)
    assert warning.startswith(f"warning: {broken[:10]}:answers/data.toml:") and warning.endswith("; skipped")
    assert "(1 versions, oldest first)" in outcome.out  # the operator's answer, never the half-typed one
    assert [v["answer"] for v in json.loads(as_json.out)] == ["the operator"]
    assert as_json.err.startswith(f"warning: {broken[:10]}:answers/data.toml:")


def test_broken_revision_through_the_console_script(broken_between):
    path, broken = broken_between

    outcome = console("diff", "Before", broken, cwd=path)

    assert outcome.code == 0
    assert "Traceback" not in outcome.err and outcome.err == ""
    assert f"warning: {broken[:10]}:answers/data.toml:" in outcome.out


def test_revision_with_an_answer_file_that_is_not_utf8(cli, project_dir):
    save(Project.open(project_dir), UI, "before")
    path = project_dir / "answers" / "data.toml"
    good = path.read_bytes()
    path.write_bytes(good + b"\n# caf\xe9 in Latin-1\n")
    git(project_dir, "commit", "-qam", "Latin-1 by hand")
    bad = head(project_dir)
    path.write_bytes(good)
    git(project_dir, "commit", "-qam", "Back to UTF-8")

    data = _diff_json(cli, project_dir, "HEAD~3", bad)

    assert data["errors"] == [f"{bad[:10]}:answers/data.toml: not valid UTF-8; skipped"]
    assert [c["id"] for c in data["changes"]] == [UI]


def test_revision_with_a_broken_question_set(cli, evolved):
    form = evolved.path / "form.toml"
    good = form.read_text()
    form.write_text(good + "\n[[questions]\n")
    git(evolved.path, "commit", "-qam", "Break the question set")
    broken = head(evolved.path)
    form.write_text(good)  # fixed on disk (not committed): the project opens again

    data = _diff_json(cli, evolved.path, "Review 2", broken)

    [error] = data["errors"]
    assert error.startswith(f"{broken[:10]}:form.toml:")
    assert [c["id"] for c in data["changes"]] == [RESOURCES, OWNERSHIP]  # answers still compared


def test_log_names_a_saved_version_that_cannot_be_read(cli, broken_between):
    path, broken = broken_between

    outcome = cli("log", cwd=path)

    assert outcome.code == 0, outcome
    [warning] = _warnings(outcome)
    assert warning.startswith(f"warning: {broken[:10]}:answers/data.toml:")
    assert warning.endswith("; a saved version that cannot be read")
    assert "Hand edit (broken)" in outcome.out  # and the log goes on
