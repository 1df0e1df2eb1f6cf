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
