"""Name a new iteration (a milestone such as "Kick-off workshop") and say what happened."""

from __future__ import annotations

from .fields_prompt import Field, FieldsPrompt


class IterationPrompt(FieldsPrompt):
    """Dismisses with (name, note), or None."""

    def __init__(self, current: str | None) -> None:
        since = f" (the last one was {current!r})" if current else ""
        fields = [
            Field("name", "e.g. Kick-off workshop", required="Give the iteration a name."),
            Field("note", "what happened (optional)"),
        ]
        super().__init__(f"Name this state of the requirements{since}:", fields, "Name it")

    def finish(self, values: dict[str, str]) -> tuple[str, str]:
        return values["name"], values["note"]
