"""Who agreed: `--agreed-by ROLE` with `--status agreed` lands in the answer TOML, `show`,
`--json`, the exports and history; partly agreed is said as such. Real git, CLI in-process."""

from __future__ import annotations

import csv
import io
import json
import tomllib

from mlreq.projects import Project
from mlreq.projects.answers import Entry
from mlreq.projects.history import History
from mlreq.projects.mergedriver import merge_entries

from helpers import assert_one_line_error, commit_count, git

PRIVACY = "data.privacy"  # asked of Data engineer, Legal team, Business stakeholder, Product owner


def agree(cli, project: Project, *roles: str):  # type: ignore[no-untyped-def]
    flags = [arg for role in roles for arg in ("--agreed-by", role)]
    return cli("answer", PRIVACY, "--text", "No personal data is kept.", "--status", "agreed", *flags, "--project", project.root)


def test_agreed_by_round_trips_through_toml_show_json_history_and_the_commit(project: Project, cli) -> None:
    outcome = agree(cli, project, "Legal team", "data engineer")  # names or ids, any case
    assert outcome.code == 0, outcome.err
    table = tomllib.loads((project.root / "answers/data.toml").read_text("utf-8"))[PRIVACY]
    assert table["agreed_by"] == ["data-engineer", "legal-team"]  # the form's order
    shown = cli("show", PRIVACY, "--project", project.root).out
    assert "Agreed by: partly: Data engineer, Legal team (not yet: Business stakeholder, Product owner)" in shown
    data = json.loads(cli("show", PRIVACY, "--json", "--project", project.root).out)
    assert (data["agreed_by"], data["sign_off"]) == (["Data engineer", "Legal team"], "partly")
    assert "agreed by Data engineer, Legal team" in git(project.root, "log", "-1", "--format=%B")
    assert cli("answer", PRIVACY, "--status", "agreed", "--agreed-by", "Business stakeholder", "--agreed-by", "Product owner",
               "--agreed-by", "Legal team", "--agreed-by", "Data engineer", "--project", project.root).code == 0
    again = json.loads(cli("show", PRIVACY, "--json", "--project", project.root).out)
    assert again["sign_off"] == "all"
    versions = History(Project.open(project.root)).timeline(PRIVACY)
    assert [v.entry.agreed_by for v in versions][-2:] == [
        ("data-engineer", "legal-team"), ("business-stakeholder", "product-owner", "data-engineer", "legal-team")]


def test_every_export_says_who_agreed_and_partly(project: Project, cli) -> None:
    agree(cli, project, "Legal team")
    exported = {}
    for fmt in ("json", "csv", "md", "html"):
        out = project.root.parent / f"out.{fmt}"
        assert cli("export", "--format", fmt, "--output", out, cwd=project.root).code == 0
        exported[fmt] = out.read_text("utf-8")
    row = next(q for q in json.loads(exported["json"])["questions"] if q["id"] == PRIVACY)
    assert (row["agreed_by"], row["sign_off"]) == (["Legal team"], "partly")
    csv_row = next(r for r in csv.DictReader(io.StringIO(exported["csv"])) if r["id"] == PRIVACY)
    assert csv_row["agreed_by"] == "partly: Legal team"
    assert "agreed (partly by Legal team)" in exported["md"]
    assert "Agreed by partly: Legal team (not yet: " in exported["html"]


def test_xlsx_and_reqif_say_who_agreed_and_the_sheet_still_imports(project: Project, cli) -> None:
    from openpyxl import load_workbook
    from reqif.parser import ReqIFParser

    agree(cli, project, "Legal team")
    assert cli("answer", "data.ownership", "--text", "The operator.", "--project", project.root).code == 0
    sheet_file, reqif_file = project.root.parent / "out.xlsx", project.root.parent / "out.reqif"
    for out in (sheet_file, reqif_file):
        assert cli("export", "--format", out.suffix[1:], "--output", out, cwd=project.root).code == 0
    sheet = load_workbook(sheet_file)["Data"]
    header = [cell.value for cell in sheet[1]]
    assert header[-2:] == ["Agreed by", "mlreq base (do not edit)"]  # the stamp stays last, hidden
    assert sheet.column_dimensions["L"].hidden and not sheet.column_dimensions["K"].hidden
    rows = {row[0].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=2)}
    assert rows[PRIVACY][-2] == "partly: Legal team" and rows["data.ownership"][-2] in (None, "")
    imported = cli("import", sheet_file, "--project", project.root)
    assert imported.code == 0 and "0 imported, 0 kept as conflicts, 37 unchanged" in imported.out

    bundle = ReqIFParser.parse(str(reqif_file))
    assert bundle.exceptions == []
    definitions = {d.identifier: d.long_name for t in bundle.core_content.req_if_content.spec_types
                   for d in (getattr(t, "attribute_definitions", None) or [])}
    agreed = {}
    for spec_object in bundle.core_content.req_if_content.spec_objects:
        values = {definitions[a.definition_ref]: a.value for a in spec_object.attributes}
        if values.get("ReqIF.ForeignID"):
            agreed[values["ReqIF.ForeignID"]] = values.get("Agreed by")
    assert agreed == {PRIVACY: "partly: Legal team", "data.ownership": None}  # an empty value is left out


def test_an_unknown_role_is_one_line_naming_the_choices_and_writes_nothing(project: Project, cli) -> None:
    commits = commit_count(project.root)
    outcome = agree(cli, project, "Legal team", "Janitor")
    line = assert_one_line_error(outcome, 2)
    assert "unknown role 'Janitor'" in line and "Data scientist" in line and "Legal team" in line
    assert commit_count(project.root) == commits
    assert Project.open(project.root).entry(PRIVACY).status == "open"


def test_a_flag_keeps_the_sign_offs_a_confirmation_restores_and_a_draft_drops(project: Project, cli) -> None:
    project.save("data.data-source", answer="Telemetry")
    agree(cli, project, "Legal team")
    Project.open(project.root).save("data.data-source", answer="Telemetry and roaming sessions")
    flagged = Project.open(project.root).entry(PRIVACY)
    assert (flagged.status, flagged.agreed_by) == ("needs-review", ("legal-team",))
    assert cli("review", "--confirm", PRIVACY, "--project", project.root).code == 0
    confirmed = Project.open(project.root).entry(PRIVACY)
    assert (confirmed.status, confirmed.agreed_by) == ("agreed", ("legal-team",))
    assert cli("answer", PRIVACY, "--status", "draft", "--project", project.root).code == 0
    assert Project.open(project.root).entry(PRIVACY).agreed_by == ()


def test_a_sync_merge_keeps_a_sign_off_from_either_side_and_unites_two() -> None:
    base = Entry(answer="No personal data.", status="draft")
    ours = base.with_changes(status="agreed", agreed_by=("legal-team",))
    theirs = base.with_changes(notes="checked with the DPO")
    merged, conflicted = merge_entries(base, ours, theirs)
    assert not conflicted and merged.agreed_by == ("legal-team",) and merged.notes == "checked with the DPO"
    other = base.with_changes(status="agreed", agreed_by=("data-engineer",))
    assert merge_entries(base, ours, other)[0].agreed_by == ("legal-team", "data-engineer")


def test_status_shows_sign_off_per_role_once_an_answer_records_it(project: Project, cli) -> None:
    assert "Sign-off by role" not in cli("status", project.root).out
    agree(cli, project, "Legal team")
    out = cli("status", project.root).out
    block = out.split("Sign-off by role (agreed answers it signed off):\n", 1)[1]
    rows = {line[:24].strip(): line[24:].split() for line in block.splitlines()[:10]}
    assert rows["Legal team"] == ["1/1"] and rows["Data engineer"] == ["0/1"] and rows["Data scientist"] == ["0/0"]
    data = json.loads(cli("status", project.root, "--json").out)
    assert {"role": "Legal team", "signed": 1, "agreed": 1} in data["sign_offs"]


def test_form_edit_changes_roles_and_examples_and_drops_the_sign_off_of_a_role_no_longer_asked(project: Project, cli) -> None:
    agree(cli, project, "Legal team", "Product owner")
    outcome = cli("form", "edit", PRIVACY, "--roles", "Data engineer, Legal team, Data scientist",
                  "--examples", "GDPR, CCPA", "--project", project.root)
    assert outcome.code == 0, outcome.err
    reopened = Project.open(project.root)
    question = reopened.form.question(PRIVACY)
    assert (question.roles, question.examples) == (("data-engineer", "legal-team", "data-scientist"), "GDPR, CCPA")
    assert reopened.entry(PRIVACY).agreed_by == ("legal-team",)
    message = git(project.root, "log", "-1", "--format=%B")
    assert "Sign-offs dropped, as the question is no longer asked of these roles:\n  data.privacy: Product owner" in message
    assert f"Mlreq-Question: {PRIVACY}" in message
    assert git(project.root, "status", "--porcelain", "--", ".") == ""
    bad = cli("form", "edit", PRIVACY, "--roles", "Janitor", "--project", project.root)
    assert "unknown role 'Janitor': choose from Business stakeholder" in assert_one_line_error(bad, 2)
