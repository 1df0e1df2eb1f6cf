"""Exports of a project for people and for other tools: Markdown, HTML, CSV, XLSX, JSON, ReqIF.

Each format is one module; all of them show a `FormState` (a question set with its answers
at one point, narrowed by `Filters`). Text formats come back as `str`, XLSX as `bytes`.
"""

from __future__ import annotations

from .csvfile import export_csv
from .htmlpage import export_html
from .jsonfile import JSON_SCHEMA, export_json
from .markdown import export_markdown
from .model import Filters, FormState, Tally, export_rows, overall_tally, project_key, role_tallies, stage_tallies
from .reqifxml import export_reqif
from .source import load_state
from .xlsx import export_xlsx

EXPORT_FORMATS = ("md", "html", "csv", "xlsx", "json", "reqif")
BINARY_FORMATS = ("xlsx",)
SUFFIXES = {"md": ".md", "html": ".html", "csv": ".csv", "xlsx": ".xlsx", "json": ".json", "reqif": ".reqif"}

_TEXT = {"md": export_markdown, "html": export_html, "csv": export_csv, "json": export_json, "reqif": export_reqif}


def export(state: FormState, fmt: str, *, include_unanswered: bool = False) -> str:
    """A text format as a string (`render` gives bytes for every format)."""
    if fmt == "reqif":
        return export_reqif(state, include_unanswered=include_unanswered)
    if fmt not in _TEXT:
        raise ValueError(f"{fmt!r} is not a text export format")
    return _TEXT[fmt](state)


def render(state: FormState, fmt: str, *, include_unanswered: bool = False) -> bytes:
    """Any format as the bytes of its file (text formats in UTF-8)."""
    if fmt == "xlsx":
        return export_xlsx(state)
    return export(state, fmt, include_unanswered=include_unanswered).encode("utf-8")


__all__ = [
    "BINARY_FORMATS",
    "EXPORT_FORMATS",
    "JSON_SCHEMA",
    "SUFFIXES",
    "Filters",
    "FormState",
    "Tally",
    "export",
    "export_csv",
    "export_html",
    "export_json",
    "export_markdown",
    "export_reqif",
    "export_rows",
    "export_xlsx",
    "load_state",
    "overall_tally",
    "project_key",
    "render",
    "role_tallies",
    "stage_tallies",
]
