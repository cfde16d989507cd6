"""The quality-review page: a person checks a sample of the bot's automatic answers.

  GET  /review                 the oldest sampled auto-reply without a verdict (`?after=ID` skips past ID)
  GET  /review/{entry_id}      one reviewed entry again, with its verdict, to re-grade it
  POST /review/{entry_id}      form: verdict=correct|incorrect, note, csrf -> 303 back to /review

Every route needs the review token (`TICKETFLOW_REVIEW_TOKEN`): `Authorization: Bearer <token>`, or
HTTP Basic with the token as password (the user name is recorded as the reviewer). Without a token
configured the page is off (503), never open. Forms carry an HMAC of the entry id under the token, so
a page elsewhere cannot post verdicts with the reviewer's browser credentials; the form token also
expires (`TICKETFLOW_REVIEW_FORM_TTL_S`) and is good once (console/review_forms.py). A verdict is
given once: posting another is refused (409) unless the form came from the re-grade page, and a
re-grade is stored with the verdict it replaced (`outcomes.review_changes`).

The page is one HTML document with inline CSS and JS under a nonce (no external asset, no CDN) and
works from the keyboard alone: c = correct, i = incorrect (type the note, Enter saves), n = note,
s = skip, Escape leaves the note; every control is also a native button or link reachable by Tab.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import json
import secrets
from datetime import UTC, datetime
from string import Template
from typing import Any, cast
from urllib.parse import parse_qs, quote

import redis
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine

from console import review_forms
from worker import clock
from worker.archive.query import result_at
from worker.archive.schema import archive_engine
from worker.metrics import fold_results
from worker.settings import Settings, get_settings
from worker.state import outcomes

REALM = 'Basic realm="ticketflow review", charset="UTF-8"'


def _settings(request: Request) -> Settings:
    return cast(Settings, getattr(request.app.state, "settings", None) or get_settings())


def _redis(request: Request) -> redis.Redis:
    r: redis.Redis | None = getattr(request.app.state, "redis", None)
    if r is None:
        r = redis.Redis.from_url(_settings(request).redis_url)
        request.app.state.redis = r
    return r


def reviewer_of(authorization: str, token: str) -> str | None:
    """The reviewer's name when the Authorization header carries the token, else None (pure)."""
    scheme, _, value = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return "token" if hmac.compare_digest(value.strip().encode(), token.encode()) else None
    if scheme == "basic":
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user or "reviewer") if hmac.compare_digest(password.encode(), token.encode()) else None
    return None


def require_reviewer(request: Request) -> str:
    """Router dependency: every review route needs the token; returns the reviewer's name."""
    secret = _settings(request).review_token
    if secret is None or not secret.get_secret_value():
        raise HTTPException(503, "the review page is off: set TICKETFLOW_REVIEW_TOKEN")
    who = reviewer_of(request.headers.get("authorization", ""), secret.get_secret_value())
    if who is None:
        raise HTTPException(401, "review token required", headers={"WWW-Authenticate": REALM})
    return who


router = APIRouter(prefix="/review", dependencies=[Depends(require_reviewer)], include_in_schema=False)


def csrf_for(token: str, entry_id: str, *, now: float | None = None, mode: review_forms.Mode = "grade") -> str:
    """The form token for one entry: only a page rendered by us knows it, and only for a while."""
    return review_forms.issue(token, entry_id, clock.now() if now is None else now, mode)


def _entry(r: redis.Redis, stream: str, entry_id: str, archive: Engine | None = None) -> dict[str, Any] | None:
    """The result of a stream entry; from the archive once the stream has trimmed it (when an archive is configured)."""
    try:
        got = cast(list[Any], r.xrange(stream, min=entry_id, max=entry_id, count=1))
    except redis.ResponseError:  # not a stream id at all
        return None
    if not got:
        return result_at(archive, entry_id) if archive is not None else None
    data = got[0][1]
    raw = data.get(b"json") or data.get("json")
    return json.loads(raw) if raw is not None else None


def _uid(res: dict[str, Any]) -> str:
    t = res.get("ticket") or {}
    return f"{t.get('source', 'api')}:{t.get('id', '')}"


def next_item(r: redis.Redis, stream: str, after: str | None = None, archive: Engine | None = None) -> tuple[str, dict[str, Any]] | None:
    """The oldest pending review (after `after` when given); entries gone from the stream leave the queue."""
    queue = outcomes.pending_reviews(r, limit=200)
    if after and after in queue:
        queue = queue[queue.index(after) + 1 :]
    for eid in queue:
        res = _entry(r, stream, eid, archive)
        if res is not None:
            return eid, res
        r.zrem(outcomes.REVIEW_QUEUE, eid)
    return None


# ---- the page ----------------------------------------------------------------------------------

PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ticketflow · quality review</title>
<style nonce="$nonce">
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d232b; }
  header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #ccd; }
  h1 { font-size: 1.3rem; margin: .4rem 0; }
  h2 { font-size: 1.1rem; } h3 { font-size: .95rem; margin: 1rem 0 .3rem; text-transform: uppercase; color: #556; }
  pre { white-space: pre-wrap; background: #f5f6f8; padding: .6rem .8rem; border-radius: 4px; margin: 0; font: inherit; }
  .meta { color: #556; } .score { color: #556; font-variant-numeric: tabular-nums; }
  .flash { background: #e7f6ea; padding: .4rem .8rem; border-radius: 4px; }
  .error { background: #fdeaea; padding: .4rem .8rem; border-radius: 4px; }
  textarea { width: 100%; min-height: 4rem; font: inherit; box-sizing: border-box; }
  .actions { display: flex; gap: .6rem; align-items: center; margin-top: .6rem; }
  button, .actions a { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid #889; background: #fff; color: inherit; text-decoration: none; }
  button:focus, a:focus, textarea:focus { outline: 3px solid #3b6fd8; outline-offset: 1px; }
  #btn-correct { border-color: #2a7a3a; } #btn-incorrect { border-color: #a33; }
  #pending-hint { color: #a33; min-height: 1.2em; }
  kbd { border: 1px solid #aab; border-bottom-width: 2px; border-radius: 3px; padding: 0 .3rem; font-size: .85em; }
  aside { margin-top: 1.5rem; color: #556; font-size: .9rem; }
</style>
</head>
<body>
<header><h1>Quality review</h1><p id="progress">$pending waiting · $reviewed reviewed ($correct correct, $incorrect incorrect)</p></header>
<main>
$flash
$body
</main>
<aside aria-label="keyboard shortcuts"><kbd>c</kbd> correct · <kbd>i</kbd> incorrect, then type why and press <kbd>Enter</kbd> ·
<kbd>n</kbd> add a note · <kbd>s</kbd> skip · <kbd>Esc</kbd> leave the note · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line</aside>
<script nonce="$nonce">
(function () {
  var form = document.getElementById("verdict-form");
  if (!form) { return; }
  var note = document.getElementById("note");
  var hint = document.getElementById("pending-hint");
  var pending = null;
  function save(verdict) { form.requestSubmit(document.getElementById("btn-" + verdict)); }
  function ask(verdict, text) { pending = verdict; hint.textContent = text; note.focus(); }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.target === note) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(pending || "correct"); }
      else if (e.key === "Escape") { pending = null; hint.textContent = ""; note.blur(); }
      return;
    }
    if (e.key === "c") { e.preventDefault(); save("correct"); }
    else if (e.key === "i") { e.preventDefault(); ask("incorrect", "Incorrect: say what is wrong, then Enter to save."); }
    else if (e.key === "n") { e.preventDefault(); ask("correct", "Note: Enter saves as correct; press Esc, then i, for incorrect."); }
    else if (e.key === "s") { e.preventDefault(); document.getElementById("skip").click(); }
  });
})();
</script>
</body>
</html>
""")

EMPTY = '<p id="empty">Nothing waiting for review. New auto-replies are sampled as they are published.</p>'


def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _when(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError):
        return "unknown"


def render_item(eid: str, res: dict[str, Any], csrf: str, note: str = "", current: outcomes.Review | None = None) -> str:
    """The ticket, the reply, what it cites, the reasons, and the verdict form (pure); `current` when re-grading."""
    t = res.get("ticket") or {}
    cls = res.get("classification") or {}
    draft = res.get("draft") or {}
    decision = res.get("decision") or {}
    cites = "".join(
        f"<li>{_e(c.get('title', ''))}{' § ' + _e(c['section']) if c.get('section') else ''} <span class=meta>({_e(c.get('doc_id', ''))})</span></li>"
        for c in draft.get("citations") or []
    ) or "<li>none</li>"
    chunks = "".join(
        f"<li>{_e(c.get('title', ''))}{' § ' + _e(c['section']) if c.get('section') else ''} <span class=score>score {float(c.get('score', 0.0)):.3f}</span></li>"
        for c in res.get("chunks") or []
    ) or "<li>none</li>"
    reasons = "".join(f"<li>{_e(x)}</li>" for x in decision.get("reasons") or []) or "<li>none: every check passed</li>"
    history = "".join(f"<li><b>{_e(h.get('role', ''))}</b>: {_e(h.get('text', ''))}</li>" for h in t.get("history") or [])
    return f"""<article id="ticket" data-entry="{_e(eid)}" aria-labelledby="t-title">
<h2 id="t-title">{_e(_uid(res))}{' · ' + _e(t['subject']) if t.get('subject') else ''}</h2>
<p class="meta">intent <b id="intent">{_e(cls.get('intent', '?'))}</b> · confidence {float(cls.get('confidence', 0.0)):.2f} ·
urgency {_e(cls.get('urgency', '?'))} · action <b>{_e(decision.get('action', '?'))}</b> · answered {_e(_when(res.get('completed_at')))}</p>
<h3>Customer message</h3><pre id="message">{_e(t.get('message', ''))}</pre>
{f'<h3>Earlier turns</h3><ul id="history">{history}</ul>' if history else ''}
<h3>Reply sent</h3><pre id="reply">{_e(res.get('reply') or '')}</pre>
<h3>Cited sections</h3><ol id="citations">{cites}</ol>
<h3>Retrieved sections</h3><ol id="chunks">{chunks}</ol>
<h3>Decision reasons</h3><ul id="reasons">{reasons}</ul>
{f'<p id="current" class="flash">Re-grading: now <b>{_e(current.verdict)}</b> by {_e(current.reviewer)} ({_e(_when(current.at))}){": " + _e(current.note) if current.note else ""}. Saving replaces it and keeps the change on record.</p>' if current else ''}
<form id="verdict-form" method="post" action="/review/{quote(eid, safe='')}">
<input type="hidden" name="csrf" value="{_e(csrf)}">
<h3><label for="note">Note (required when incorrect)</label></h3>
<textarea id="note" name="note" maxlength="{outcomes.MAX_NOTE_CHARS}">{_e(note)}</textarea>
<p id="pending-hint" role="status" aria-live="polite"></p>
<div class="actions">
<button type="submit" id="btn-correct" name="verdict" value="correct">Correct <kbd>c</kbd></button>
<button type="submit" id="btn-incorrect" name="verdict" value="incorrect">Incorrect <kbd>i</kbd></button>
<a id="skip" href="/review?after={quote(eid, safe='')}">Skip <kbd>s</kbd></a>
</div>
</form>
</article>"""


def _page(r: redis.Redis, token: str, item: tuple[str, dict[str, Any]] | None, *, flash: str = "", error: str = "", note: str = "",
          current: outcomes.Review | None = None) -> tuple[str, str]:
    nonce = secrets.token_urlsafe(16)
    verdicts = [rv.verdict for rv in outcomes.reviews(r).values()]
    mode: review_forms.Mode = "regrade" if current else "grade"
    body = render_item(item[0], item[1], csrf_for(token, item[0], mode=mode), note, current) if item else EMPTY
    messages = (f'<p class="flash" id="flash" role="status">{_e(flash)}</p>' if flash else "") + (
        f'<p class="error" id="error" role="alert">{_e(error)}</p>' if error else ""
    )
    text = PAGE.substitute(
        nonce=nonce,
        pending=int(r.zcard(outcomes.REVIEW_QUEUE)),
        reviewed=len(verdicts),
        correct=verdicts.count("correct"),
        incorrect=verdicts.count("incorrect"),
        flash=messages,
        body=body,
    )
    return text, nonce


def _html(text: str, nonce: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        text,
        status_code=status,
        headers={
            "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("")
def review_page(request: Request, after: str | None = None, saved: str | None = None) -> Response:
    """The next sampled auto-reply to check."""
    settings, r = _settings(request), _redis(request)
    fold_results(r, settings.results_stream)
    item = next_item(r, settings.results_stream, after, archive_engine(settings))
    text, nonce = _page(r, _token(settings), item, flash=f"Saved verdict for {saved}." if saved else "")
    return _html(text, nonce)


def _token(settings: Settings) -> str:
    assert settings.review_token is not None  # require_reviewer refused the request otherwise
    return settings.review_token.get_secret_value()


@router.get("/{entry_id}")
def review_again(entry_id: str, request: Request) -> Response:
    """One reviewed entry with its verdict, and a form that re-grades it (an explicit, recorded change)."""
    settings, r = _settings(request), _redis(request)
    res = _entry(r, settings.results_stream, entry_id, archive_engine(settings))
    current = outcomes.reviews(r).get(_uid(res)) if res is not None else None
    if res is None or current is None:
        raise HTTPException(404, "no reviewed result with this id: see /review for the ones waiting")
    text, nonce = _page(r, _token(settings), (entry_id, res), current=current)
    return _html(text, nonce)


@router.post("/{entry_id}")
async def review_submit(entry_id: str, request: Request, reviewer: str = Depends(require_reviewer)) -> Response:
    """Store a verdict for one sampled ticket, then show the next."""
    settings, r = _settings(request), _redis(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True).items()}
    token = _token(settings)
    checked = review_forms.check(token, entry_id, form.get("csrf", ""), clock.now(), settings.review_form_ttl_s)
    if isinstance(checked, str):
        raise HTTPException(403, checked)
    return await run_in_threadpool(_submit, r, settings, token, entry_id, form, reviewer, checked)


def _submit(r: redis.Redis, settings: Settings, token: str, entry_id: str, form: dict[str, str], reviewer: str,
            checked: tuple[review_forms.Mode, str]) -> Response:
    res = _entry(r, settings.results_stream, entry_id, archive_engine(settings))
    if res is None:
        raise HTTPException(404, "no such result in the results stream")
    uid = _uid(res)
    queued = r.zscore(outcomes.REVIEW_QUEUE, entry_id) is not None
    if not queued and uid not in outcomes.reviews(r):
        raise HTTPException(404, "this ticket is not in the review sample")
    mode, signature = checked
    if not review_forms.spend(r, signature, settings.review_form_ttl_s):
        raise HTTPException(409, "this form was already sent: reload the review page")
    verdict, note = form.get("verdict", ""), form.get("note", "").strip()
    error = ""
    if verdict not in ("correct", "incorrect"):
        error = "Choose correct or incorrect."
    elif verdict == "incorrect" and not note:
        error = "Say what is wrong in the note before marking the reply incorrect."
    else:
        try:
            outcomes.record_review(r, uid, entry_id, verdict, note, reviewer=reviewer, regrade=mode == "regrade")
        except ValidationError as exc:
            error = f"Not saved: {exc.errors()[0].get('msg', 'invalid input')}"
        except outcomes.VerdictExists as exc:
            raise HTTPException(409, f"{exc}; open /review/{entry_id} to re-grade it") from exc
    if error:
        review_forms.unspend(r, signature)  # nothing was stored: the reviewer corrects and sends again
        current = outcomes.reviews(r).get(uid) if mode == "regrade" else None
        text, nonce = _page(r, token, (entry_id, res), error=error, note=note, current=current)
        return _html(text, nonce, status=422)
    return RedirectResponse(f"/review?saved={quote(uid, safe='')}", status_code=303)
