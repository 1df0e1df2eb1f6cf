"""The Markdown export rendered by real Markdown readers: markdown-it-py (CommonMark with GFM
tables, as GitHub and most sites render) for any answer text, and pandoc when installed.
Every row keeps its five cells and every cell shows exactly the text typed: no markup
obeyed, no image fetched, indentation kept, no literal `<br>`."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlreq.bank import DEFAULT_FORM, builtin_form
from mlreq.projects.answers import Entry
from mlreq.projects.exports import FormState, export
from mlreq.projects.exports.model import shown

from .test_escaping_property import TEXT

LONG = os.environ.get("MLREQ_LONG_TESTS") == "1"
FORM = builtin_form(DEFAULT_FORM)
STAGE = FORM.stages[0]
QUESTIONS = [q for q in FORM.questions if q.stage == STAGE.id][:3]
MARKDOWN = st.sampled_from(
    ["\\|", "\\", "|", "![x](https://example.com/x.png)", "**b**", "`c`", "<img src=x>", "  - nested", "\t", "\u3000",
     "[l](https://example.com)", "&nbsp;", "&amp;", "~~s~~", "$x$", "^s^", "---", "> q", "# h", "1. ", "\\\n"]
)
ANSWER = st.lists(st.one_of(MARKDOWN, TEXT), max_size=8).map("".join)
RENDERER = MarkdownIt("commonmark").enable("table")


def expected(text: str) -> str:
    """What a cell shows: the text with control characters as symbols, trailing blanks of
    each line dropped and leading tabs as four spaces (no-break: HTML would drop them)."""
    lines = []
    for line in shown(text).split("\n"):
        line = line.rstrip()
        body = line.lstrip()
        lead = line[: len(line) - len(body)].replace("\t", "    ").replace(" ", "\u00a0")
        lines.append(lead + body)
    return "\n".join(lines)


def rendered_rows(markdown: str) -> list[list[str]]:
    """The text of each body cell of the stage's table, `<br>` read as a line break; any
    other markup (emphasis, links, images, code, raw HTML) fails the test."""
    rows: list[list[str]] = []
    tokens = RENDERER.parse(markdown)
    in_body = False
    for token in tokens:
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tbody_close":
            in_body = False
        elif in_body and token.type == "tr_open":
            rows.append([])
        elif in_body and token.type == "inline":
            text = ""
            for child in token.children or []:
                if child.type == "text":
                    text += child.content
                elif child.type == "html_inline" and child.content == "<br>":
                    text += "\n"
                else:
                    raise AssertionError(f"markup in a cell: {child.type} {child.content!r} in {token.content!r}")
            rows[-1].append(text)
    return rows


@settings(max_examples=2000 if LONG else 50, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANSWER, min_size=len(QUESTIONS), max_size=len(QUESTIONS)))
def test_every_answer_keeps_its_cell_and_its_text(answers):
    entries = {q.id: Entry(answer=a, status="draft") for q, a in zip(QUESTIONS, answers)}
    state = FormState("Render test", FORM, entries)

    rows = rendered_rows(export(state, "md"))

    stage_rows = rows[: len([q for q in FORM.questions if q.stage == STAGE.id])]
    assert all(len(row) == 5 for row in rows), [len(r) for r in rows]
    for row, question, answer in zip(stage_rows, QUESTIONS, answers):
        assert row[1] == question.text
        assert row[2] == expected(answer)


def test_the_issue_examples_render_right():
    answers = ["a \\| b", "ends in a backslash \\\nnext line", "- top\n  - nested\n    - deeper", "![t](https://example.com/t.png)"]
    entries = {q.id: Entry(answer=a) for q, a in zip(FORM.questions[:4], answers)}

    rows = rendered_rows(export(FormState("Issue", FORM, entries), "md"))

    assert [row[2] for row in rows[:4]] == [
        "a \\| b",
        "ends in a backslash \\\nnext line",
        "- top\n\u00a0\u00a0- nested\n\u00a0\u00a0\u00a0\u00a0- deeper",
        "![t](https://example.com/t.png)",
    ]
    html = RENDERER.render(export(FormState("Issue", FORM, entries), "md"))
    assert "<img" not in html and "&lt;br&gt;" not in html


PANDOC = shutil.which("pandoc")


class _Cells(HTMLParser):
    """The text of each table body row's cells in pandoc's HTML, <br> as a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.tags: list[str] = []
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = ""
        elif tag == "br" and self.cell is not None:
            self.cell += "\n"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None:
            self.cell += data


@pytest.mark.skipif(PANDOC is None, reason="pandoc is not installed: only markdown-it-py renders the Markdown")
def test_pandoc_keeps_the_columns_and_the_text():
    answers = ["a \\| b | c", "ends in a backslash \\\nnext", "  indented\n\t\ttabbed", "![t](https://example.com/t.png) $x$ ^s^ ~t~ **b** `c`"]
    entries = {q.id: Entry(answer=a) for q, a in zip(FORM.questions, answers)}
    markdown = export(FormState("Pandoc", FORM, entries), "md")

    page = subprocess.run([PANDOC, "-f", "markdown", "-t", "html"], input=markdown, capture_output=True, text=True, check=True, timeout=60).stdout

    cells = _Cells()
    cells.feed(page)
    rows = [row for row in cells.rows if row]
    assert len(rows) == len(FORM.questions) and all(len(row) == 5 for row in rows)
    assert [row[2] for row in rows[:4]] == [expected(a) for a in answers]
    assert not {"img", "math", "sup", "sub", "del", "strong", "code"} & set(cells.tags)
    assert 'class="math' not in page
