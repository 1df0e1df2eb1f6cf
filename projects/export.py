"""Kept for older imports: the exports live in `projects.exports`, one module per format."""

from __future__ import annotations

from .exports import (
    BINARY_FORMATS,
    EXPORT_FORMATS,
    JSON_SCHEMA,
    Filters,
    FormState,
    export,
    export_csv,
    export_json,
    export_markdown,
    export_rows,
    render,
)

__all__ = [
    "BINARY_FORMATS",
    "EXPORT_FORMATS",
    "JSON_SCHEMA",
    "Filters",
    "FormState",
    "export",
    "export_csv",
    "export_json",
    "export_markdown",
    "export_rows",
    "render",
]
