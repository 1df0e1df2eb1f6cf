"""The question bank: the MLOps Requirements Form's content as data, and its model.

Plain Python: never imports textual, so the CLI and tests use it without a terminal.
"""

from .errors import BankError, MlreqError
from .loader import BUILTIN_FORMS, DEFAULT_FORM, STATUSES, builtin_form, builtin_form_path, form_from_data, load_form
from .model import Column, Form, FrontPage, Question, Reference, Role, Stage, TraceItem

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
