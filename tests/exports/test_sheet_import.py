"""`mlreq import`: a spreadsheet export edited by someone without mlreq (openpyxl, the csv
module, LibreOffice) comes back as one commit per changed answer; a question changed in
the project since keeps both texts; a file that is not a clean export is refused whole."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, git
from mlreq.projects import Project

from .conftest import export_file

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _edit_xlsx(path: Path, target: Path, edits: dict[str, object], sheet: str = "Data") -> Path:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    for coordinate, value in edits.items():
        workbook[sheet][coordinate].value = value
    workbook.save(target)
    return target


def _row_of(path: Path, question_id: str, sheet: str = "Data") -> int:
    from openpyxl import load_workbook

    return next(row[0].row for row in load_workbook(path)[sheet].iter_rows(min_row=2) if row[0].value == question_id)


def test_an_edited_xlsx_row_becomes_its_own_commit(cli, project_dir, tmp_path):
    exported = export_file(cli, project_dir, tmp_path, "xlsx")
    row = _row_of(exported, "data.privacy")
    edited = _edit_xlsx(exported, tmp_path / "back.xlsx", {f"D{row}": "No personal data\n- only charger ids", f"E{row}": "agreed", f"G{row}": "Legal agreed"})
    commits = commit_count(project_dir)

    outcome = cli("--author", "Stake Holder <sh@example.com>", "import", edited, "--project", project_dir)

    assert outcome.code == 0, outcome
    assert "imported data.privacy" in outcome.out and "1 imported, 0 kept as conflicts, 36 unchanged" in outcome.out
    entry = Project.open(project_dir).entry("data.privacy")
    assert (entry.answer, entry.status, entry.notes) == ("No personal data\n- only charger ids", "agreed", "Legal agreed")
    assert commit_count(project_dir) == commits + 1
    assert git(project_dir, "log", "-1", "--format=%an <%ae>").strip() == "Stake Holder <sh@example.com>"
    again = cli("import", edited, "--project", project_dir)
    assert again.code == 0 and "0 imported, 0 kept as conflicts, 37 unchanged" in again.out
    assert commit_count(project_dir) == commits + 1


def test_a_question_changed_since_the_export_keeps_both_texts(cli, project_dir, tmp_path):
    project = Project.open(project_dir)
    project.save("data.privacy", answer="Ours before the export")
    exported = export_file(cli, project_dir, tmp_path, "xlsx")
    project.save("data.privacy", answer="Ours, changed after the export")
    row = _row_of(exported, "data.privacy")
    edited = _edit_xlsx(exported, tmp_path / "back.xlsx", {f"D{row}": "Theirs, typed in the spreadsheet"})

    outcome = cli("import", edited, "--project", project_dir)

    assert outcome.code == 0, outcome
    assert "kept both data.privacy" in outcome.out and "mlreq resolve data.privacy" in outcome.out
    entry = Project.open(project_dir).entry("data.privacy")
    assert entry.answer == "Ours, changed after the export"
    assert entry.conflict == "Theirs, typed in the spreadsheet"
    assert entry.status == "needs-review" and "since the spreadsheet export" in entry.review
    assert git(project_dir, "status", "--porcelain") == ""


def test_a_sync_conflict_waiting_is_never_overwritten(cli, project_dir, tmp_path):
    exported = export_file(cli, project_dir, tmp_path, "xlsx")
    path = project_dir / "answers" / "data.toml"  # a sync kept both versions meanwhile
    path.write_text(path.read_text("utf-8").replace(
        '["data.privacy"] # Are there any privacy concerns regarding the data?\nstatus = "open"\nanswer = ""',
        '["data.privacy"] # Are there any privacy concerns regarding the data?\nstatus = "needs-review"\n'
        'answer = "Ours"\nconflict = "Theirs, from a sync"',
    ), "utf-8")
    git(project_dir, "commit", "-qam", "a sync kept both")
    assert Project.open(project_dir).entry("data.privacy").conflict == "Theirs, from a sync"
    row = _row_of(exported, "data.privacy")
    edited = _edit_xlsx(exported, tmp_path / "back.xlsx", {f"D{row}": "From the spreadsheet"})

    outcome = cli("import", edited, "--project", project_dir)

    assert outcome.code == 0, outcome
    assert "not imported data.privacy: it holds an unresolved sync conflict" in outcome.out
    entry = Project.open(project_dir).entry("data.privacy")
    assert (entry.answer, entry.conflict) == ("Ours", "Theirs, from a sync")


def test_a_csv_edited_by_a_tool_comes_back_exactly(cli, project_dir, tmp_path):
    exported = export_file(cli, project_dir, tmp_path, "csv")
    with exported.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    texts = {"scoping.budget-limit": "=1+1 is not a formula here", "scoping.end-user": "- dispatchers\r\n  - in Berlin"}
    for row in rows[1:]:
        if row[0] in texts:
            row[header.index("answer")] = texts[row[0]]
            row[header.index("status")] = "draft"
    edited = tmp_path / "back.csv"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    for row in rows[1:]:
        if row[0] == "data.privacy":
            row[header.index("answer")] = "Typed under open"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    outcome = cli("import", edited, "--project", project_dir)

    assert outcome.code == 0, outcome
    project = Project.open(project_dir)
    for question_id, text in texts.items():
        assert project.entry(question_id).answer == text
    assert project.entry("data.privacy").status == "draft"  # typing into an open question, as in the app
    assert "3 imported" in outcome.out


def _swap_columns(path: Path, target: Path) -> Path:
    return _edit_xlsx(path, target, {"D1": "Status", "E1": "Requirement Question Answer"})


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda p, t, r: _swap_columns(p, t), "the columns are not the export's"),
        (lambda p, t, r: _edit_xlsx(p, t, {f"A{r}": "data.no-such-question"}), "unknown question id 'data.no-such-question'"),
        (lambda p, t, r: _edit_xlsx(p, t, {f"D{r}": "=HYPERLINK(\"http://x\")"}), "holds a formula"),
        (lambda p, t, r: _edit_xlsx(p, t, {f"E{r}": "done"}), "status 'done' is not one of"),
        (lambda p, t, r: _edit_xlsx(p, t, {f"L{r}": "0badc0de/v3@3/0123456789abcdef"}), "not exported from this project"),
    ],
    ids=["moved-columns", "unknown-id", "formula", "bad-status", "other-project"],
)
def test_a_spoilt_file_is_refused_whole(cli, project_dir, tmp_path, spoil, message):
    exported = export_file(cli, project_dir, tmp_path, "xlsx")
    row = _row_of(exported, "data.privacy")
    spoilt = spoil(exported, tmp_path / "spoilt.xlsx", row)
    _edit_xlsx(spoilt, spoilt, {f"D{row + 1}": "a real edit that must not land"})
    commits = commit_count(project_dir)

    outcome = cli("import", spoilt, "--project", project_dir)

    line = assert_one_line_error(outcome, 2)
    assert message in line and "nothing was imported" in line
    assert commit_count(project_dir) == commits
    assert git(project_dir, "status", "--porcelain") == ""


def test_another_form_version_is_refused(cli, project_dir, tmp_path):
    exported = export_file(cli, project_dir, tmp_path, "csv")
    text = exported.read_text(encoding="utf-8").replace("/v3@3/", "/v2@2/")
    spoilt = tmp_path / "old.csv"
    spoilt.write_text(text, encoding="utf-8")

    line = assert_one_line_error(cli("import", spoilt, "--project", project_dir), 2)

    assert "exported from form v2@2, the project now uses v3@3; export again" in line


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (soffice): the LibreOffice round trip is not checked")
def test_an_xlsx_saved_again_by_libreoffice_imports(cli, project_dir, tmp_path):
    exported = export_file(cli, project_dir, tmp_path, "xlsx")
    row = _row_of(exported, "data.privacy")
    edited = _edit_xlsx(exported, tmp_path / "edited.xlsx", {f"D{row}": "Typed by a stakeholder\nin LibreOffice", f"E{row}": "draft"})
    out = tmp_path / "lo"
    run = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(edited)],
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0 and (out / "edited.xlsx").exists(), run.stdout + run.stderr

    outcome = cli("import", out / "edited.xlsx", "--project", project_dir)

    assert outcome.code == 0, outcome
    assert "1 imported, 0 kept as conflicts, 36 unchanged" in outcome.out
    assert Project.open(project_dir).entry("data.privacy").answer == "Typed by a stakeholder\nin LibreOffice"
