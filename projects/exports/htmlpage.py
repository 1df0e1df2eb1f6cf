"""HTML: one self-contained page (inline CSS and JS, nothing fetched) that reads well on
screen and printed, with progress per stage and role and filters by stage, role and status.

Every text from the project passes through `html.escape` after its control characters are
made visible; a Content-Security-Policy lets only the page's own script (by its hash) run,
so even a mistake in escaping could not run a script typed into an answer.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from mlreq.bank import STATUSES

from ..signoff import sign_off
from .model import FormState, Tally, front_page_sections, overall_tally, requirement_rows, role_tallies, shown, stage_tallies

STATUS_LABELS = {"open": "Open", "draft": "Draft", "agreed": "Agreed", "needs-review": "Needs review", "retired": "Retired"}

CSS = """
:root { --ink: #1d232b; --muted: #5b6673; --line: #d7dce2; --paper: #fff; --accent: #1f5f99;
  --open: #8a949e; --draft: #b7791f; --agreed: #2f855a; --needs-review: #c53030; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); background: #f4f6f8; }
.page { max-width: 70rem; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; background: var(--paper); }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 2px solid var(--ink); }
h2 small { font-weight: normal; font-size: .85rem; color: var(--muted); margin-left: .5rem; }
h3 { font-size: 1.02rem; margin: .15rem 0 .35rem; }
.meta, .scope { color: var(--muted); margin: .1rem 0; }
.scope { font-weight: 600; color: var(--ink); }
.progress { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: .4rem 2rem; margin: 1rem 0; align-items: start; }
.progress table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.progress caption { text-align: left; font-weight: 600; padding-bottom: .2rem; }
.progress th { text-align: left; font-weight: normal; padding: .12rem .5rem .12rem 0; white-space: nowrap; }
.progress td { padding: .12rem 0; }
.progress td.n { text-align: right; white-space: nowrap; padding-left: .5rem; font-variant-numeric: tabular-nums; }
.bar { height: .6rem; background: #e6e9ed; border-radius: .3rem; overflow: hidden; min-width: 6rem; }
.bar span { display: block; height: 100%; background: var(--accent); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem .8rem;
  margin: 1rem 0; background: #eef2f6; border-radius: .4rem; position: sticky; top: 0; z-index: 1; }
.filters label { font-size: .9rem; }
.filters select { font: inherit; margin-left: .3rem; }
.filters output { margin-left: auto; color: var(--muted); font-size: .9rem; }
article.q { border: 1px solid var(--line); border-left: 4px solid var(--open); border-radius: .3rem;
  padding: .6rem .9rem .7rem; margin: .7rem 0; break-inside: avoid; page-break-inside: avoid; }
article.q.s-draft { border-left-color: var(--draft); }
article.q.s-agreed { border-left-color: var(--agreed); }
article.q.s-needs-review { border-left-color: var(--needs-review); }
.q-head { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; font-size: .82rem; color: var(--muted); }
.qid { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.status { font-weight: 600; padding: 0 .45rem; border-radius: .6rem; color: #fff; background: var(--open); }
.s-draft .status { background: var(--draft); }
.s-agreed .status { background: var(--agreed); }
.s-needs-review .status { background: var(--needs-review); }
.roles { margin: 0 0 .4rem; }
.role { display: inline-block; font-size: .8rem; padding: 0 .45rem; margin: 0 .25rem .15rem 0;
  border: 1px solid var(--line); border-radius: .6rem; background: #f7f9fb; }
.answer { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; padding: .45rem .6rem;
  background: #fbfcfd; border: 1px solid #e8ebef; border-radius: .25rem; }
.answer.empty { color: var(--muted); font-style: italic; }
.review { color: var(--needs-review); margin: .3rem 0; }
.detail { font-size: .88rem; color: #36404b; margin: .3rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.detail b { color: var(--ink); }
.none { color: var(--muted); font-style: italic; }
.reqs { font-size: .88rem; margin: .3rem 0 0; }
.reqs a, .from a { font-family: ui-monospace, "DejaVu Sans Mono", monospace; margin-right: .35rem; }
article.r { border: 1px solid var(--line); border-left: 4px solid var(--draft); border-radius: .3rem;
  padding: .6rem .9rem .7rem; margin: .7rem 0; break-inside: avoid; page-break-inside: avoid; }
article.r.s-agreed { border-left-color: var(--agreed); }
article.r.s-needs-review { border-left-color: var(--needs-review); }
article.r.s-retired { border-left-color: var(--open); color: var(--muted); }
article.r.s-retired .statement { text-decoration: line-through; }
.s-retired .status { background: var(--open); }
.statement { font-size: 1.02rem; font-weight: 600; margin: .15rem 0 .35rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.criteria { margin: .2rem 0 0 1.2rem; padding: 0; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
details.about { margin: 1rem 0; padding: .5rem .8rem; border: 1px solid var(--line); border-radius: .3rem; }
details.about summary { cursor: pointer; font-weight: 600; }
.about-text { white-space: pre-wrap; margin: .2rem 0 .6rem; }
footer { margin-top: 2.5rem; font-size: .8rem; color: var(--muted); }
[hidden] { display: none !important; }
@page { margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  .filters { display: none !important; }
  article.q { border-color: #999; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .bar, .bar span, .status, article.q { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var page = document.getElementById("mlreq-export");
  var nav = document.getElementById("filters");
  var selects = { stage: document.getElementById("f-stage"), role: document.getElementById("f-role"),
                  status: document.getElementById("f-status") };
  var questions = Array.prototype.slice.call(page.querySelectorAll("article.q"));
  var requirements = Array.prototype.slice.call(page.querySelectorAll("article.r"));
  var stages = Array.prototype.slice.call(page.querySelectorAll("section.stage"));
  var counter = document.getElementById("shown");
  var noRequirement = document.getElementById("no-requirement-shown");
  // "#q-data.data-source", "#req-REQ-001": an address naming a part of the page, not filters.
  function named() {
    var value = location.hash.replace(/^#/, "");
    try { return value && value.indexOf("=") < 0 ? document.getElementById(decodeURIComponent(value)) : null; }
    catch (e) { return null; }  // a malformed escape
  }
  function reveal(target) {  // the filters never hide what a link or the address points at
    if (target && target.closest("[hidden]")) {
      Object.keys(selects).forEach(function (name) { selects[name].value = ""; });
      apply(false);
      target.scrollIntoView();
    }
  }
  function readHash() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var pair = part.split("=");
      if (pair.length === 2) { wanted[decodeURIComponent(pair[0])] = decodeURIComponent(pair[1]); }
    });
    // An id, a name or an alias in any case: "#role=Legal%20team" as well as "#role=legal-team".
    Object.keys(selects).forEach(function (name) {
      var value = (wanted[name] || "").trim().toLowerCase(), found = "";
      Array.prototype.forEach.call(selects[name].options, function (o) {
        if (!found && value && o.value && (o.value === value || o.getAttribute("data-names").split("|").indexOf(value) >= 0)) {
          found = o.value;
        }
      });
      selects[name].value = found;
    });
  }
  function apply(chosen) {
    var stage = selects.stage.value, role = selects.role.value, status = selects.status.value, shown = 0;
    questions.forEach(function (q) {
      var ok = (!stage || q.dataset.stage === stage) &&
               (!role || (" " + q.dataset.roles + " ").indexOf(" " + role + " ") >= 0) &&
               (!status || q.dataset.status === status);
      q.hidden = !ok;
      if (ok) { shown += 1; }
    });
    stages.forEach(function (s) { s.hidden = !s.querySelector("article.q:not([hidden])"); });
    var filtered = stage || role || status, shownRequirements = 0;
    requirements.forEach(function (r) {  // shown while a question it was written from is
      var ok = !filtered || r.dataset.from.split(" ").some(function (id) {
        var q = document.getElementById("q-" + id);
        return q && !q.hidden;
      });
      r.hidden = !ok;
      if (ok) { shownRequirements += 1; }
    });
    if (noRequirement) { noRequirement.hidden = shownRequirements > 0 || !requirements.length; }
    counter.textContent = "Showing " + shown + " of " + questions.length + " questions" +
      (requirements.length ? ", " + shownRequirements + " of " + requirements.length + " requirements" : "");
    var parts = [];
    Object.keys(selects).forEach(function (name) {
      if (selects[name].value) { parts.push(name + "=" + encodeURIComponent(selects[name].value)); }
    });
    var hash = parts.length ? "#" + parts.join("&") : "";
    if ((chosen || !named()) && location.hash !== hash && (hash || location.hash)) {
      try { history.replaceState(null, "", hash || location.pathname + location.search); } catch (e) { /* file: URL */ }
    }
  }
  Object.keys(selects).forEach(function (name) { selects[name].addEventListener("change", function () { apply(true); }); });
  window.addEventListener("hashchange", function () {
    var target = named();
    if (target) { reveal(target); } else { readHash(); apply(false); }
  });
  var target = named();
  if (!target) { readHash(); }
  apply(false);
  reveal(target);
  nav.hidden = false;
}());
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")

def page_head(title: str, csp: str, css: str) -> list[str]:
    """The start of a self-contained page: nothing may be fetched (`csp`), inline `css`."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="mlreq">',
        f"<title>{h(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
    ]

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src '{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)


def h(text: str) -> str:
    """Escaped for HTML text and attributes, control characters shown as symbols."""
    return escape(shown(text), quote=True)


def _progress_table(caption: str, tallies: list[Tally]) -> list[str]:
    out = [f"<table><caption>{h(caption)}</caption>"]
    for tally in tallies:
        out.append(
            f'<tr><th scope="row">{h(tally.name)}</th>'
            f'<td><div class="bar" role="img" aria-label="{tally.percent}% answered">'
            f'<span style="width:{tally.percent}%"></span></div></td>'
            f'<td class="n">{tally.answered} of {tally.total}</td></tr>'
        )
    out.append("</table>")
    return out


def _options(label: str, choices: list[tuple[str, str, tuple[str, ...]]]) -> str:
    """A select's options: value, shown name, and every spelling the address may use for it."""
    items = [f'<option value="">{h(label)}</option>']
    for value, name, spellings in choices:
        names = "|".join(dict.fromkeys(s.strip().lower() for s in (value, name, *spellings) if "|" not in s))
        items.append(f'<option value="{h(value)}" data-names="{h(names)}">{h(name)}</option>')
    return "".join(items)


def _detail(label: str, text: str) -> str:
    return f'<p class="detail"><b>{h(label)}:</b> {h(text)}</p>' if text.strip() else ""


def _requirement_count(state: FormState, rows: list[dict]) -> str:
    count = f"{len(rows)} requirement{'s' if len(rows) != 1 else ''}"
    retired = sum(row["status"] == "retired" for row in rows)
    if retired:
        count += f" ({retired} retired)"
    if state.retired_left_out:
        count += f"; {state.retired_left_out} retired left out"
    return count


def _requirements_section(state: FormState, rows: list[dict], on_page: set[str]) -> list[str]:
    """Each requirement with links to the questions it was written from (a source not on
    the page, such as one a filter left out, is named without a link)."""
    out = [
        '<section class="requirements" id="requirements">',
        f"<h2>Requirements<small>{h(_requirement_count(state, rows))}</small></h2>",
    ]
    if not rows:
        out.append(f'<p class="none">{h(state.requirements_note())}</p>')
    else:
        out.append('<p class="none" id="no-requirement-shown" hidden>No requirement comes from the questions shown.</p>')
    for row in rows:
        status = row["status"]
        out.append(
            f'<article class="r s-{h(status)}" id="req-{h(row["id"])}" data-from="{h(" ".join(row["from"]))}" data-status="{h(status)}">'
        )
        out.append(
            f'<div class="q-head"><span class="status">{h(STATUS_LABELS.get(status, status))}</span>'
            f'<span class="qid">{h(row["id"])}</span><span>{h(row["pattern"])}</span>'
            f'<span>{h(row["priority"])} priority</span>'
            + (f'<span>owner: {h(row["owner_name"])}</span>' if row["owner_name"] else "")
            + "</div>"
        )
        out.append(f'<p class="statement">{h(row["text"])}</p>')
        sources = " ".join(
            f'<a href="#q-{h(qid)}">{h(qid)}</a>' if qid in on_page else f'<span class="qid">{h(qid)}</span>'
            for qid in row["from"]
        )
        out.append(f'<p class="detail from"><b>From:</b> {sources}</p>')
        if row["challenges"]:
            titles = [f"{t} {item.title}" if (item := state.form.trace(t)) else t for t in row["challenges"]]
            out.append(_detail("Challenges", "; ".join(titles)))
        if row["criteria"]:
            items = "".join(f"<li>{h(c)}</li>" for c in row["criteria"])
            out.append(f'<p class="detail"><b>Acceptance criteria:</b></p><ul class="criteria">{items}</ul>')
        else:
            out.append('<p class="detail none">No acceptance criterion yet.</p>')
        if row["review"].strip():
            out.append(f'<p class="review">Needs review: {h(row["review"])}</p>')
        for name, value in (row["conflict"] or {}).items():
            out.append(_detail(f"The other version's {name} (changed on both sides of a sync, not yet resolved)", value))
        out.append("</article>")
    out.append("</section>")
    return out


def export_html(state: FormState) -> str:
    form = state.form
    total = overall_tally(state)
    stages = stage_tallies(state)
    roles = role_tallies(state)
    exported = state.exported_at.strftime("%Y-%m-%d %H:%M UTC")
    title = f"{state.name}: {form.title}"
    out = [
        *page_head(title, CSP, CSS),
        "<body>",
        '<div class="page" id="mlreq-export">',
        "<header>",
        f"<h1>{h(state.name)}</h1>",
        f'<p class="meta">{h(form.title)} ({h(form.id)}, version {h(form.version)}) &middot; '
        f"{total.answered} of {total.total} questions answered &middot; exported {h(exported)}</p>",
    ]
    if summary := state.summary_line():
        out.append(f'<p class="scope">{h(summary[0].upper() + summary[1:])}</p>')
    counts = ", ".join(f"{n} {STATUS_LABELS.get(s, s).lower()}" for s, n in total.statuses.items() if n)
    if counts:
        out.append(f'<p class="meta">Status: {h(counts)}</p>')
    requirements = requirement_rows(state) if state.requirements else []
    if state.requirements:
        out.append(f'<p class="meta"><a href="#requirements">{_requirement_count(state, requirements)}</a></p>')
    out.append('<section class="progress" aria-label="Progress">')
    out += _progress_table("Answered per stage", stages)
    out += _progress_table("Answered per role", roles)
    out.append("</section>")
    out.append('<nav class="filters" id="filters" aria-label="Filters" hidden>')
    out.append(f'<label>Stage<select id="f-stage">{_options("All stages", [(t.id, t.name, ()) for t in stages])}</select></label>')
    role_choices = [(t.id, t.name, form.role(t.id).aliases if form.role(t.id) else ()) for t in roles]
    out.append(f'<label>Role<select id="f-role">{_options("All roles", role_choices)}</select></label>')
    statuses = [(s, STATUS_LABELS.get(s, s), ()) for s in STATUSES if total.statuses.get(s)]
    out.append(f'<label>Status<select id="f-status">{_options("Any status", statuses)}</select></label>')
    more = f", {len(requirements)} of {len(requirements)} requirements" if requirements else ""
    out.append(f'<output id="shown">Showing {total.total} of {total.total} questions{more}</output>')
    out.append("</nav>")
    out.append("</header>")
    if sections := front_page_sections(form):
        out.append('<details class="about"><summary>About this form: its purpose and how to use it</summary>')
        for heading, text in sections:
            out.append(f'<h3>{h(heading)}</h3><p class="about-text">{h(text)}</p>')
        out.append("</details>")
    out.append("<main>")
    by_stage: dict[str, list] = {}
    for question in state.questions:
        by_stage.setdefault(question.stage, []).append(question)
    for tally in stages:
        out.append(f'<section class="stage" id="stage-{h(tally.id)}" data-stage="{h(tally.id)}">')
        out.append(f"<h2>{h(tally.name)}<small>{tally.answered} of {tally.total} answered</small></h2>")
        for question in by_stage[tally.id]:
            entry = state.entry(question.id)
            status = entry.status
            out.append(
                f'<article class="q s-{h(status)}" id="q-{h(question.id)}" data-stage="{h(question.stage)}" '
                f'data-roles="{h(" ".join(question.roles))}" data-status="{h(status)}">'
            )
            out.append(
                f'<div class="q-head"><span class="status">{h(STATUS_LABELS.get(status, status))}</span>'
                f'<span class="qid">{h(question.id)}</span></div>'
            )
            out.append(f"<h3>{h(question.text)}</h3>")
            roles_html = "".join(f'<span class="role">{h(name)}</span>' for name in state.role_names(question))
            out.append(f'<p class="roles">{roles_html}</p>')
            if entry.answered:
                out.append(f'<div class="answer">{h(entry.answer)}</div>')
            else:
                out.append('<div class="answer empty">No answer yet.</div>')
            signed = sign_off(form, question, entry)
            if signed.agreed:
                out.append(f'<p class="agreed-by">Agreed by {h(signed.describe())}</p>')
            if entry.review.strip():
                out.append(f'<p class="review">Needs review: {h(entry.review)}</p>')
            if entry.conflict:
                out.append(_detail("The other version (changed on both sides of a sync, not yet resolved)", entry.conflict))
            out.append(_detail("Notes", entry.notes))
            out.append(_detail("Examples", question.examples))
            if question.traces:
                titles = []
                for trace_id in question.traces:
                    item = form.trace(trace_id)
                    titles.append(f"{trace_id} {item.title}" if item else trace_id)
                out.append(_detail("Traces to", "; ".join(titles)))
            if derived := state.requirements_from.get(question.id):
                links = " ".join(f'<a href="#req-{h(r)}">{h(r)}</a>' for r in derived)
                out.append(f'<p class="reqs"><b>Requirements written from it:</b> {links}</p>')
            out.append("</article>")
        out.append("</section>")
    if not stages:
        out.append('<p class="none">No question matches the filters of this export.</p>')
    if state.requirements:
        out += _requirements_section(state, requirements, {q.id for q in state.questions})
    out.append("</main>")
    out.append(
        "<footer>Exported by mlreq from the MLOps Requirements Form (Bastajic and Boman Karinen, "
        "&ldquo;Requirements Grounded MLOps&rdquo;, Chalmers / University of Gothenburg, 2023).</footer>"
    )
    out.append("</div>")
    out.append(f"<script>{SCRIPT}</script>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(line for line in out if line) + "\n"
