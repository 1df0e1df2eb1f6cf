"""Bad input: one clear line saying what and where, a non-zero exit, no traceback, nothing overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, console, git, trailers_of

BROKEN_TOML = b'''# hand edited
["data.data-source"]
status = "draft"
answer = "unterminated
notes = ""
'''


def _snapshot(project_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project_dir)): p.read_bytes() for p in sorted(project_dir.rglob("*.toml"))}


def test_toml_syntax_error_names_file_line_col_and_leaves_it_untouched(cli, project_dir):
    path = project_dir / "answers" / "data.toml"
    path.write_bytes(BROKEN_TOML)
    before = _snapshot(project_dir)

    outcome = cli("answer", "data.data-source", "--text", "New text", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/data.toml:4:" in line
    assert path.read_bytes() == BROKEN_TOML
    assert _snapshot(project_dir) == before
    assert commit_count(project_dir) == 1


@pytest.mark.parametrize("command", [("show", "data.data-source"), ("status",), ("export", "--format", "json")])
def test_toml_syntax_error_for_reading_commands(cli, project_dir, command):
    (project_dir / "answers" / "data.toml").write_bytes(BROKEN_TOML)

    outcome = cli(*command, cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/data.toml:4:" in line


def test_toml_syntax_error_through_console_script(project_dir):
    (project_dir / "answers" / "data.toml").write_bytes(BROKEN_TOML)

    outcome = console("answer", "data.data-source", "--text", "x", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/data.toml:4:" in line
    assert (project_dir / "answers" / "data.toml").read_bytes() == BROKEN_TOML


def test_syntax_error_in_another_stage_file_keeps_the_answer_on_disk(cli, project_dir):
    broken = project_dir / "answers" / "modeling.toml"
    broken.write_bytes(b'["modeling.baseline"\nstatus = "open"\n')

    outcome = cli("answer", "data.data-source", "--text", "Kept", cwd=project_dir)

    line = assert_one_line_error(outcome, code=5)
    assert line.startswith("mlreq: saved on disk but not committed: answers/modeling.toml:1:")
    assert broken.read_bytes() == b'["modeling.baseline"\nstatus = "open"\n'
    assert 'answer = "Kept"' in (project_dir / "answers" / "data.toml").read_text()
    assert commit_count(project_dir) == 1

    # Once the file is fixed, the next save commits the kept answer with the new one.
    broken.write_bytes(b'["modeling.baseline"]\nstatus = "open"\n')
    outcome = cli("answer", "data.labelers", "--text", "Engineers", cwd=project_dir)
    assert outcome.code == 0, outcome
    assert "data.data-source" in trailers_of(project_dir) and "data.labelers" in trailers_of(project_dir)


def test_unknown_question_suggests_the_closest(cli, project_dir):
    before = _snapshot(project_dir)

    outcome = cli("answer", "data.data-sorce", "--text", "x", cwd=project_dir)

    line = assert_one_line_error(outcome, code=2)
    assert "'data.data-sorce'" in line
    assert "did you mean data.data-source" in line
    assert _snapshot(project_dir) == before


def test_unknown_question_bare_slug_suggests_the_full_id(cli, project_dir):
    outcome = cli("show", "labelers", cwd=project_dir)

    line = assert_one_line_error(outcome, code=2)
    assert "data.labelers" in line


def test_unknown_status_lists_valid_ones(cli, project_dir):
    before = _snapshot(project_dir)

    outcome = cli("answer", "data.data-source", "--status", "done", cwd=project_dir)

    line = assert_one_line_error(outcome, code=2)
    assert "'done'" in line
    for status in ("open", "draft", "agreed", "needs-review"):
        assert status in line
    assert _snapshot(project_dir) == before
    assert commit_count(project_dir) == 1


def test_unknown_status_written_by_hand_is_a_file_line_error(cli, project_dir):
    path = project_dir / "answers" / "scoping.toml"
    path.write_text(path.read_text().replace('status = "open"', 'status = "finished"', 1))

    outcome = cli("status", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/scoping.toml:5:" in line and "'finished'" in line


@pytest.mark.parametrize("command", [("status",), ("answer", "data.data-source", "--text", "x"), ("show", "data.data-source"), ("export",)])
def test_path_that_is_not_a_project(cli, tmp_path, command):
    outcome = cli(*command, cwd=tmp_path)

    line = assert_one_line_error(outcome, code=3)
    assert "not an mlreq project" in line
    assert list(tmp_path.iterdir()) == []  # nothing created there


def test_not_a_project_through_console_script(tmp_path):
    outcome = console("status", tmp_path, cwd=tmp_path)

    line = assert_one_line_error(outcome, code=3)
    assert str(tmp_path) in line


def test_non_utf8_answer_file_names_file_and_line(cli, project_dir):
    path = project_dir / "answers" / "deployment.toml"
    data = path.read_bytes().replace(b'answer = ""', b'answer = "caf\xff"', 1)
    path.write_bytes(data)
    line_number = data[: data.index(b"\xff")].count(b"\n") + 1

    outcome = cli("answer", "deployment.software-metrics", "--text", "x", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert f"answers/deployment.toml:{line_number}:" in line
    assert "UTF-8" in line
    assert path.read_bytes() == data


def test_non_utf8_answer_file_through_console_script(project_dir):
    path = project_dir / "answers" / "data.toml"
    path.write_bytes(b"\xff\xfe" + path.read_bytes())

    outcome = console("show", "data.data-source", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/data.toml:1:1:" in line


def test_non_utf8_answer_given_on_the_command_line(project_dir):
    before = _snapshot(project_dir)

    outcome = console("answer", "data.data-source", "-", cwd=project_dir, stdin=b"caf\xe9\n")

    line = assert_one_line_error(outcome, code=2)
    assert "UTF-8" in line
    assert _snapshot(project_dir) == before


def test_duplicate_question_in_one_answer_file(cli, project_dir):
    path = project_dir / "answers" / "data.toml"
    path.write_text(path.read_text() + '\n["data.data-source"]\nstatus = "agreed"\nanswer = "twice"\nnotes = ""\n')
    before = path.read_bytes()

    outcome = cli("answer", "data.data-source", "--text", "x", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "answers/data.toml:" in line and "data.data-source" in line
    assert path.read_bytes() == before


@pytest.mark.parametrize("stray_file", ["scoping.toml", "deployment.toml"])
def test_same_question_in_two_answer_files_is_reported(cli, project_dir, stray_file):
    cli("answer", "data.data-source", "--text", "The real answer", cwd=project_dir)
    stray = project_dir / "answers" / stray_file
    stray.write_text(stray.read_text() + '\n["data.data-source"]\nstatus = "draft"\nanswer = "A stray copy"\nnotes = ""\n')

    outcome = cli("check", project_dir)

    assert outcome.code == 1
    table_line = stray.read_text().splitlines().index('["data.data-source"]') + 1
    errors = [line for line in outcome.out.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert "'data.data-source' also appears in" in errors[0]
    assert {f"answers/{stray_file}", "answers/data.toml"} <= set(errors[0].replace(":", " ").split())
    assert f"answers/{stray_file}:{table_line}: warning: 'data.data-source' belongs in answers/data.toml" in outcome.out
    # Every command reads the copy in the question's own file, never the stray one.
    assert "The real answer" in cli("show", "data.data-source", cwd=project_dir).out
    exported = cli("export", "--format", "json", cwd=project_dir).out
    assert "A stray copy" not in exported and "The real answer" in exported


def test_form_edited_to_a_duplicate_id(cli, project_dir):
    form = project_dir / "form.toml"
    form.write_text(form.read_text().replace('id = "data.data-format"', 'id = "data.data-source"', 1))
    answers_before = _snapshot(project_dir)

    outcome = cli("answer", "data.labelers", "--text", "x", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "form.toml" in line and "'data.data-source'" in line and "duplicate id" in line
    assert _snapshot(project_dir) == answers_before


def test_form_edited_to_a_duplicate_id_through_console_script(project_dir):
    form = project_dir / "form.toml"
    form.write_text(form.read_text().replace('id = "data.data-format"', 'id = "data.data-source"', 1))

    outcome = console("status", cwd=project_dir)

    line = assert_one_line_error(outcome, code=3)
    assert "duplicate id" in line


def test_lone_surrogate_from_the_command_line_is_refused(project_dir):
    before = _snapshot(project_dir)

    # A non-UTF-8 byte in argv reaches Python as a lone surrogate (surrogateescape).
    outcome = console("answer", "data.data-source", "--text", b"caf\xe9".decode("utf-8", "surrogateescape"), cwd=project_dir)

    line = assert_one_line_error(outcome, code=2)
    assert "surrogate" in line
    assert _snapshot(project_dir) == before
    assert git(project_dir, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "argv",
    [
        ("answer", "data.data-source"),  # nothing to write
        ("answer", "data.data-source", "--text", "a", "--file", "b"),  # given twice
        ("frobnicate",),
        ("export", "--format", "pdf"),
        ("answer",),
    ],
    ids=["nothing", "twice", "unknown-command", "bad-format", "missing-id"],
)
def test_usage_errors_are_one_line_exit_2(project_dir, argv):
    outcome = console(*argv, cwd=project_dir, timeout=20)  # a usage error must never open the app

    assert_one_line_error(outcome, code=2)
    assert commit_count(project_dir) == 1


def test_mistyped_command_suggests_the_right_one(project_dir):
    outcome = console("stauts", cwd=project_dir, timeout=20)

    line = assert_one_line_error(outcome, code=2)
    assert "mlreq status" in line


def test_help_teaches(project_dir):
    outcome = console("--help", cwd=project_dir)

    assert outcome.code == 0
    assert "exit codes" in outcome.out and "\n    answer " in outcome.out  # listed by argparse
