"""Which sentences, steps or table rows of a section answer this question.

    units of the section (markdown.py) -> score each by the question's terms it holds, a term weighed
    by how few of the section's units hold it (a word every unit shares says nothing about which one
    answers) and by whether the sentence that asks holds it (the rest of the ticket is context); terms of the heading a unit sits under count for it at a discount; a unit that carries
    the kind of answer asked for (an amount, a time, a number to call: asks.py) counts more; a
    sentence about the article itself, a question (its answer follows it) or a run of capitalised
    words (a menu, a flattened heading) counts less -> the key unit, the best one, and what it needs
    around it:
      a step       its whole numbered list (a window around it when the list is long) and the
                   sentence that introduces the list
      a bullet     the bullets that match as well as it does (a bulleted list is a set of
                   alternatives: one meter type, one error message); the whole list when they all do,
                   or when the sentence that asks names nothing the key bullet holds
      a table row  that row, and any other row the question names as strongly
      a sentence   it and the sentence after it, other sentences that match as well, and the list a
                   sentence ending in ":" introduces
    the question asks for an amount, a time or a contact and nothing chosen carries one -> the unit
    that carries it and matches best is added
    no unit matches -> the section's opening (its first sentences, or its first list)

The key unit is always kept: a reply must never drop the step that answers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from worker.replies.asks import carries, is_meta, wants
from worker.replies.markdown import Unit, sentences
from worker.retrieval.analysis import terms

MAX_SENTENCES = 3
MAX_ITEMS = 8
MAX_ROWS = 4
ALSO = 0.6  # another sentence or row is kept when it scores at least this share of the key one
ALSO_BULLET = 0.8  # another bullet of the key one's list: bullets are alternatives, the one asked about is enough
HEADING_SHARE = 0.5  # a term only the unit's heading holds counts this much
CARRIES_BONUS = 0.5  # a unit that carries the kind of answer asked for counts this much more
WEAK = 0.3  # what a sentence about the article, or a run of capitalised words, keeps of its score
AWAY = 0.5  # what a unit outside the retrieved section keeps (the article's introduction, a neighbour merged in)
CONTEXT_SHARE = 0.3  # a term of the ticket outside the sentence that asks counts this much
WHOLE_PARAGRAPH = 3  # a paragraph of at most this many sentences is quoted whole: its sentences lean on each other


def asked_terms(question: str) -> set[str]:
    """The terms of the sentences that ask (end in "?"); all of them when no sentence does. What
    surrounds the question is context ("I have no bank account. Can I pay in cash?": the ask is cash)."""
    # split after every "?" too: informal tickets go on in lower case ("can i pay by transfer? i have no card")
    pieces = [p for part in re.split(r"(?<=\?)\s+", " ".join(question.split())) for p in sentences(part)]
    asking = [s for s in pieces if s.rstrip().endswith("?")]
    return set(terms(" ".join(asking))) if asking else set(terms(question))


def _weak(u: Unit) -> bool:
    """About the article rather than the answer, or a menu or flattened heading (capitalised words, no verb)."""
    if u.kind == "sentence" and is_meta(u.text):
        return True
    long = [w for w in u.text.split() if len(w) > 3 and w[0].isalpha()]
    return u.kind == "sentence" and len(long) >= 3 and all(w[0].isupper() for w in long)


def _own(units: Sequence[Unit], section: str) -> list[bool]:
    """Which units belong to the section retrieval chose: those under its heading when the text holds
    it (what is above is the article's introduction), else those under no heading (what follows a
    heading is a neighbouring section merged into the chunk)."""
    name = section.strip().lower()
    if not name:
        return [True] * len(units)
    under = [u.heading.strip().lower() == name for u in units]
    return under if any(under) else [not u.heading for u in units]


def scores(units: Sequence[Unit], question: str, section: str = "") -> list[float]:
    """How strongly each unit matches the question (0 when it holds none of its terms); `section` names
    the section the units were retrieved for, when the text may hold more than it."""
    asked = set(terms(question))
    ask = asked_terms(question)
    held = [set(terms(u.text)) & asked for u in units]
    heads = [(set(terms(u.heading)) & asked) - h for u, h in zip(units, held, strict=True)]
    df = Counter(t for h, g in zip(held, heads, strict=True) for t in h | g)
    n = len(units)

    def weight(t: str) -> float:
        return math.log(1.0 + n / df[t]) * (1.0 if t in ask else CONTEXT_SHARE)

    kinds = wants(question)
    own = _own(units, section)
    out: list[float] = []
    for i, (u, h, g) in enumerate(zip(units, held, heads, strict=True)):
        # the first unit under a heading is where the heading's topic is stated: it gets the heading's whole weight
        share = 1.0 if u.heading and (i == 0 or units[i - 1].heading != u.heading) else HEADING_SHARE
        # fsum: a set's order changes from process to process, and a float sum with it; ties must not
        score = math.fsum(weight(t) for t in h) + share * math.fsum(weight(t) for t in g)
        if score and any(carries(u.text, k) for k in kinds):
            score *= 1.0 + CARRIES_BONUS
        if _weak(u):
            score *= WEAK
        out.append(score if own[i] else score * AWAY)
    # A question in the text ("Lost your card?") is answered by what follows it: its match is the answer's.
    for i, u in enumerate(units[:-1]):
        if u.kind == "sentence" and u.text.endswith("?") and out[i] > 0:
            out[i + 1] += out[i]
            out[i] *= WEAK
    return out


def _block(units: Sequence[Unit], block: int) -> list[int]:
    return [i for i, u in enumerate(units) if u.block == block]


def _lead_in(units: Sequence[Unit], first: int) -> list[int]:
    """The sentence just before a list, when it introduces it (ends with a colon)."""
    j = first - 1
    return [j] if j >= 0 and units[j].kind == "sentence" and units[j].text.endswith(":") else []


def _list_around(units: Sequence[Unit], key: int) -> list[int]:
    members = _block(units, units[key].block)
    if len(members) > MAX_ITEMS:
        pos = members.index(key)
        start = max(0, min(pos - MAX_ITEMS // 2, len(members) - MAX_ITEMS))
        members = members[start : start + MAX_ITEMS]
    return _lead_in(units, members[0]) + members


def _opening(units: Sequence[Unit]) -> list[int]:
    first = units[0]
    if first.kind == "item":
        return _list_around(units, 0)
    if first.kind == "row":
        return _block(units, first.block)[:MAX_ROWS]
    chosen = [i for i in _block(units, first.block) if units[i].kind == "sentence" and not _weak(units[i])][:2]
    if not chosen:  # the opening only speaks about the article: what follows it
        rest = [i for i, u in enumerate(units) if not _weak(u)]
        if not rest:
            return [0]
        return _list_around(units, rest[0]) if units[rest[0]].kind == "item" else [rest[0]]
    last = chosen[-1]
    if units[last].text.endswith(":") and last + 1 < len(units) and units[last + 1].kind == "item":
        chosen += _list_around(units, last + 1)
    return sorted(set(chosen))


def select(units: Sequence[Unit], question: str, section: str = "") -> list[Unit]:
    """The units that answer `question`, in the section's order (the key one always among them)."""
    if not units:
        return []
    s = scores(units, question, section)
    # On a tie the step or row wins over prose: that is where a help centre puts its specifics.
    key = max(range(len(units)), key=lambda i: (s[i], units[i].kind != "sentence", -i))
    if s[key] <= 0.0:
        return [units[i] for i in _opening(units)]
    own = _own(units, section)
    if not own[key] and any(own):
        # retrieval chose this section for the question: what it says goes in too, the key kept with it
        mine = max((i for i in range(len(units)) if own[i]), key=lambda i: (s[i], -i))
        return [units[i] for i in sorted(set(_around(units, s, key, question) + _around(units, s, mine, question)))]
    return [units[i] for i in sorted(set(_around(units, s, key, question)))]


def _around(units: Sequence[Unit], s: Sequence[float], key: int, question: str) -> list[int]:
    """The key unit and what it needs around it (see the module's docstring)."""
    kind = units[key].kind
    members = _block(units, units[key].block)
    if kind == "item" and units[key].number is None and len(members) > 2:
        alike = [i for i in members if s[i] >= ALSO_BULLET * s[key]]
        # A bullet only the ticket's context matched ("can I pay by bank transfer? my card is blocked" against a
        # list of accepted cards) is not the one asked about: the whole list answers whether it is there.
        asked = bool(set(terms(units[key].text)) & asked_terms(question))
        chosen = _list_around(units, key) if len(alike) == len(members) or not asked else alike
    elif kind == "item":
        chosen = _list_around(units, key)
    elif kind == "row":
        rows = [i for i in _block(units, units[key].block) if s[i] >= ALSO * s[key]]
        chosen = sorted(rows, key=lambda i: (-s[i], i))[:MAX_ROWS]
        if key not in chosen:
            chosen.append(key)
    else:
        paragraph = [i for i in members if units[i].kind == "sentence"]
        whole = len(paragraph) <= WHOLE_PARAGRAPH
        chosen = [i for i in paragraph if i == key or not _weak(units[i])] if whole else [key]
        nxt = key + 1
        if nxt < len(units) and units[nxt].kind == "sentence" and units[nxt].block == units[key].block and nxt not in chosen and not _weak(units[nxt]):
            chosen.append(nxt)
        for i in sorted(range(len(units)), key=lambda i: (-s[i], i)):
            if len(chosen) >= MAX_SENTENCES or s[i] < ALSO * s[key]:
                break
            if units[i].kind == "sentence" and i not in chosen:
                chosen.append(i)
        ends = [i for i in chosen if units[i].text.endswith(":") and i + 1 < len(units) and units[i + 1].kind == "item"]
        for i in ends:
            chosen += [j for j in _list_around(units, i + 1) if j not in chosen]
    chosen += _carrier(units, s, chosen, question)
    return chosen + _after_colon(units, chosen)


def _after_colon(units: Sequence[Unit], chosen: list[int]) -> list[int]:
    """What a chosen sentence ending in ":" announces, when it is not a list (flattened text): the next two units."""
    last = max(chosen)
    if units[last].kind != "sentence" or not units[last].text.endswith(":"):
        return []
    return [i for i in range(last + 1, min(last + 3, len(units)))]


def _carrier(units: Sequence[Unit], s: Sequence[float], chosen: list[int], question: str) -> list[int]:
    """For each kind of answer asked for (amount, time, contact) that nothing chosen carries, the unit that
    carries it and matches best, from anywhere it matches or from a block already quoted."""
    near = {units[i].block for i in chosen}
    out: list[int] = []
    for kind in sorted(wants(question)):
        if any(carries(units[i].text, kind) for i in chosen + out):
            continue
        have = [i for i, u in enumerate(units) if carries(u.text, kind) and not _weak(u) and (s[i] > 0 or u.block in near)]
        if have:
            out.append(max(have, key=lambda i: (s[i], -i)))
    return out
