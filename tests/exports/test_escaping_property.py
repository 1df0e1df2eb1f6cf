"""For any text at all, each format's escaping keeps its container intact."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from mlreq.projects.exports.csvfile import csv_cell
from mlreq.projects.exports.htmlpage import h
from mlreq.projects.exports.markdown import md_cell
from mlreq.projects.exports.reqifxml import attr, elem, xml_safe
from mlreq.projects.exports.xlsx import cell_text, sheet_titles

# Every code point Python strings can hold that TOML can carry, with the nasty ones often.
NASTY = st.sampled_from(list("|\\<>&\"'\n\r\t=+-@`*_#[]") + ["\x1b", "\x07", "\x9b", "\x00", "\x7f", "\u2028", "\ufffe"])
TEXT = st.lists(st.one_of(NASTY, st.characters(blacklist_categories=("Cs",))), max_size=60).map("".join)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_markdown_cell_is_one_cell(text):
    cell = md_cell(text)

    assert "\n" not in cell and "\r" not in cell
    assert not re.search(r"(?<!\\)\|", cell)  # every pipe escaped
    assert "<" not in cell.replace("<br>", "").replace("<U+", "")
    assert not CONTROL.search(cell)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_html_text_has_no_markup_and_no_controls(text):
    escaped = h(text)

    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert not CONTROL.search(escaped.replace("\t", "").replace("\n", ""))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_reqif_values_parse_back_exactly(text):
    document = f'<a v="{attr(text)}">{elem(text)}</a>'

    root = ET.fromstring(document)  # raises on any character XML 1.0 forbids

    assert root.get("v") == xml_safe(text)  # line breaks and tabs survive the attribute
    assert (root.text or "") == xml_safe(text)
    assert not CONTROL.search(xml_safe(text).replace("\t", "").replace("\n", ""))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_csv_and_xlsx_cells(text):
    assert not csv_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert len(cell_text(text * 1000)) <= 32767
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", cell_text(text))  # what openpyxl refuses


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(TEXT, st.text(alphabet="ab' ", min_size=28, max_size=40)), min_size=1, max_size=6))
def test_sheet_titles_are_valid_and_unique(names):
    titles = sheet_titles(names)

    assert len(titles) == len(names)
    assert len({t.casefold() for t in titles}) == len(titles)
    assert "summary" not in {t.casefold() for t in titles}
    for title in titles:
        assert 0 < len(title) <= 31
        assert not re.search(r"[\[\]:*?/\\]", title)
        assert not title.startswith("'") and not title.endswith("'")
