"""The CSV is for tools: Python's csv module reads back exactly the text of every answer
and note, whatever it starts with or holds (formulas, list dashes, quotes, CR LF, controls)."""

from __future__ import annotations

import csv
import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlreq.bank import DEFAULT_FORM, builtin_form
from mlreq.projects.answers import Entry
from mlreq.projects.exports import FormState, render

from .test_escaping_property import TEXT

LONG = os.environ.get("MLREQ_LONG_TESTS") == "1"
FORM = builtin_form(DEFAULT_FORM)
QUESTIONS = [q.id for q in FORM.questions[:3]]
STARTS = st.sampled_from(["- ", "=", "+", "@", "-", "\t", "\r", "'", '"', "", "=HYPERLINK(", "\ufeff"])
HOSTILE_TEXT = st.builds(lambda start, rest: start + rest, STARTS, TEXT)


@settings(max_examples=3000 if LONG else 60, deadline=None, print_blob=True)
@given(st.lists(st.tuples(HOSTILE_TEXT, HOSTILE_TEXT), min_size=3, max_size=3), st.booleans())
def test_csv_reads_back_exactly_the_saved_texts(texts, bom):
    entries = {qid: Entry(answer=answer, status="draft", notes=notes) for qid, (answer, notes) in zip(QUESTIONS, texts)}
    state = FormState("Round trip", FORM, entries)

    data = render(state, "csv", bom=bom)

    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))}
    assert len(rows) == len(FORM.questions)
    for qid, (answer, notes) in zip(QUESTIONS, texts):
        assert rows[qid]["answer"] == answer
        assert rows[qid]["notes"] == notes


@pytest.mark.parametrize("fmt", ["md", "xlsx", "json"])
def test_csv_options_are_refused_for_other_formats(cli, project_dir, fmt):
    outcome = cli("export", "--format", fmt, "--for-spreadsheet", "--output", project_dir.parent / f"x.{fmt}", cwd=project_dir)

    assert outcome.code == 2, outcome
    assert "--for-spreadsheet applies to --format csv only" in outcome.err
