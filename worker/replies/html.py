"""The HTML rendering of a reply, for helpdesks that take HTML (Zendesk `html_body`, Intercom `body`).

    units chosen (markdown.py) -> paragraphs <p>, steps <ol>, bullets and table rows <ul>, a nested
    item inside its parent's list; links kept as <a href>, bold and italic as <strong>/<em>, code as
    <code>; everything else escaped -> framed: the greeting, citation and closing as paragraphs

Same words as the plain rendering (as_lines), so both say the same thing to the customer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from worker.replies.markdown import CODE, LINK, SAFE_URL, Unit, repair, strip_blocks

_BOTH = re.compile(r"(\*\*\*|___)(?=\S)(.+?)(?<=\S)\1")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")


def _link(m: re.Match[str]) -> str:
    text, url = m.group(1), html.unescape(m.group(2))
    if not SAFE_URL.match(url):
        return text
    return f'<a href="{html.escape(url, quote=True)}">{text}</a>'


def inline_html(source: str) -> str:
    """One line of Markdown as inline HTML: links, bold, italic and code kept, the rest escaped."""
    text = html.escape(repair(strip_blocks(source)), quote=False)
    text = CODE.sub(r"<code>\1</code>", text)
    text = LINK.sub(_link, text)
    text = _BOTH.sub(r"<strong><em>\2</em></strong>", text)
    text = _STRONG.sub(r"<strong>\2</strong>", text)
    return _EM.sub(r"<em>\2</em>", text)


_MARKUP = re.compile(r"[*_`\[<]")


def _unit_html(u: Unit) -> str:
    """A unit's own Markdown as HTML; its plain text escaped when it has no markup (the same words either
    way) and for a table row (rebuilt from its cells, its plain line reads best)."""
    if u.kind == "row" or not _MARKUP.search(u.source):
        return html.escape(u.text, quote=False)
    return inline_html(u.source)


def as_html(chosen: Sequence[Unit]) -> str:
    """The chosen units as HTML: a paragraph per run of sentences, a list per run of items or rows."""
    out: list[str] = []
    prev: Unit | None = None
    open_lists: list[str] = []  # the tags of the lists open, innermost last

    def close(to: int = 0) -> None:
        while len(open_lists) > to:
            out.append(f"</li></{open_lists.pop()}>")

    for u in chosen:
        same_block = prev is not None and prev.block == u.block and prev.kind == u.kind
        if u.kind == "sentence":
            close()
            if same_block and out and out[-1].endswith("</p>"):
                out[-1] = out[-1][: -len("</p>")] + " " + _unit_html(u) + "</p>"
            else:
                out.append(f"<p>{_unit_html(u)}</p>")
        else:
            tag = "ol" if u.kind == "item" and u.number is not None else "ul"
            depth = u.depth if u.kind == "item" else 0
            if not same_block:
                close()
            if len(open_lists) > depth + 1:
                close(depth + 1)
            if len(open_lists) == depth + 1:
                out.append("</li>")
                out.append(f"<li>{_unit_html(u)}")
            else:
                start = f' start="{u.number}"' if tag == "ol" and u.number not in (None, 1) and depth == len(open_lists) == 0 else ""
                out.append(f"<{tag}{start}><li>{_unit_html(u)}")
                open_lists.append(tag)
        prev = u
    close()
    return "".join(out)


def framed_html(greeting: str, cite: str, body_html: str, closing: str) -> str:
    """A whole reply as HTML: the frame's lines as paragraphs around the answer."""
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in (greeting, cite)) + body_html + f"<p>{html.escape(closing, quote=False)}</p>"


def lines_html(text: str) -> str:
    """Plain lines (a hand-off line, a greeting and a sentence) as HTML paragraphs."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br>".join(html.escape(x.strip(), quote=False) for x in p.splitlines()) + "</p>" for p in paras)
