"""The report as one self-contained HTML page: tables and inline SVG charts, no external asset. Pure."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

COLORS = {"auto_reply": "#2a7a3a", "draft": "#c9a227", "escalate": "#b03a3a", "reopened": "#6b4fa3"}
BAR = "#3b6fd8"


def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def _usd(v: float | None) -> str:
    return "–" if v is None else f"${v:.4f}"


def hbar_chart(title: str, rows: Sequence[tuple[str, float]], *, fmt: str = "{:.0f}", color: str = BAR, maximum: float | None = None) -> str:
    """Horizontal bars, one per (label, value), as an inline SVG with a title for screen readers."""
    if not rows:
        return f'<p class="muted">{_e(title)}: no data.</p>'
    label_w, bar_w, row_h = 260, 360, 22
    top = max(maximum or 0.0, max(v for _, v in rows)) or 1.0
    h = row_h * len(rows) + 10
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{label_w + bar_w + 80}" height="{h}" viewBox="0 0 {label_w + bar_w + 80} {h}" xmlns="http://www.w3.org/2000/svg">', f"<title>{_e(title)}</title>"]
    for i, (label, v) in enumerate(rows):
        y = 5 + i * row_h
        w = max(bar_w * v / top, 1 if v else 0)
        short = label if len(label) <= 38 else label[:37] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{color}"><title>{_e(label)}: {_e(fmt.format(v))}</title></rect>')
        parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" font-size="12">{_e(fmt.format(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(title: str, categories: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """Columns per category stacked by series (e.g. outcomes per day), with a legend."""
    if not categories:
        return f'<p class="muted">{_e(title)}: no data.</p>'
    plot_h, col_w, gap, left, bottom = 220, max(min(60, 720 // len(categories)), 6), 6, 50, 60
    legend_w = 110
    width = left + len(categories) * (col_w + gap) + 20 + legend_w
    totals = [sum(s[i] for s in series.values()) for i in range(len(categories))]
    top = max(totals) or 1.0
    h = plot_h + bottom + 30
    parts = [f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{h}" viewBox="0 0 {width} {h}" xmlns="http://www.w3.org/2000/svg">', f"<title>{_e(title)}</title>"]
    for frac in (0.0, 0.5, 1.0):
        y = 20 + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - legend_w - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{top * frac:.0f}</text>')
    for i, cat in enumerate(categories):
        x = left + i * (col_w + gap)
        y = 20 + plot_h
        for name, values in series.items():
            v = values[i]
            hh = plot_h * v / top
            y -= hh
            if v:
                parts.append(f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{hh:.1f}" fill="{COLORS.get(name, BAR)}"><title>{_e(cat)} {_e(name)}: {v:.0f}</title></rect>')
        parts.append(f'<text x="{x + col_w / 2:.1f}" y="{20 + plot_h + 14}" font-size="11" text-anchor="end" transform="rotate(-40 {x + col_w / 2:.1f} {20 + plot_h + 14})">{_e(cat)}</text>')
    lx = width - legend_w + 6
    for j, name in enumerate(reversed(list(series))):  # top to bottom, as the stack reads
        ly = 24 + j * 18
        parts.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{COLORS.get(name, BAR)}"/><text x="{lx + 14}" y="{ly + 9}" font-size="11">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _group_table(caption: str, key: str, groups: dict[str, dict[str, Any]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in (key, "volume", "resolved", "resolution", "escalation", "reopened", "cost / resolved", "p50 answer", "p95 answer", "reviewed", "accuracy"))
    body = "".join(
        f"<tr><td>{_e(k)}</td><td>{g['volume']}</td><td>{g['resolved']}</td><td>{_pct(g['resolution_rate'])}</td><td>{_pct(g['escalation_rate'])}</td>"
        f"<td>{g['reopened']}</td><td>{_usd(g['cost_per_resolved_usd'])}</td><td>{g['time_to_answer_s']['p50']:.2f}s</td><td>{g['time_to_answer_s']['p95']:.2f}s</td>"
        f"<td>{g['reviewed']}</td><td>{_pct(g['reviewed_accuracy'])}</td></tr>"
        for k, g in groups.items()
    )
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _gaps(gaps: list[dict[str, Any]]) -> str:
    if not gaps:
        return '<p class="muted">No knowledge gaps in this period.</p>'
    items = []
    for g in gaps:
        signals = ", ".join(f"{_e(k)} {v}" for k, v in g["signals"].items())
        quotes = g.get("quotes") or [{"ticket": "", "text": x} for x in g["examples"]]
        quoted = "".join(f"<li><q>{_e(q['text'])}</q> <span class=muted>{_e(q['ticket'])}</span></li>" for q in quotes)
        nearest = f" · nearest article: {_e(g['nearest_article'])}" if g.get("nearest_article") else ""
        shared = f"<br><span class=muted>every question mentions: {_e(', '.join(g['shared_words']))}</span>" if g.get("shared_words") else ""
        items.append(
            f"<li><b>{_e(g['topic'])}</b> — {g['volume']} ticket{'s' if g['volume'] != 1 else ''} ({signals}){nearest}{shared}<ul>{quoted}</ul></li>"
        )
    return f"<ol class=gaps>{''.join(items)}</ol>"


def _sample(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="muted">No auto-replies in this period.</p>'
    head = "<tr><th>ticket</th><th>question</th><th>reply sent</th><th>cites</th><th>best match</th><th>review</th></tr>"
    body = []
    for x in rows:
        cites = "<br>".join(_e(c["title"] + (f" › {c['section']}" if c["section"] else "")) for c in x["citations"]) or "–"
        verdict = x["verdict"] or "not reviewed"
        note = f"<br><span class=muted>{_e(x['note'])}</span>" if x.get("note") else ""
        score = "–" if x["top_score"] is None else f"{x['top_score']:.2f}"
        body.append(f"<tr><td>{_e(x['ticket'])}<br><span class=muted>{_e(x['intent'])}</span></td><td class=text>{_e(x['question'])}</td>"
                    f"<td class=text>{_e(x['reply'])}</td><td class=text>{cites}</td><td>{score}</td><td class='verdict {_e(verdict.replace(' ', '-'))}'>{_e(verdict)}{note}</td></tr>")
    return f"<table class=sample><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _citations(c: dict[str, Any]) -> str:
    def rows(items: list[dict[str, Any]]) -> str:
        return "".join(f"<tr><td>{_e(r['title'])}</td><td>{r['replies']}</td></tr>" for r in items) or "<tr><td colspan=2 class=muted>–</td></tr>"

    known = f" of the help centre's {c['articles_known']} ({c['never_cited']} never cited)" if c.get("articles_known") is not None else ""
    return (f"<p>{c.get('replies_with_citations', 0)} auto-replies cite {c.get('articles_cited', 0)} articles{known}.</p><div class=charts>"
            f"<table><caption>Cited most</caption><thead><tr><th>article</th><th>replies</th></tr></thead><tbody>{rows(c.get('most') or [])}</tbody></table>"
            f"<table><caption>Cited least</caption><thead><tr><th>article</th><th>replies</th></tr></thead><tbody>{rows(c.get('least') or [])}</tbody></table></div>")


def _review_line(rv: dict[str, Any]) -> str:
    if not rv.get("reviewed"):
        return f"<p>No auto-reply reviewed yet (of {rv.get('auto_replied', 0)}): grade a sample on the review page (<code>/review</code>) to measure accuracy.</p>"
    lo, hi = rv["ci95"]
    return (f"<p><b>Reviewed accuracy {_pct(rv['accuracy'])}</b>: {rv['correct']} of {rv['reviewed']} reviewed auto-replies were right "
            f"(95% interval {_pct(lo)}–{_pct(hi)}); {rv['auto_replied'] - rv['reviewed']} of {rv['auto_replied']} not reviewed yet.</p>")


def _thresholds(items: list[dict[str, Any]]) -> str:
    return "<dl class=thresholds>" + "".join(f"<dt>{_e(t['name'])} = {_e(t['value'])}</dt><dd>{_e(t['meaning'])}</dd>" for t in items) + "</dl>"


def render_html(rep: dict[str, Any]) -> str:
    """The whole report page."""
    days = list(rep["by_day"])
    outcome_series = {
        "auto_reply": [rep["by_day"][d]["auto_replied"] - rep["by_day"][d]["reopened"] for d in days],
        "reopened": [rep["by_day"][d]["reopened"] for d in days],
        "draft": [rep["by_day"][d]["drafted"] for d in days],
        "escalate": [rep["by_day"][d]["escalated"] for d in days],
    }
    intents = rep["by_intent"]
    charts = [
        ("Tickets per day by outcome", stacked_columns("Tickets per day by outcome", days, outcome_series)),
        ("Resolution rate by intent", hbar_chart("Resolution rate by intent", [(k, g["resolution_rate"]) for k, g in intents.items()], fmt="{:.1%}", color=COLORS["auto_reply"], maximum=1.0)),
        ("Escalation rate by intent", hbar_chart("Escalation rate by intent", [(k, g["escalation_rate"]) for k, g in intents.items()], fmt="{:.1%}", color=COLORS["escalate"], maximum=1.0)),
        ("Escalations by reason", hbar_chart("Escalations by reason", [(k, v["tickets"]) for k, v in rep["escalation_by_reason"].items()], color=COLORS["escalate"])),
        ("Top knowledge gaps", hbar_chart("Top knowledge gaps", [(g["topic"], g["volume"]) for g in rep["knowledge_gaps"]], color=COLORS["reopened"])),
    ]
    scope = ", ".join(x for x in (f"since {rep['since']}" if rep.get("since") else "", f"run {rep['run_id']}" if rep.get("run_id") else "") if x) or "all results"
    tiles = [
        ("tickets", str(rep["volume"])),
        ("resolution rate", _pct(rep["resolution_rate"])),
        ("escalation rate", _pct(rep["escalation_rate"])),
        ("reopened", str(rep["reopened"])),
        ("cost per resolved", _usd(rep["cost_per_resolved_usd"])),
        ("answer p50 / p95", f"{rep['time_to_answer_s']['p50']:.2f}s / {rep['time_to_answer_s']['p95']:.2f}s"),
        ("reviewed accuracy", f"{_pct(rep['reviewed_accuracy'])} of {rep['reviewed']} reviewed"),
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ticketflow report</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 75rem; padding: 1rem 1.5rem; color: #1d232b; }}
h1 {{ font-size: 1.4rem; }} h2 {{ font-size: 1.1rem; margin-top: 2rem; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: .8rem; }} .tile {{ border: 1px solid #ccd; border-radius: 6px; padding: .5rem .9rem; }}
.tile b {{ display: block; font-size: 1.3rem; }} .muted {{ color: #667; }}
table {{ border-collapse: collapse; margin: .5rem 0; }} caption {{ text-align: left; font-weight: 600; padding: .3rem 0; }}
th, td {{ border-bottom: 1px solid #e3e5ea; padding: .25rem .6rem; text-align: right; }} th:first-child, td:first-child {{ text-align: left; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1.5rem; }} figure {{ margin: 0; }} figcaption {{ font-weight: 600; margin-bottom: .3rem; }}
.gaps li {{ margin-bottom: .6rem; }} .gaps ul li {{ margin-bottom: .1rem; }}
table.sample td.text, table.sample th {{ text-align: left; max-width: 22rem; font-size: 13px; }} table.sample td {{ vertical-align: top; }}
td.verdict.correct {{ color: #2a7a3a; }} td.verdict.incorrect {{ color: #b03a3a; font-weight: 600; }} td.verdict.not-reviewed {{ color: #667; }}
dl.thresholds dt {{ font-weight: 600; margin-top: .4rem; }} dl.thresholds dd {{ margin-left: 1.2rem; }}
</style></head><body>
<h1>ticketflow report</h1>
<p class="muted">{_e(scope)} · results {_e(rep.get('first_result_at') or '–')} to {_e(rep.get('last_result_at') or '–')} · generated {_e(rep['generated_at'])}</p>
<div class="tiles">{''.join(f'<div class="tile">{_e(k)}<b>{_e(v)}</b></div>' for k, v in tiles)}</div>
<h2>Are the answers good?</h2>
{_review_line(rep.get('review') or {})}
<h3>A sample of the replies sent</h3>
<p class="muted">Reviewed replies first (wrong ones on top), then a fixed spread of the rest, so the same page shows the same sample.</p>
{_sample(rep.get('reply_sample') or [])}
<h3>Articles the replies cite</h3>
{_citations(rep.get('citations') or {})}
<h2>Charts</h2>
<div class="charts">{''.join(f'<figure><figcaption>{_e(t)}</figcaption>{svg}</figure>' for t, svg in charts)}</div>
<h2>By intent</h2>{_group_table('Per intent', 'intent', intents)}
<h2>By day</h2>{_group_table('Per day (UTC)', 'day', rep['by_day'])}
<h2>Knowledge gaps</h2>
<p class="muted">Questions escalated because no article answered them or a bug had no known fix, faq and bug questions not auto-replied whose best match was weak (below the weak-match line, see Thresholds), and replies a reviewer marked incorrect. Each cluster is one topic: every question in it mentions the words that name it. Largest first, tickets quoted.</p>
{_gaps(rep['knowledge_gaps'])}
<h2>Thresholds</h2>
{_thresholds(rep.get('thresholds') or [])}
</body></html>
"""
