"""JSON: the documented, versioned `mlreq.export/1` schema (see README, "JSON export schema")."""

from __future__ import annotations

from ..safetext import safe_json
from .model import FormState, export_rows, front_page_sections, overall_tally, requirement_rows, stage_tallies

JSON_SCHEMA = "mlreq.export/1"


def export_json(state: FormState) -> str:
    form = state.form
    total = overall_tally(state)
    document = {
        "schema": JSON_SCHEMA,
        "project": state.name,
        "form": {"id": form.id, "title": form.title, "version": form.version},
        "front_page": [{"heading": heading, "text": text} for heading, text in front_page_sections(form)],
        "at": None if state.revision is None else {"revision": state.revision, "commit": state.commit, "date": state.moment.isoformat()},
        "filters": state.filters.as_json(),
        "answered": total.answered,
        "total": total.total,
        "stages": [{"id": t.id, "name": t.name, "answered": t.answered, "total": t.total} for t in stage_tallies(state)],
        "questions": export_rows(state),
        "requirements": requirement_rows(state),
    }
    return safe_json(document) + "\n"
