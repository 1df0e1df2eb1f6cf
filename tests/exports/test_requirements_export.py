"""Requirements in every export format, with their links to the questions they were written
from, read back by independent readers: json, csv, openpyxl, markdown-it-py, lxml's HTML
parser, and the `reqif` package (items and relations) with the ReqIF 1.2 XSD."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from helpers import assert_one_line_error, git

from .conftest import (
    FORMULA,
    REQ_CONFLICT,
    REQ_CRITERIA,
    REQ_EVENT,
    REQ_HOSTILE,
    SCRIPT,
    export_file,
    no_raw_controls,
    reqif_schema,
)
from .test_markdown_render import RENDERER, expected
from .test_readback import REQIF_NS, _attributes, _reqif_bundle

ALL = ["REQ-001", "REQ-002", "REQ-003", "REQ-004", "REQ-005"]
IN_FORCE = [r for r in ALL if r != "REQ-003"]


def _json(cli, project: Path, tmp_path: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(export_file(cli, project, tmp_path, "json", *args).read_text(encoding="utf-8"))


def test_json_holds_every_requirement_exactly_with_links_both_ways(cli, with_requirements, tmp_path):
    data = _json(cli, with_requirements.path, tmp_path)

    rows = {r["id"]: r for r in data["requirements"]}
    assert list(rows) == ALL  # retired ones stay in the record, marked
    assert rows["REQ-001"] == {
        "id": "REQ-001", "text": REQ_EVENT, "pattern": "event", "from": ["data.data-source", "scoping.business-problems"],
        "challenges": ["BP4", "P5"], "criteria": list(REQ_CRITERIA), "priority": "high", "status": "draft",
        "owner": "data-scientist", "owner_name": "Data scientist", "review": "", "conflict": None,
    }
    assert rows["REQ-002"]["text"] == REQ_HOSTILE and rows["REQ-002"]["conflict"] == {"text": REQ_CONFLICT}
    assert rows["REQ-003"]["status"] == "retired"
    assert rows["REQ-005"]["status"] == "needs-review" and rows["REQ-005"]["review"].startswith("data.data-format changed")
    questions = {q["id"]: q for q in data["questions"]}
    assert questions["data.data-source"]["requirements"] == ["REQ-001"]
    assert questions[with_requirements.unanswered]["requirements"] == ["REQ-004"]
    assert questions["deployment.retraining-frequency"]["requirements"] == []

    without = _json(cli, with_requirements.path, tmp_path, "--without-retired")
    assert [r["id"] for r in without["requirements"]] == IN_FORCE
    assert questions["modeling.baseline"]["requirements"] == ["REQ-003"]
    assert {q["id"]: q for q in without["questions"]}["modeling.baseline"]["requirements"] == []


def test_filters_keep_the_requirements_of_the_questions_they_keep(cli, with_requirements, tmp_path):
    data = _json(cli, with_requirements.path, tmp_path, "--stage", "Data")
    assert [r["id"] for r in data["requirements"]] == ["REQ-001", "REQ-005"]
    assert data["requirements"][0]["from"] == ["data.data-source", "scoping.business-problems"]  # all its sources named

    page = export_file(cli, with_requirements.path, tmp_path, "html", "--stage", "Data").read_text(encoding="utf-8")
    assert '<a href="#q-data.data-source">' in page  # on the page: a link
    assert '<span class="qid">scoping.business-problems</span>' in page  # left out by the filter: named, no link

    markdown = export_file(cli, with_requirements.path, tmp_path, "md", "--role", "Legal team", "--status", "open").read_text()
    assert "## Requirements" in markdown and "No requirement was written from the exported questions yet." in markdown


def test_csv_requirements_table_reads_back_exactly(cli, with_requirements, tmp_path):
    target = tmp_path / "requirements.csv"
    outcome = cli("export", with_requirements.path, "--format", "csv", "--table", "requirements", "--output", target)
    assert outcome.code == 0 and outcome.out.startswith(f"wrote {target} (csv, 5 requirements)"), outcome

    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ALL
    first = rows[0]
    assert first["text"] == REQ_EVENT and first["from"] == "data.data-source, scoping.business-problems"
    assert first["criteria"] == "\n".join(REQ_CRITERIA) and first["owner"] == "Data scientist"
    assert (first["challenges"], first["priority"], first["status"]) == ("BP4, P5", "high", "draft")
    assert rows[1]["text"] == REQ_HOSTILE and rows[1]["conflict"] == f"text: {REQ_CONFLICT}"
    assert rows[2]["status"] == "retired"

    quoted = tmp_path / "quoted.csv"
    cli("export", with_requirements.path, "--format", "csv", "--table", "requirements", "--for-spreadsheet", "--output", quoted)
    with quoted.open(newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["criteria"].startswith("'" + FORMULA)

    questions = export_file(cli, with_requirements.path, tmp_path, "csv").read_text(encoding="utf-8")
    assert questions.startswith("id,stage,roles,question,answer")  # the default table is unchanged
    refused = cli("export", with_requirements.path, "--format", "md", "--table", "requirements")
    assert "--table applies to --format csv only" in assert_one_line_error(refused, 2)


def test_xlsx_requirements_sheet_is_typed_text_and_prints_readably(cli, with_requirements, tmp_path):
    from openpyxl import load_workbook

    path = export_file(cli, with_requirements.path, tmp_path, "xlsx")
    workbook = load_workbook(path)

    assert workbook.sheetnames[-2:] == ["Requirements", "About this form"]
    sheet = workbook["Requirements"]
    header = [c.value for c in sheet[1]]
    assert header == ["ID", "Requirement", "Pattern", "From questions", "Challenges", "Acceptance criteria", "Priority",
                      "Status", "Owner", "Needs review because / other version"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J6"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert list(rows) == ALL
    criteria = rows["REQ-001"][5]
    assert criteria.value == "\n".join(REQ_CRITERIA) and criteria.data_type == "s" and criteria.quotePrefix
    assert all(cell.data_type == "s" for row in rows.values() for cell in row if cell.value is not None)
    assert rows["REQ-001"][3].value == "data.data-source, scoping.business-problems" and rows["REQ-001"][8].value == "Data scientist"
    assert rows["REQ-002"][1].value.startswith("The system shall show " + SCRIPT)
    assert "␛[31mred" in rows["REQ-002"][1].value
    assert f"text: {REQ_CONFLICT}" in rows["REQ-002"][9].value
    assert rows["REQ-003"][7].value == "retired"
    assert rows["REQ-005"][9].value.startswith("Needs review: data.data-format changed")
    assert sheet.row_dimensions[2].height >= 3 * 15  # the two criteria take three lines
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"

    imported = cli("import", path, "--project", with_requirements.path)  # the sheet a reader sends back
    assert imported.code == 0, imported


def test_markdown_requirements_table_keeps_its_shape_and_text(cli, with_requirements, tmp_path):
    markdown = export_file(cli, with_requirements.path, tmp_path, "md").read_text(encoding="utf-8")

    no_raw_controls(markdown)
    assert markdown.index("## Requirements") < markdown.index("## About this form")
    tokens = RENDERER.parse(markdown)
    rows, in_body = [], False
    for token in tokens:
        in_body = (in_body or token.type == "tbody_open") and token.type != "tbody_close"
        if in_body and token.type == "tr_open":
            rows.append([])
        elif in_body and token.type == "inline":
            text = ""
            for child in token.children or []:
                assert child.type == "text" or (child.type == "html_inline" and child.content == "<br>"), (child.type, child.content)
                text += child.content if child.type == "text" else "\n"
            rows[-1].append(text)
    requirements = {row[0]: row for row in rows if len(row) == 9}
    assert list(requirements) == ALL
    assert requirements["REQ-002"][1] == expected(REQ_HOSTILE)  # markup shown as typed, never obeyed
    assert requirements["REQ-001"][5] == expected("1. " + REQ_CRITERIA[0] + "\n2. " + REQ_CRITERIA[1])
    assert requirements["REQ-001"][3] == "data.data-source, scoping.business-problems"
    assert requirements["REQ-003"][7] == "retired"
    html = RENDERER.render(markdown)
    assert "<img" not in html and "<script" not in html
    assert "- `data.data-source` requirements written from it: REQ-001" in markdown
    assert "- REQ-005 needs review: data.data-format changed" in markdown


def test_html_requirements_link_to_their_questions_and_back(cli, with_requirements, tmp_path):
    import lxml.html

    text = export_file(cli, with_requirements.path, tmp_path, "html").read_text(encoding="utf-8")

    no_raw_controls(text)
    page = lxml.html.fromstring(text)
    assert len(page.xpath("//script")) == 1 and not page.xpath("//img")  # nothing from a requirement runs or loads
    ids = set(page.xpath("//@id"))
    articles = page.xpath("//article[contains(concat(' ', @class, ' '), ' r ')]")
    assert [a.get("id") for a in articles] == [f"req-{r}" for r in ALL]
    for article in articles:
        links = [a.get("href") for a in article.xpath(".//p[contains(@class, 'from')]//a")]
        assert links and all(link[1:] in ids for link in links), links
    first = page.get_element_by_id("req-REQ-001")
    assert [a.get("href") for a in first.xpath(".//p[contains(@class, 'from')]//a")] == ["#q-data.data-source", "#q-scoping.business-problems"]
    assert first.xpath("string(.//p[@class='statement'])") == REQ_EVENT
    assert [li.text_content() for li in first.xpath(".//ul[@class='criteria']/li")] == list(REQ_CRITERIA)
    hostile = page.get_element_by_id("req-REQ-002")
    assert hostile.xpath("string(.//p[@class='statement'])").startswith("The system shall show " + SCRIPT)
    assert REQ_CONFLICT in hostile.text_content()
    assert "s-retired" in page.get_element_by_id("req-REQ-003").get("class")
    assert "Needs review: data.data-format changed" in page.get_element_by_id("req-REQ-005").text_content()
    back = page.get_element_by_id("q-data.data-source").xpath(".//p[@class='reqs']//a/@href")
    assert back == ["#req-REQ-001"]
    assert page.get_element_by_id(f"q-{with_requirements.unanswered}").xpath(".//p[@class='reqs']//a/@href") == ["#req-REQ-004"]
    assert "5 requirements (1 retired)" in text


def test_reqif_requirements_and_their_derived_from_links_read_back(cli, with_requirements, tmp_path):
    path = export_file(cli, with_requirements.path, tmp_path, "reqif")
    bundle = _reqif_bundle(path)

    content = bundle.core_content.req_if_content
    type_name = {o.identifier: bundle.lookup.get_spec_type_by_ref(o.spec_object_type).long_name for o in content.spec_objects}
    values = {o.identifier: _attributes(bundle, o) for o in content.spec_objects}
    requirements = {v["ReqIF.ForeignID"]: v for i, v in values.items() if type_name[i] == "Requirement"}
    assert list(requirements) == ALL
    assert requirements["REQ-001"] == {
        "ReqIF.ForeignID": "REQ-001", "ReqIF.Text": REQ_EVENT, "Pattern": "event",
        "Derived from": "data.data-source, scoping.business-problems", "Challenges": "BP4, P5",
        "Acceptance criteria": "\n".join(REQ_CRITERIA), "Owner": "Data scientist", "Status": ["draft"], "Priority": ["high"],
    }
    assert requirements["REQ-002"]["Other version"] == f"text: {REQ_CONFLICT}"
    assert requirements["REQ-003"]["Status"] == ["retired"]
    assert requirements["REQ-005"]["Status"] == ["needs-review"]
    foreign = {i: v.get("ReqIF.ForeignID") for i, v in values.items()}
    links = set()
    for relation in content.spec_relations:
        kind = bundle.lookup.get_spec_type_by_ref(relation.relation_type_ref).long_name
        if kind == "Derived from":
            links.add((foreign[relation.source], foreign[relation.target]))
    assert links == {
        ("REQ-001", "data.data-source"), ("REQ-001", "scoping.business-problems"), ("REQ-002", "scoping.end-user"),
        ("REQ-003", "modeling.baseline"), ("REQ-004", with_requirements.unanswered), ("REQ-005", "data.data-format"),
    }  # the unanswered source question is exported so that its link resolves
    [specification] = content.specifications
    tree = [(h.level, bundle.lookup.get_spec_object_by_ref(h.spec_object)) for h in bundle.iterate_specification_hierarchy(specification)]
    headings = [_attributes(bundle, o).get("ReqIF.ChapterName") for level, o in tree if level == 1]
    assert headings[-1] == "Requirements"
    start = [level for level, _ in tree].index(1, len(tree) - len(ALL) - 1)
    assert [_attributes(bundle, o)["ReqIF.ForeignID"] for _, o in tree[start + 1:]] == ALL
    assert all(level == 2 for level, _ in tree[start + 1:])

    root = ET.fromstring(path.read_bytes())
    changed = {o.get("LONG-NAME"): o.get("LAST-CHANGE") for o in root.iter(f"{REQIF_NS}SPEC-OBJECT")}
    for requirement_id in ("REQ-001", "REQ-002", "REQ-004", "REQ-005"):  # the commit that last changed it (REQ-002: a plain one)
        committed = git(with_requirements.path, "log", "-1", "--format=%aI", with_requirements.added[requirement_id]).strip()
        assert datetime.fromisoformat(changed[requirement_id]) == datetime.fromisoformat(committed), requirement_id
    no_raw_controls(path.read_text(encoding="utf-8"))

    assert [str(e).splitlines()[0] for e in reqif_schema().iter_errors(str(path))] == []

    without = _reqif_bundle(export_file(cli, with_requirements.path, tmp_path, "reqif", "--without-retired"))
    identifiers = {o.identifier for o in without.core_content.req_if_content.spec_objects}
    assert not any(i.endswith("-REQ-003") for i in identifiers)
    assert all(r.source in identifiers and r.target in identifiers for r in without.core_content.req_if_content.spec_relations)


def test_an_export_at_an_earlier_commit_holds_the_requirements_then(cli, with_requirements, tmp_path):
    at_first = _json(cli, with_requirements.path, tmp_path, "--at", with_requirements.added["REQ-001"])
    assert [r["id"] for r in at_first["requirements"]] == ["REQ-001"]
    before = _json(cli, with_requirements.path, tmp_path, "--at", with_requirements.before_requirements)
    assert before["requirements"] == []
    reqif = export_file(cli, with_requirements.path, tmp_path, "reqif", "--at", with_requirements.before_requirements).read_text()
    assert 'LONG-NAME="Requirement"' not in reqif and "Derived from" not in reqif


def test_a_project_without_requirements_exports_as_before(cli, project_dir, tmp_path):
    cli("answer", "data.data-source", "--text", "Charger logs", "--project", project_dir)

    assert "## Requirements" not in export_file(cli, project_dir, tmp_path, "md").read_text()
    page = export_file(cli, project_dir, tmp_path, "html").read_text()
    assert 'id="requirements"' not in page and 'class="reqs"' not in page and 'href="#requirements"' not in page
    assert _json(cli, project_dir, tmp_path)["requirements"] == []
    from openpyxl import load_workbook

    assert "Requirements" not in load_workbook(export_file(cli, project_dir, tmp_path, "xlsx")).sheetnames
    assert 'LONG-NAME="Requirement"' not in export_file(cli, project_dir, tmp_path, "reqif").read_text()
    table = export_file(cli, project_dir, tmp_path, "csv", "--table", "requirements").read_bytes()
    assert table == b"id,text,pattern,from,challenges,criteria,priority,status,owner,review,conflict\r\n"


def test_a_broken_requirements_file_stops_the_export_in_one_line(cli, project_dir, tmp_path):
    (project_dir / "requirements.toml").write_text('last_id = 1\n[[requirement]]\nid = "REQ-001"\ntext = "x"\npattern = "nope"\nfrom = ["data.data-source"]\n')
    target = tmp_path / "out.html"

    line = assert_one_line_error(cli("export", project_dir, "--output", target), 3)

    assert "requirements.toml" in line and "unknown pattern 'nope'" in line
    assert not target.exists()
