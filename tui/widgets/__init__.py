"""Widgets of the form screen."""

from .answer_editor import AnswerEditor
from .question_detail import QuestionDetail
from .question_nav import QuestionNav
from .save_indicator import SaveIndicator

__all__ = ["AnswerEditor", "QuestionDetail", "QuestionNav", "SaveIndicator"]
