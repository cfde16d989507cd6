"""Which sentences, steps or table rows of a section answer this question.

    units of the section (markdown.py) -> score each by the question's terms it holds, a term weighed
    by how few of the section's units hold it (a word every unit shares says nothing about which one
    answers) -> the key unit, the best one, and what it needs around it:
      a step       its whole list (a window around it when the list is long) and the sentence that
                   introduces the list
      a table row  that row, and any other row the question names as strongly
      a sentence   it and the sentence after it, other sentences that match as well, and the list a
                   sentence ending in ":" introduces
    no unit matches -> the section's opening (its first sentences, or its first list)

The key unit is always kept: a reply must never drop the step that answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from worker.replies.markdown import Unit
from worker.retrieval.analysis import terms

MAX_SENTENCES = 3
MAX_ITEMS = 8
MAX_ROWS = 4
ALSO = 0.6  # another sentence or row is kept when it scores at least this share of the key one


def scores(units: Sequence[Unit], question: str) -> list[float]:
    """How strongly each unit matches the question (0 when it holds none of its terms)."""
    asked = set(terms(question))
    held = [set(terms(u.text)) & asked for u in units]
    df = Counter(t for h in held for t in h)
    n = len(units)
    return [sum(math.log(1.0 + n / df[t]) for t in h) for h in held]


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
    chosen = [i for i in _block(units, first.block) if units[i].kind == "sentence"][:2]
    last = chosen[-1]
    if units[last].text.endswith(":") and last + 1 < len(units) and units[last + 1].kind == "item":
        chosen += _list_around(units, last + 1)
    return sorted(set(chosen))


def select(units: Sequence[Unit], question: str) -> list[Unit]:
    """The units that answer `question`, in the section's order (the key one always among them)."""
    if not units:
        return []
    s = scores(units, question)
    # On a tie the step or row wins over prose: that is where a help centre puts its specifics.
    key = max(range(len(units)), key=lambda i: (s[i], units[i].kind != "sentence", -i))
    if s[key] <= 0.0:
        return [units[i] for i in _opening(units)]
    kind = units[key].kind
    if kind == "item":
        chosen = _list_around(units, key)
    elif kind == "row":
        rows = [i for i in _block(units, units[key].block) if s[i] >= ALSO * s[key]]
        chosen = sorted(rows, key=lambda i: (-s[i], i))[:MAX_ROWS]
        if key not in chosen:
            chosen.append(key)
    else:
        chosen = [key]
        nxt = key + 1
        if nxt < len(units) and units[nxt].kind == "sentence" and units[nxt].block == units[key].block:
            chosen.append(nxt)
        for i in sorted(range(len(units)), key=lambda i: (-s[i], i)):
            if len(chosen) >= MAX_SENTENCES or s[i] < ALSO * s[key]:
                break
            if units[i].kind == "sentence" and i not in chosen:
                chosen.append(i)
        ends = [i for i in chosen if units[i].text.endswith(":") and i + 1 < len(units) and units[i + 1].kind == "item"]
        for i in ends:
            chosen += [j for j in _list_around(units, i + 1) if j not in chosen]
    return [units[i] for i in sorted(set(chosen))]
