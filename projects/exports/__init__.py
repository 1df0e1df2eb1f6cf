"""Exports of a project for people and for other tools: Markdown, HTML, CSV, XLSX, JSON, ReqIF.

Each format is one module; all of them show a `FormState` (a question set with its answers
at one point, narrowed by `Filters`). Text formats come back as `str`, XLSX as `bytes`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

EXPORT_FORMATS = ("md", "html", "csv", "xlsx", "json", "reqif")
BINARY_FORMATS = ("xlsx",)
SUFFIXES = {"md": ".md", "html": ".html", "csv": ".csv", "xlsx": ".xlsx", "json": ".json", "reqif": ".reqif"}

# Formats and helpers load on first use: `mlreq` builds its argument parser from the
# constants above on every start, and openpyxl alone takes longer than the whole app.
_LAZY = {
    "export_csv": "csvfile",
    "export_html": "htmlpage",
    "JSON_SCHEMA": "jsonfile",
    "export_json": "jsonfile",
    "export_markdown": "markdown",
    "Filters": "model",
    "FormState": "model",
    "Tally": "model",
    "export_rows": "model",
    "overall_tally": "model",
    "project_key": "model",
    "requirement_rows": "model",
    "role_tallies": "model",
    "stage_tallies": "model",
    "export_reqif": "reqifxml",
    "load_state": "source",
    "export_xlsx": "xlsx",
}
_TEXT = {"md": "export_markdown", "html": "export_html", "csv": "export_csv", "json": "export_json"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def export(
    state: Any, fmt: str, *, include_unanswered: bool = False, for_spreadsheet: bool = False, bom: bool = False,
    table: str = "questions",
) -> str:
    """A text format as a string (`render` gives bytes for every format).

    `include_unanswered` is ReqIF's; `for_spreadsheet`, `bom` and `table` ("questions" or
    "requirements") are CSV's (see csvfile).
    """
    if fmt == "reqif":
        return __getattr__("export_reqif")(state, include_unanswered=include_unanswered)
    if fmt == "csv":
        return __getattr__("export_csv")(state, for_spreadsheet=for_spreadsheet, bom=bom, table=table)
    if fmt not in _TEXT:
        raise ValueError(f"{fmt!r} is not a text export format")
    return __getattr__(_TEXT[fmt])(state)


def render(state: Any, fmt: str, **options: Any) -> bytes:
    """Any format as the bytes of its file (text formats in UTF-8); `options` as for `export`."""
    if fmt == "xlsx":
        return __getattr__("export_xlsx")(state)
    return export(state, fmt, **options).encode("utf-8")


__all__ = ["BINARY_FORMATS", "EXPORT_FORMATS", "SUFFIXES", "export", "render", *_LAZY]
