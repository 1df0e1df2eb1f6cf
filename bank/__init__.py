"""The question bank: the MLOps Requirements Form's content as data, and its model.

Plain Python: never imports textual, so the CLI and tests use it without a terminal.
"""

from __future__ import annotations

import importlib

from .errors import BankError, MlreqError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

    from .loader import BUILTIN_FORMS, DEFAULT_FORM, STATUSES, builtin_form, builtin_form_path, form_from_data, load_form
    from .model import Column, Form, FrontPage, Question, Reference, Role, Stage, TraceItem

# Loaded on first use (PEP 562): `from mlreq.bank.errors import MlreqError` must not read
# the forms' model and loader, so that short `mlreq` commands start fast.
_LAZY = {
    **dict.fromkeys(("BUILTIN_FORMS", "DEFAULT_FORM", "STATUSES", "builtin_form", "builtin_form_path",
                     "form_from_data", "load_form"), "loader"),
    **dict.fromkeys(("Column", "Form", "FrontPage", "Question", "Reference", "Role", "Stage", "TraceItem"), "model"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "BUILTIN_FORMS",
    "DEFAULT_FORM",
    "STATUSES",
    "BankError",
    "Column",
    "Form",
    "FrontPage",
    "MlreqError",
    "Question",
    "Reference",
    "Role",
    "Stage",
    "TraceItem",
    "builtin_form",
    "builtin_form_path",
    "form_from_data",
    "load_form",
]
