"""Every export format read back by an independent reader (json, csv, openpyxl, the `reqif`
package and the ReqIF 1.2 XSD, ElementTree, html.parser), with answers holding HTML,
Markdown table pipes, spreadsheet formulas and terminal control characters."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import git

from .conftest import (
    AMPERSAND,
    ANSWERED,
    ERRORISH,
    FORMULA,
    HOSTILE,
    MULTILINE,
    NAME,
    PIPES,
    SCRIPT,
    STAGE_COUNTS,
    export_file,
    no_raw_controls,
    reqif_schema,
)

REQIF_NS = "{http://www.omg.org/spec/ReqIF/20110401/reqif.xsd}"
MULTILINE_NORMALISED = MULTILINE.replace("\r\n", "\n")


# --------------------------------------------------------------------------- JSON


def test_json_keeps_every_text_exactly(cli, hostile, tmp_path):
    data = json.loads(export_file(cli, hostile.path, tmp_path, "json").read_text(encoding="utf-8"))

    assert data["schema"] == "mlreq.export/1"
    assert data["project"] == NAME
    assert len(data["questions"]) == 37
    assert (data["answered"], data["total"]) == (ANSWERED, 37)
    assert data["at"] is None
    assert data["filters"] == {"stages": [], "roles": [], "statuses": []}
    assert [s["name"] for s in data["stages"]] == list(STAGE_COUNTS)
    rows = {q["id"]: q for q in data["questions"]}
    for question_id, (answer, status, notes) in HOSTILE.items():
        assert rows[question_id]["answer"] == answer  # JSON is for machines: exact, CRLF and all
        assert rows[question_id]["status"] == status
        assert rows[question_id]["notes"] == notes


def test_json_escapes_c1_controls_too(cli, hostile, tmp_path):
    text = export_file(cli, hostile.path, tmp_path, "json").read_text(encoding="utf-8")

    no_raw_controls(text)
    assert "\\u009b" in text and "\\u001b" in text


# --------------------------------------------------------------------------- CSV


def test_csv_reads_back_every_text_exactly(cli, hostile, tmp_path):
    path = export_file(cli, hostile.path, tmp_path, "csv")

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    assert len(rows) == 37
    by_id = {row["id"]: row for row in rows}
    for question_id, (answer, status, notes) in HOSTILE.items():
        assert by_id[question_id]["answer"] == answer  # formulas, CRLF and controls as saved
        assert by_id[question_id]["status"] == status
        assert by_id[question_id]["notes"] == notes
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_for_spreadsheets_quotes_formulas_and_starts_with_a_bom(cli, hostile, tmp_path):
    path = export_file(cli, hostile.path, tmp_path, "csv", "--for-spreadsheet", "--bom")

    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,stage,")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {row["id"]: row for row in rows}
    assert by_id["scoping.budget-limit"]["answer"] == "'" + FORMULA
    assert by_id["scoping.budget-limit"]["notes"] == "'+1 more formula-ish note"
    assert by_id["deployment.output-metrics"]["answer"] == "'@SUM(1+1)"
    assert by_id["scoping.end-user"]["answer"] == PIPES
    assert by_id["data.privacy"]["answer"] == MULTILINE
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# --------------------------------------------------------------------------- Markdown

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def test_markdown_tables_keep_their_shape(cli, hostile, tmp_path):
    text = export_file(cli, hostile.path, tmp_path, "md").read_text(encoding="utf-8")

    no_raw_controls(text)
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    assert [s.split("\n", 1)[0] for s in sections] == [*STAGE_COUNTS, "About this form"]
    assert "### How to use it in practice" in sections.pop()  # the form's front page
    for section in sections:
        name = section.split("\n", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("|")]
        assert rows[0].startswith("| Roles to ask | Requirement Question | Requirement Question Answer |")
        assert rows[1] == "|---|---|---|---|---|"
        assert len(rows) - 2 == STAGE_COUNTS[name], name
        for row in rows:
            cells = _CELL_SPLIT.split(row)
            assert len(cells) == 7, row  # 5 cells between 6 unescaped pipes
    # Each hostile answer sits in its one row, made harmless.
    assert "\\| a \\| b \\|<br>\\|---\\|---\\|<br>\\| c \\| d \\|<br>end of table \\| still the same cell" in text
    assert "&lt;script&gt;document.title" in text and "<script" not in text
    assert "Tom &amp; Jerry" in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "bell ␇ esc ␛\\[31mred␛\\[0m csi &lt;U+009B&gt;2J" in text  # Markdown renders &lt; as <, \\[ as [
    assert "First line<br>second line<br><br>&nbsp;&nbsp;indented fourth line<br>fifth after CRLF" in text
    assert text.startswith('# Hostile &lt;b&gt;&amp; "Co" project\n')


# --------------------------------------------------------------------------- XLSX


def test_xlsx_sheets_frozen_header_and_wrapped_text(cli, hostile, tmp_path):
    from openpyxl import load_workbook

    workbook = load_workbook(export_file(cli, hostile.path, tmp_path, "xlsx"))

    assert workbook.sheetnames == ["Summary", *STAGE_COUNTS, "About this form"]
    for name, count in STAGE_COUNTS.items():
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == count + 1
        header = [cell.value for cell in sheet[1]]
        assert header[:4] == ["ID", "Roles to ask", "Requirement Question", "Requirement Question Answer"]
        assert sheet["A2"].alignment.wrap_text and sheet["D2"].alignment.wrap_text
        assert sheet.column_dimensions["D"].width >= 50  # the answer column is wide
        assert sheet.column_dimensions["A"].width >= 20
        assert sheet.auto_filter.ref == f"A1:K{count + 1}"  # every column but the hidden stamp
    scoping = {row[0].value: row for row in workbook["Scoping"].iter_rows(min_row=2)}
    budget = scoping["scoping.budget-limit"]
    assert budget[3].value == FORMULA and budget[3].data_type == "s"
    assert budget[3].quotePrefix
    assert budget[4].value == "needs-review"
    assert budget[6].value == "+1 more formula-ish note" and budget[6].data_type == "s"
    assert scoping["scoping.business-problems"][3].value == SCRIPT
    assert scoping["scoping.end-user"][3].value == PIPES
    data = {row[0].value: row for row in workbook["Data"].iter_rows(min_row=2)}
    assert data["data.data-source"][3].value == "bell ␇ esc ␛[31mred␛[0m csi <U+009B>2J title ␛]2;PWNED␇ end"
    assert data["data.privacy"][3].value == MULTILINE_NORMALISED
    modeling = {row[0].value: row for row in workbook["Modeling"].iter_rows(min_row=2)}
    assert modeling["modeling.baseline"][6].value == ERRORISH and modeling["modeling.baseline"][6].data_type == "s"
    deployment = {row[0].value: row for row in workbook["Deployment"].iter_rows(min_row=2)}
    assert deployment["deployment.output-metrics"][3].value == "@SUM(1+1)"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    no_raw_controls(cell.value)


def test_xlsx_summary_counts_progress_per_stage_and_role(cli, hostile, tmp_path):
    from openpyxl import load_workbook

    summary = load_workbook(export_file(cli, hostile.path, tmp_path, "xlsx"))["Summary"]

    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    assert rows[0][0] == NAME
    stage_header = next(i for i, row in enumerate(rows) if row[0] == "Stage")
    assert rows[stage_header][:4] == ["Stage", "Answered", "Total", "Progress"]
    by_name = {row[0]: row for row in rows[stage_header + 1 : stage_header + 6]}
    assert by_name["Scoping"][1:3] == [3, 8]
    assert by_name["Data"][1:3] == [2, 14]
    assert by_name["All stages"][1:3] == [ANSWERED, 37]
    assert summary.cell(stage_header + 2, 4).number_format == "0%"
    role_header = next(i for i, row in enumerate(rows) if row[0] == "Role")
    roles = {row[0]: row for row in rows[role_header + 1 :] if row[0]}
    assert roles["Legal team"][2] == 3 and "Data scientist" in roles


# --------------------------------------------------------------------------- ReqIF


def _reqif_bundle(path: Path):  # type: ignore[no-untyped-def]
    from reqif.parser import ReqIFParser

    bundle = ReqIFParser.parse(str(path))
    assert bundle.exceptions == []
    return bundle


def _attributes(bundle, spec_object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """LONG-NAME -> value, through the spec object type's attribute definitions."""
    spec_type = bundle.lookup.get_spec_type_by_ref(spec_object.spec_object_type)
    names = {d.identifier: d.long_name for d in spec_type.attribute_definitions}
    values: dict[str, object] = {}
    for attribute in spec_object.attributes:
        value = attribute.value
        if isinstance(value, list):  # enumeration: refs to ENUM-VALUEs, read their LONG-NAME
            definition = spec_type.attribute_map[attribute.definition_ref]
            enum = bundle.lookup.get_data_type_by_ref(definition.datatype_definition)
            value = [enum.values_map[ref].long_name for ref in value]
        values[names[attribute.definition_ref]] = value
    return values


def test_reqif_parses_with_the_reqif_package(cli, hostile, tmp_path):
    bundle = _reqif_bundle(export_file(cli, hostile.path, tmp_path, "reqif"))

    content = bundle.core_content.req_if_content
    header = bundle.req_if_header
    assert header.title == NAME
    assert bundle.namespace_info.namespace == "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
    questions = [o for o in content.spec_objects if _attributes(bundle, o).get("ReqIF.ForeignID")]
    assert len(questions) == ANSWERED
    by_id = {_attributes(bundle, o)["ReqIF.ForeignID"]: _attributes(bundle, o) for o in questions}
    assert set(by_id) == set(HOSTILE)
    source = by_id["data.data-source"]
    assert source["Stage"] == "Data"
    assert source["ReqIF.Name"] == "Where does the data come from?"
    assert source["Roles"] == "Business stakeholder, Product owner, Data scientist, Data engineer"
    assert source["Status"] == ["draft"]
    assert source["ReqIF.Text"] == "bell ␇ esc ␛[31mred␛[0m csi <U+009B>2J title ␛]2;PWNED␇ end"
    assert source["Notes"] == "note with ␛[2J"
    assert by_id["data.privacy"]["ReqIF.Text"] == MULTILINE_NORMALISED  # line breaks survive the attribute
    assert by_id["scoping.business-problems"]["ReqIF.Text"] == SCRIPT
    assert by_id["scoping.end-user"]["ReqIF.Text"] == PIPES
    assert by_id["scoping.budget-limit"]["ReqIF.Text"] == FORMULA
    assert by_id["scoping.budget-limit"]["Status"] == ["needs-review"]
    assert by_id["modeling.baseline"]["ReqIF.Text"] == AMPERSAND
    assert by_id["scoping.business-problems"]["Traces"] == "BP4"
    assert by_id["scoping.business-problems"]["Examples"].startswith("Battery optimization")
    expected = {"ReqIF.ForeignID", "Stage", "Roles", "ReqIF.Name", "ReqIF.Text", "Status", "Traces", "Examples", "Notes", "Depends on"}
    assert set(source) == expected
    assert set(by_id["scoping.business-problems"]) == expected - {"Notes", "Depends on"}  # empty values are left out


def test_reqif_hierarchy_has_each_stage_with_its_questions(cli, hostile, tmp_path):
    bundle = _reqif_bundle(export_file(cli, hostile.path, tmp_path, "reqif"))

    [specification] = bundle.core_content.req_if_content.specifications
    tree = [(h.level, bundle.lookup.get_spec_object_by_ref(h.spec_object)) for h in bundle.iterate_specification_hierarchy(specification)]
    headings = [_attributes(bundle, o) for level, o in tree if level == 1]
    assert [h["ReqIF.ChapterName"] for h in headings] == ["About this form", "Scoping", "Data", "Modeling", "Deployment"]
    assert "How to use it in practice" in headings[0]["ReqIF.Text"]  # the form's front page
    questions = [_attributes(bundle, o)["ReqIF.ForeignID"] for level, o in tree if level == 2]
    assert questions == list(HOSTILE)  # HOSTILE is in form order


def test_reqif_relations_are_the_question_dependencies(cli, hostile, tmp_path):
    from mlreq.bank import DEFAULT_FORM, builtin_form

    bundle = _reqif_bundle(export_file(cli, hostile.path, tmp_path, "reqif", "--include-unanswered"))

    content = bundle.core_content.req_if_content
    question_id = {o.identifier: _attributes(bundle, o).get("ReqIF.ForeignID") for o in content.spec_objects}
    links = set()
    for relation in content.spec_relations:
        assert bundle.lookup.get_spec_type_by_ref(relation.relation_type_ref).long_name == "Depends on"
        links.add((question_id[relation.source], question_id[relation.target]))
    form = builtin_form(DEFAULT_FORM)
    assert links == {(q.id, upstream) for q in form.questions for upstream in q.depends_on}
    answered_only = _reqif_bundle(export_file(cli, hostile.path, tmp_path, "reqif")).core_content.req_if_content
    exported = {o.identifier for o in answered_only.spec_objects}
    assert all(r.source in exported and r.target in exported for r in answered_only.spec_relations or [])


def test_reqif_is_valid_against_the_reqif_xsd(cli, hostile, tmp_path):
    path = export_file(cli, hostile.path, tmp_path, "reqif", "--include-unanswered")
    errors = [str(e).splitlines()[0] for e in reqif_schema().iter_errors(str(path))]
    assert errors == []


def test_reqif_has_no_raw_controls_and_parses_as_plain_xml(cli, hostile, tmp_path):
    path = export_file(cli, hostile.path, tmp_path, "reqif", "--include-unanswered")
    text = path.read_text(encoding="utf-8")

    no_raw_controls(text)
    root = ET.fromstring(path.read_bytes())
    assert root.tag == f"{REQIF_NS}REQ-IF"
    objects = root.findall(f".//{REQIF_NS}SPEC-OBJECTS/{REQIF_NS}SPEC-OBJECT")
    assert len(objects) == 37 + 4 + 1  # every question, a heading per stage, and the front page
    assert 'THE-VALUE=""' not in text  # StrictDoc refuses empty values: they are left out
    assert "&#10;" in text  # newlines inside attribute values are character references


def test_reqif_identifiers_are_stable_and_carry_git_times(cli, hostile, tmp_path):
    first = export_file(cli, hostile.path, tmp_path, "reqif")
    second = export_file(cli, hostile.path, tmp_path, "reqif")

    def objects(path: Path) -> dict[str, str]:
        root = ET.fromstring(path.read_bytes())
        return {o.get("IDENTIFIER"): o.get("LAST-CHANGE") for o in root.iter(f"{REQIF_NS}SPEC-OBJECT")}

    assert objects(first) == objects(second)
    ids = [i for i in objects(first) if "." in i]
    assert len(ids) == ANSWERED and all(re.fullmatch(r"mlreq-[0-9a-f]{8}-[a-z0-9.-]+", i) for i in ids)
    when = objects(first)[next(i for i in ids if i.endswith("-data.privacy"))]
    committed = git(hostile.path, "log", "-1", "--format=%aI", hostile.commits["data.privacy"]).strip()
    assert datetime.fromisoformat(when) == datetime.fromisoformat(committed)


# --------------------------------------------------------------------------- HTML (without a browser)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self.scripts += tag == "script"


def test_html_is_one_self_contained_escaped_page(cli, hostile, tmp_path):
    text = export_file(cli, hostile.path, tmp_path, "html").read_text(encoding="utf-8")

    no_raw_controls(text)
    page = _Collector()
    page.feed(text)
    assert page.scripts == 1  # the page's own filter script, nothing from an answer
    assert not [t for t, a in page.tags if t in ("link", "iframe", "object", "embed", "img", "base")]
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, value)
            assert not (value or "").startswith(("http:", "https:", "//")), (name, value)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert "&lt;script&gt;document.title" in text
    articles = [a for t, a in page.tags if t == "article"]
    assert len(articles) == 37
    assert {a["data-status"] for a in articles} == {"open", "draft", "agreed", "needs-review"}
    assert "First line\nsecond line\n\n  indented fourth line\nfifth after CRLF" in text  # pre-wrap keeps breaks


@pytest.mark.parametrize("fmt", ["md", "html", "reqif"])
def test_notes_and_names_with_controls_are_visible_in_human_formats(cli, hostile, tmp_path, fmt):
    text = export_file(cli, hostile.path, tmp_path, fmt).read_text(encoding="utf-8")

    no_raw_controls(text)
    assert ("␛\\[31mred" if fmt == "md" else "␛[31mred") in text
