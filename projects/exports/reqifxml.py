"""ReqIF 1.2 (OMG ReqIF 1.2, namespace http://www.omg.org/spec/ReqIF/20110401/reqif.xsd):
the interchange format of DOORS, Polarion, Jama and StrictDoc.

One SPEC-OBJECT per answered question (every exported question with
`include_unanswered`), of the SPEC-OBJECT-TYPE "Requirement Question" with string attributes
ReqIF.ForeignID (the question id), ReqIF.Name (the question), ReqIF.Text (the answer), Stage,
Roles, Traces, Examples, Notes, Depends on, Review reason, Other version, Agreed by ("partly: ..."
when not all the question's roles agreed), and the enumeration
Status. The ReqIF.* names are the Implementation Guide's: tools such as StrictDoc and DOORS
map them to their own id, title and text. An empty value is left out (StrictDoc's importer
refuses an empty THE-VALUE). One SPEC-OBJECT per stage as a heading (ReqIF.ChapterName),
after an "About this form" heading holding the form's front page as ReqIF.Text; one
SPECIFICATION whose SPEC-HIERARCHY holds each stage with its questions beneath. A question's
`depends_on` becomes a SPEC-RELATION "Depends on" from it (SOURCE) to the question it builds
on (TARGET), when both are in the export.

Requirements (requirements.toml) are SPEC-OBJECTs of their own SPEC-OBJECT-TYPE
"Requirement": ReqIF.ForeignID (REQ-001...), ReqIF.Text (the "shall" statement), Pattern,
Derived from, Challenges, Acceptance criteria (one a line), Owner, Review reason, Other
version, and the enumerations Status (draft, agreed, needs-review, retired) and Priority.
Each has a SPEC-RELATION "Derived from" to every question it was written from (SOURCE the
requirement, TARGET the question); those questions are exported even when unanswered, so
every link resolves. They sit under a "Requirements" heading after the stages, in id order.

Identifiers are stable across exports, clones and renames: "mlreq-<project key>-<question
id>", where the project key hashes the project's creation time (see `project_key`), so a
tool re-importing a later export updates its objects instead of duplicating them.
LAST-CHANGE is the time of the last commit that touched the question (else the export's
time). Control characters XML 1.0 forbids are written as visible symbols (␛, <U+009B>),
never raw; line breaks inside attribute values are written as &#10; so they survive.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from mlreq.bank import STATUSES

from ..safetext import visible
from .model import FormState, agreed_by_text, conflict_text, front_page_text, requirement_rows, state_key

NAMESPACE = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
TOOL_ID = "mlreq"
TYPES_DATE = datetime(2026, 12, 3, tzinfo=timezone.utc).isoformat()
"""LAST-CHANGE of the data types and spec types: changes only when they do."""
STRING_TYPE = "mlreq-datatype-string"
STATUS_TYPE = "mlreq-datatype-status"
QUESTION_TYPE = "mlreq-type-question"
STAGE_TYPE = "mlreq-type-stage"
SPECIFICATION_TYPE = "mlreq-type-specification"
RELATION_TYPE = "mlreq-type-depends-on"
REQUIREMENT_TYPE = "mlreq-type-requirement"
DERIVED_TYPE = "mlreq-type-derived-from"
REQUIREMENT_STATUS_TYPE = "mlreq-datatype-requirement-status"
PRIORITY_TYPE = "mlreq-datatype-priority"
REQUIREMENT_STATUS_ATTRIBUTE = "mlreq-attr-requirement-status"
PRIORITY_ATTRIBUTE = "mlreq-attr-priority"
STATUS_ATTRIBUTE = "mlreq-attr-status"
CHAPTER_ATTRIBUTE = "mlreq-attr-chapter-name"
CHAPTER_TEXT_ATTRIBUTE = "mlreq-attr-chapter-text"
STRING_ATTRIBUTES = (  # identifier, LONG-NAME, description
    ("mlreq-attr-id", "ReqIF.ForeignID", "The question's id in the mlreq project"),
    ("mlreq-attr-stage", "Stage", "The MLOps lifecycle stage"),
    ("mlreq-attr-roles", "Roles", "The roles the question is addressed to, comma-separated"),
    ("mlreq-attr-question", "ReqIF.Name", "The Requirement Question"),
    ("mlreq-attr-answer", "ReqIF.Text", "The team's answer: the informal requirement"),
    ("mlreq-attr-traces", "Traces", "The thesis' challenges (P1-P6) and best practices (BP1-BP4) it answers"),
    ("mlreq-attr-examples", "Examples", "Example answers from the form"),
    ("mlreq-attr-notes", "Notes", "Notes on the answer"),
    ("mlreq-attr-depends-on", "Depends on", "The ids of the questions whose answers this one builds on"),
    ("mlreq-attr-review", "Review reason", "Why the answer needs review (an answer it builds on changed)"),
    ("mlreq-attr-conflict", "Other version", "The other side's answer while a sync conflict is unresolved"),
    ("mlreq-attr-agreed-by", "Agreed by", 'The roles that agreed the answer; "partly: ..." when not all the question\'s roles have'),
)

REQUIREMENT_ATTRIBUTES = (  # identifier, LONG-NAME, description
    ("mlreq-attr-requirement-id", "ReqIF.ForeignID", "The requirement's id in the mlreq project (REQ-001...), never reused"),
    ("mlreq-attr-requirement-text", "ReqIF.Text", 'The requirement: a "shall" statement in an EARS pattern'),
    ("mlreq-attr-pattern", "Pattern", "The EARS pattern: ubiquitous, event, state, unwanted, optional or complex"),
    ("mlreq-attr-derived-from", "Derived from", "The ids of the questions whose answers it was written from, comma-separated"),
    ("mlreq-attr-challenges", "Challenges", "The challenges (P1-P6) and best practices (BP1-BP4) its questions trace to"),
    ("mlreq-attr-criteria", "Acceptance criteria", "How a test checks it, one criterion a line"),
    ("mlreq-attr-owner", "Owner", "The role that owns the requirement"),
    ("mlreq-attr-requirement-review", "Review reason", "Why it needs review (an answer it was written from changed)"),
    ("mlreq-attr-requirement-conflict", "Other version", 'The other side\'s fields while a sync conflict is unresolved, "field: value" a line'),
)

STATUS_NAMES = {"open": "Open", "draft": "Draft", "agreed": "Agreed", "needs-review": "Needs review"}
REQUIREMENT_STATUS_NAMES = {"draft": "Draft", "agreed": "Agreed", "needs-review": "Needs review", "retired": "Retired"}
PRIORITY_NAMES = {"high": "High", "medium": "Medium", "low": "Low"}

_FORBIDDEN = re.compile(r"[\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text without any character XML 1.0 forbids or discourages: those become visible symbols."""
    text = visible(text.replace("\r\n", "\n"))
    return _FORBIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", text) if _FORBIDDEN.search(text) else text


def attr(text: str) -> str:
    """A value for an XML attribute, line breaks and tabs kept as character references."""
    # str.replace runs in C; str.translate with a dict calls back per character (a third
    # of a large ReqIF export's time).
    text = xml_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\t", "&#9;")


def elem(text: str) -> str:
    return xml_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def object_identifier(key: str, item_id: str) -> str:
    """The SPEC-OBJECT IDENTIFIER of a question or a requirement (an XML NCName: question ids
    are [a-z0-9.-] with a dot, requirement ids REQ-001..., so the two never meet)."""
    return f"mlreq-{key}-{item_id}"


def requirements_heading(key: str) -> str:
    """The "Requirements" heading's IDENTIFIER (no question id lacks a dot, no stage's has this prefix)."""
    return f"mlreq-{key}-requirements"


def _enumeration(identifier: str, name: str, prefix: str, values: dict[str, str]) -> list[str]:
    out = [
        f'        <DATATYPE-DEFINITION-ENUMERATION IDENTIFIER="{identifier}" LONG-NAME="{name}" LAST-CHANGE="{TYPES_DATE}">',
        "          <SPECIFIED-VALUES>",
    ]
    for index, (value, shown) in enumerate(values.items()):
        out += [
            f'            <ENUM-VALUE IDENTIFIER="{prefix}-{value}" LONG-NAME="{value}" LAST-CHANGE="{TYPES_DATE}">',
            f'              <PROPERTIES><EMBEDDED-VALUE KEY="{index}" OTHER-CONTENT="{shown}"/></PROPERTIES>',
            "            </ENUM-VALUE>",
        ]
    return [*out, "          </SPECIFIED-VALUES>", "        </DATATYPE-DEFINITION-ENUMERATION>"]


def _string_definition(identifier: str, name: str, description: str) -> str:
    return (
        f'            <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="{identifier}" LONG-NAME="{name}" DESC="{attr(description)}" '
        f'LAST-CHANGE="{TYPES_DATE}"><TYPE><DATATYPE-DEFINITION-STRING-REF>{STRING_TYPE}</DATATYPE-DEFINITION-STRING-REF></TYPE>'
        "</ATTRIBUTE-DEFINITION-STRING>"
    )


def _enum_definition(identifier: str, name: str, description: str, datatype: str) -> str:
    return (
        f'            <ATTRIBUTE-DEFINITION-ENUMERATION IDENTIFIER="{identifier}" LONG-NAME="{name}" '
        f'DESC="{attr(description)}" LAST-CHANGE="{TYPES_DATE}" MULTI-VALUED="false">'
        f"<TYPE><DATATYPE-DEFINITION-ENUMERATION-REF>{datatype}</DATATYPE-DEFINITION-ENUMERATION-REF></TYPE>"
        "</ATTRIBUTE-DEFINITION-ENUMERATION>"
    )


def _enum_value(definition: str, value_ref: str) -> str:
    return (
        "<ATTRIBUTE-VALUE-ENUMERATION><DEFINITION>"
        f"<ATTRIBUTE-DEFINITION-ENUMERATION-REF>{definition}</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>"
        f"<VALUES><ENUM-VALUE-REF>{value_ref}</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION>"
    )


def _requirement_types() -> list[str]:
    """The "Requirement" object type and the "Derived from" relation type."""
    return [
        f'        <SPEC-OBJECT-TYPE IDENTIFIER="{REQUIREMENT_TYPE}" LONG-NAME="Requirement" LAST-CHANGE="{TYPES_DATE}">',
        "          <SPEC-ATTRIBUTES>",
        *(_string_definition(identifier, name, description) for identifier, name, description in REQUIREMENT_ATTRIBUTES),
        _enum_definition(REQUIREMENT_STATUS_ATTRIBUTE, "Status", "draft, agreed, needs-review or retired", REQUIREMENT_STATUS_TYPE),
        _enum_definition(PRIORITY_ATTRIBUTE, "Priority", "high, medium or low", PRIORITY_TYPE),
        "          </SPEC-ATTRIBUTES>",
        "        </SPEC-OBJECT-TYPE>",
        f'        <SPEC-RELATION-TYPE IDENTIFIER="{DERIVED_TYPE}" LONG-NAME="Derived from" '
        f'DESC="The source requirement was written from the answer of the target question" LAST-CHANGE="{TYPES_DATE}"/>',
    ]


def _key(state: FormState) -> str:
    return state_key(state)


def _time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def export_reqif(state: FormState, include_unanswered: bool = False) -> str:
    form = state.form
    key = _key(state)
    fallback = state.moment
    requirements = requirement_rows(state)
    sources = {qid for row in requirements for qid in row["from"]}
    questions = [q for q in state.questions if include_unanswered or state.entry(q.id).answered or q.id in sources]
    changed = {q.id: state.changed.get(q.id, fallback) for q in questions}
    requirement_changed = {row["id"]: state.changed.get(row["id"], fallback) for row in requirements}
    requirement_time = {requirement_id: _time(when) for requirement_id, when in requirement_changed.items()}
    stage_changed: dict[str, datetime] = {}
    for question in questions:
        when = changed[question.id]
        if question.stage not in stage_changed or when > stage_changed[question.stage]:
            stage_changed[question.stage] = when
    stages = [s for s in form.stages if s.id in stage_changed]
    latest = max([*stage_changed.values(), *requirement_changed.values()], default=fallback)

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<REQ-IF xmlns="{NAMESPACE}" xml:lang="en">',
        "  <THE-HEADER>",
        f'    <REQ-IF-HEADER IDENTIFIER="mlreq-{key}-header">',
    ]
    scope = state.summary_line()
    comment = f"{form.title} ({form.id}, version {form.version}) exported by mlreq"
    comment += f"; {scope}" if scope else ""
    comment += "; answered questions only" + (" and those requirements come from" if requirements else "") if not include_unanswered else ""
    out += [
        f"      <COMMENT>{elem(comment)}</COMMENT>",
        f"      <CREATION-TIME>{_time(state.exported_at)}</CREATION-TIME>",
        f"      <REPOSITORY-ID>mlreq-{key}</REPOSITORY-ID>",
        f"      <REQ-IF-TOOL-ID>{TOOL_ID}</REQ-IF-TOOL-ID>",
        "      <REQ-IF-VERSION>1.0</REQ-IF-VERSION>",
        f"      <SOURCE-TOOL-ID>{TOOL_ID}</SOURCE-TOOL-ID>",
        f"      <TITLE>{elem(state.name)}</TITLE>",
        "    </REQ-IF-HEADER>",
        "  </THE-HEADER>",
        "  <CORE-CONTENT>",
        "    <REQ-IF-CONTENT>",
        "      <DATATYPES>",
        f'        <DATATYPE-DEFINITION-STRING IDENTIFIER="{STRING_TYPE}" LONG-NAME="Text" LAST-CHANGE="{TYPES_DATE}" MAX-LENGTH="1000000"/>',
        f'        <DATATYPE-DEFINITION-ENUMERATION IDENTIFIER="{STATUS_TYPE}" LONG-NAME="Status" LAST-CHANGE="{TYPES_DATE}">',
        "          <SPECIFIED-VALUES>",
    ]
    for index, status in enumerate(STATUSES):
        out += [
            f'            <ENUM-VALUE IDENTIFIER="mlreq-status-{status}" LONG-NAME="{status}" LAST-CHANGE="{TYPES_DATE}">',
            f'              <PROPERTIES><EMBEDDED-VALUE KEY="{index}" OTHER-CONTENT="{STATUS_NAMES[status]}"/></PROPERTIES>',
            "            </ENUM-VALUE>",
        ]
    out += [
        "          </SPECIFIED-VALUES>",
        "        </DATATYPE-DEFINITION-ENUMERATION>",
    ]
    if requirements:
        out += _enumeration(REQUIREMENT_STATUS_TYPE, "Requirement status", "mlreq-requirement-status", REQUIREMENT_STATUS_NAMES)
        out += _enumeration(PRIORITY_TYPE, "Priority", "mlreq-priority", PRIORITY_NAMES)
    out += [
        "      </DATATYPES>",
        "      <SPEC-TYPES>",
        f'        <SPEC-OBJECT-TYPE IDENTIFIER="{QUESTION_TYPE}" LONG-NAME="Requirement Question" LAST-CHANGE="{TYPES_DATE}">',
        "          <SPEC-ATTRIBUTES>",
    ]
    for identifier, name, description in STRING_ATTRIBUTES:
        out.append(
            f'            <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="{identifier}" LONG-NAME="{name}" DESC="{attr(description)}" '
            f'LAST-CHANGE="{TYPES_DATE}"><TYPE><DATATYPE-DEFINITION-STRING-REF>{STRING_TYPE}</DATATYPE-DEFINITION-STRING-REF></TYPE>'
            "</ATTRIBUTE-DEFINITION-STRING>"
        )
    out += [
        f'            <ATTRIBUTE-DEFINITION-ENUMERATION IDENTIFIER="{STATUS_ATTRIBUTE}" LONG-NAME="Status" '
        f'DESC="open, draft, agreed or needs-review" LAST-CHANGE="{TYPES_DATE}" MULTI-VALUED="false">'
        f"<TYPE><DATATYPE-DEFINITION-ENUMERATION-REF>{STATUS_TYPE}</DATATYPE-DEFINITION-ENUMERATION-REF></TYPE>"
        "</ATTRIBUTE-DEFINITION-ENUMERATION>",
        "          </SPEC-ATTRIBUTES>",
        "        </SPEC-OBJECT-TYPE>",
        f'        <SPEC-OBJECT-TYPE IDENTIFIER="{STAGE_TYPE}" LONG-NAME="Stage" LAST-CHANGE="{TYPES_DATE}">',
        "          <SPEC-ATTRIBUTES>",
        f'            <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="{CHAPTER_ATTRIBUTE}" LONG-NAME="ReqIF.ChapterName" '
        f'LAST-CHANGE="{TYPES_DATE}"><TYPE><DATATYPE-DEFINITION-STRING-REF>{STRING_TYPE}</DATATYPE-DEFINITION-STRING-REF></TYPE>'
        "</ATTRIBUTE-DEFINITION-STRING>",
        f'            <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="{CHAPTER_TEXT_ATTRIBUTE}" LONG-NAME="ReqIF.Text" '
        f'LAST-CHANGE="{TYPES_DATE}"><TYPE><DATATYPE-DEFINITION-STRING-REF>{STRING_TYPE}</DATATYPE-DEFINITION-STRING-REF></TYPE>'
        "</ATTRIBUTE-DEFINITION-STRING>",
        "          </SPEC-ATTRIBUTES>",
        "        </SPEC-OBJECT-TYPE>",
        f'        <SPEC-RELATION-TYPE IDENTIFIER="{RELATION_TYPE}" LONG-NAME="Depends on" '
        f'DESC="The source question builds on the answer of the target question" LAST-CHANGE="{TYPES_DATE}"/>',
    ]
    if requirements:
        out += _requirement_types()
    out += [
        f'        <SPECIFICATION-TYPE IDENTIFIER="{SPECIFICATION_TYPE}" LONG-NAME="MLOps Requirements Form" LAST-CHANGE="{TYPES_DATE}"/>',
        "      </SPEC-TYPES>",
        "      <SPEC-OBJECTS>",
    ]

    def string_value(definition: str, value: str) -> str:
        """The value, or nothing for an empty one (the attribute's absence means empty)."""
        if not value:
            return ""
        return (
            f'<ATTRIBUTE-VALUE-STRING THE-VALUE="{attr(value)}"><DEFINITION>'
            f"<ATTRIBUTE-DEFINITION-STRING-REF>{definition}</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>"
        )

    # Headings: the front page (an identifier no stage can have), then one per stage.
    about = front_page_text(form)
    headings = [(f"mlreq-{key}-about", "About this form", about, TYPES_DATE)] if about else []
    headings += [(f"mlreq-{key}-stage-{stage.id}", stage.name, "", _time(stage_changed[stage.id])) for stage in stages]
    for identifier, name, text, when in headings:
        out += [
            f'        <SPEC-OBJECT IDENTIFIER="{identifier}" LONG-NAME="{attr(name)}" LAST-CHANGE="{when}">',
            f"          <VALUES>{string_value(CHAPTER_ATTRIBUTE, name)}{string_value(CHAPTER_TEXT_ATTRIBUTE, text)}</VALUES>",
            f"          <TYPE><SPEC-OBJECT-TYPE-REF>{STAGE_TYPE}</SPEC-OBJECT-TYPE-REF></TYPE>",
            "        </SPEC-OBJECT>",
        ]
    for question in questions:
        entry = state.entry(question.id)
        values = (
            question.id,
            state.stage_name(question.stage),
            ", ".join(state.role_names(question)),
            question.text,
            entry.answer,
            ", ".join(question.traces),
            question.examples,
            entry.notes,
            ", ".join(question.depends_on),
            entry.review,
            entry.conflict,
            agreed_by_text(form, question, entry),
        )
        out.append(
            f'        <SPEC-OBJECT IDENTIFIER="{object_identifier(key, question.id)}" LONG-NAME="{attr(question.id)}" '
            f'LAST-CHANGE="{_time(changed[question.id])}">'
        )
        out.append("          <VALUES>")
        for (definition, _, _), value in zip(STRING_ATTRIBUTES, values):
            if value:
                out.append(f"            {string_value(definition, value)}")
        status = entry.status if entry.status in STATUSES else "open"
        out.append(
            "            <ATTRIBUTE-VALUE-ENUMERATION><DEFINITION>"
            f"<ATTRIBUTE-DEFINITION-ENUMERATION-REF>{STATUS_ATTRIBUTE}</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>"
            f"<VALUES><ENUM-VALUE-REF>mlreq-status-{status}</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION>"
        )
        out.append("          </VALUES>")
        out.append(f"          <TYPE><SPEC-OBJECT-TYPE-REF>{QUESTION_TYPE}</SPEC-OBJECT-TYPE-REF></TYPE>")
        out.append("        </SPEC-OBJECT>")
    if requirements:
        when = _time(max(requirement_changed.values()))
        out += [
            f'        <SPEC-OBJECT IDENTIFIER="{requirements_heading(key)}" LONG-NAME="Requirements" LAST-CHANGE="{when}">',
            f"          <VALUES>{string_value(CHAPTER_ATTRIBUTE, 'Requirements')}</VALUES>",
            f"          <TYPE><SPEC-OBJECT-TYPE-REF>{STAGE_TYPE}</SPEC-OBJECT-TYPE-REF></TYPE>",
            "        </SPEC-OBJECT>",
        ]
    for row in requirements:
        values = (
            row["id"], row["text"], row["pattern"], ", ".join(row["from"]), ", ".join(row["challenges"]),
            "\n".join(row["criteria"]), row["owner_name"], row["review"], conflict_text(row["conflict"]),
        )
        out.append(
            f'        <SPEC-OBJECT IDENTIFIER="{object_identifier(key, row["id"])}" LONG-NAME="{attr(row["id"])}" '
            f'LAST-CHANGE="{requirement_time[row["id"]]}">'
        )
        out.append("          <VALUES>")
        for (definition, _, _), value in zip(REQUIREMENT_ATTRIBUTES, values):
            if value:
                out.append(f"            {string_value(definition, value)}")
        status, priority = row["status"], row["priority"]
        out.append("            " + _enum_value(REQUIREMENT_STATUS_ATTRIBUTE, f"mlreq-requirement-status-{status}"))
        out.append("            " + _enum_value(PRIORITY_ATTRIBUTE, f"mlreq-priority-{priority}"))
        out.append("          </VALUES>")
        out.append(f"          <TYPE><SPEC-OBJECT-TYPE-REF>{REQUIREMENT_TYPE}</SPEC-OBJECT-TYPE-REF></TYPE>")
        out.append("        </SPEC-OBJECT>")
    out.append("      </SPEC-OBJECTS>")
    exported = {q.id for q in questions}
    relations = [
        (object_identifier(key, q.id), object_identifier(key, upstream), f"{q.id}--{upstream}", RELATION_TYPE, _time(changed[q.id]))
        for q in questions
        for upstream in q.depends_on
        if upstream in exported
    ]
    relations += [
        (object_identifier(key, row["id"]), object_identifier(key, source), f"{row['id']}--{source}", DERIVED_TYPE,
         requirement_time[row["id"]])
        for row in requirements
        for source in row["from"]
        if source in exported
    ]
    if relations:
        out.append("      <SPEC-RELATIONS>")
        for source_ref, target_ref, name, relation_type, when in relations:
            out += [
                f'        <SPEC-RELATION IDENTIFIER="mlreq-{key}-r-{name}" LAST-CHANGE="{when}">',
                f"          <SOURCE><SPEC-OBJECT-REF>{source_ref}</SPEC-OBJECT-REF></SOURCE>",
                f"          <TARGET><SPEC-OBJECT-REF>{target_ref}</SPEC-OBJECT-REF></TARGET>",
                f"          <TYPE><SPEC-RELATION-TYPE-REF>{relation_type}</SPEC-RELATION-TYPE-REF></TYPE>",
                "        </SPEC-RELATION>",
            ]
        out.append("      </SPEC-RELATIONS>")
    out += [
        "      <SPECIFICATIONS>",
        f'        <SPECIFICATION IDENTIFIER="mlreq-{key}-specification" LONG-NAME="{attr(state.name)}" LAST-CHANGE="{_time(latest)}">',
    ]
    if headings or requirements:
        out.append("          <CHILDREN>")
        if about:
            out.append(
                f'            <SPEC-HIERARCHY IDENTIFIER="mlreq-{key}-h-about" LAST-CHANGE="{TYPES_DATE}">'
                f"<OBJECT><SPEC-OBJECT-REF>mlreq-{key}-about</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>"
            )
        by_stage: dict[str, list] = {}
        for question in questions:
            by_stage.setdefault(question.stage, []).append(question)
        for stage in stages:
            out += [
                f'            <SPEC-HIERARCHY IDENTIFIER="mlreq-{key}-h-stage-{stage.id}" LAST-CHANGE="{_time(stage_changed[stage.id])}">',
                f"              <OBJECT><SPEC-OBJECT-REF>mlreq-{key}-stage-{stage.id}</SPEC-OBJECT-REF></OBJECT>",
                "              <CHILDREN>",
            ]
            for question in by_stage[stage.id]:
                out.append(
                    f'                <SPEC-HIERARCHY IDENTIFIER="mlreq-{key}-h-{question.id}" LAST-CHANGE="{_time(changed[question.id])}">'
                    f"<OBJECT><SPEC-OBJECT-REF>{object_identifier(key, question.id)}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>"
                )
            out += ["              </CHILDREN>", "            </SPEC-HIERARCHY>"]
        if requirements:
            out += [
                f'            <SPEC-HIERARCHY IDENTIFIER="mlreq-{key}-h-requirements" LAST-CHANGE="{_time(max(requirement_changed.values()))}">',
                f"              <OBJECT><SPEC-OBJECT-REF>{requirements_heading(key)}</SPEC-OBJECT-REF></OBJECT>",
                "              <CHILDREN>",
            ]
            for row in requirements:
                out.append(
                    f'                <SPEC-HIERARCHY IDENTIFIER="mlreq-{key}-h-{row["id"]}" LAST-CHANGE="{requirement_time[row["id"]]}">'
                    f'<OBJECT><SPEC-OBJECT-REF>{object_identifier(key, row["id"])}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>'
                )
            out += ["              </CHILDREN>", "            </SPEC-HIERARCHY>"]
        out.append("          </CHILDREN>")
    out += [
        f"          <TYPE><SPECIFICATION-TYPE-REF>{SPECIFICATION_TYPE}</SPECIFICATION-TYPE-REF></TYPE>",
        "        </SPECIFICATION>",
        "      </SPECIFICATIONS>",
        "    </REQ-IF-CONTENT>",
        "  </CORE-CONTENT>",
        "</REQ-IF>",
    ]
    return "\n".join(out) + "\n"
