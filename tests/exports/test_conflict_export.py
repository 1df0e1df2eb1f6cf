"""An unresolved sync conflict travels into the exports: both versions stay visible."""

from __future__ import annotations

import json
from pathlib import Path

from mlreq.projects import Project
from mlreq.projects.exports import FormState, export


def test_json_and_html_show_the_other_version_of_a_conflicted_answer(project_dir: Path) -> None:
    path = project_dir / "answers" / "data.toml"
    text = path.read_text("utf-8").replace(
        '["data.data-source"] # Where does the data come from?\nstatus = "open"\nanswer = ""',
        '["data.data-source"] # Where does the data come from?\nstatus = "needs-review"\nanswer = "Ours: telemetry"\n'
        'conflict = "Theirs: telemetry <b>and</b> tickets"',
    )
    assert "Theirs" in text
    path.write_text(text, "utf-8")
    state = FormState.now(Project.open(project_dir))
    rows = {q["id"]: q for q in json.loads(export(state, "json"))["questions"]}
    assert rows["data.data-source"]["answer"] == "Ours: telemetry"
    assert rows["data.data-source"]["conflict"] == "Theirs: telemetry <b>and</b> tickets"
    assert rows["data.data-format"]["conflict"] is None
    page = export(state, "html")
    assert "Theirs: telemetry &lt;b&gt;and&lt;/b&gt; tickets" in page


def test_every_export_shows_the_review_reason_and_the_other_version(project_dir: Path) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from mlreq.projects.exports import render

    path = project_dir / "answers" / "data.toml"
    text = path.read_text("utf-8").replace(
        '["data.data-source"] # Where does the data come from?\nstatus = "open"\nanswer = ""',
        '["data.data-source"] # Where does the data come from?\nstatus = "needs-review"\nanswer = "Ours: telemetry"\n'
        'review = "scoping.business-problems changed"\nconflict = "Theirs: telemetry and tickets"',
    )
    path.write_text(text, "utf-8")
    state = FormState.now(Project.open(project_dir))
    reason, other = "scoping.business-problems changed", "Theirs: telemetry and tickets"

    for fmt in ("md", "html", "json", "reqif"):
        shown = export(state, fmt, include_unanswered=True)
        assert reason in shown and other in shown, fmt
    row = {r["id"]: r for r in csv.DictReader(io.StringIO(export(state, "csv")))}["data.data-source"]
    assert (row["review"], row["conflict"]) == (reason, other)
    sheet = load_workbook(io.BytesIO(render(state, "xlsx")))["Data"]
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}["data.data-source"]
    assert reason in cells[9].value and other in cells[9].value
    assert "`data.data-source` needs review: scoping.business-problems changed" in export(state, "md")


def test_json_and_csv_carry_the_dependencies_and_json_the_front_page(project_dir: Path) -> None:
    import csv
    import io

    state = FormState.now(Project.open(project_dir))

    document = json.loads(export(state, "json"))
    rows = {q["id"]: q for q in document["questions"]}
    form = state.form
    for question in form.questions:
        assert rows[question.id]["depends_on"] == list(question.depends_on)
    assert any(rows[q]["depends_on"] for q in rows)
    headings = [section["heading"] for section in document["front_page"]]
    assert "Form utilization and purpose" in headings and "How to use it in practice" in headings
    by_id = {r["id"]: r for r in csv.DictReader(io.StringIO(export(state, "csv")))}
    assert by_id["scoping.ml-feasibility"]["depends_on"] == "scoping.business-problems"
