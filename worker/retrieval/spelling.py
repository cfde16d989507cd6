"""A ticket's words as the help centre spells them: typos, run-together words and derivations folded before search.

    "do you shpi to Munich?"        -> "do you ship to Munich?"        (one edit from a help-centre word)
    "doyou deliver to Hungary?"     -> "do you deliver to Hungary?"    (split into two known words)
    "shipment options"              -> "ship options"                  (a derivation of a help-centre word)

Customers misspell and run words together; a word the index does not know matches nothing in BM25, adds
nothing to the dense vector, and weighs as the rarest term in the answerability check, so one typo both hides
the right article and makes the ticket look unanswered. Only tokens the index does not know are touched, each
mapped to words the help centre itself uses in its main language (its index terms; a word of one of its other
languages is known, left alone, and never written instead of a customer's word) or, for a split, to the main language's
function words (stop and generic words), never to a word list of its own. Queries in another language than
the help centre's main one are left as written (a Portuguese "conta" is no typo of an English "cost"):

1. derivation: a token ending in a derivational suffix (-ment, -ance, -ation, ...) whose base the index
   knows is that base ("shipment" -> "ship", "assistance" -> "assist");
2. one edit: a token of at least EDIT_MIN letters one insertion, deletion, substitution or swap of neighbours
   from a known word (four-letter tokens: a swap only, the commonest slip, since short words one substitution
   apart are usually different words), the first letter kept. Candidates come from a symmetric-delete index
   built once per index (two strings one edit apart share a key), the help centre's most frequent candidate
   winning; a tie between different words is left alone. The index holds stems, so a slip in the last letter
   of an inflected word ("shippinh") is tried apart: the last letter changed, dropped or swapped;
3. split: a token that is two known words written together ("doyou", "udeliver"), the split whose shorter part
   is longest winning, a tie left alone.

A capitalised word inside a sentence is a name (a city, a shop) and is left as written. The rewritten query
is what every signal then sees (BM25 terms, the dense vector, the answerability weighing), so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from worker.retrieval.analysis import stem
from worker.retrieval.answerable import GENERIC_WORDS, IGNORED_WORDS, deletes, keyed_by_deletes, one_edit, proper_names, swapped
from worker.text import STOPWORDS

EDIT_MIN = 6  # tokens this long may be corrected by any one edit ("exist" is not a typo of "exit")
SUBSTITUTE_MIN = 7  # forms this long may have one letter changed ("invoicw"; not "locate" -> "locale")
SWAP_MIN = 4  # tokens this long (shorter than EDIT_MIN) by a swap of neighbours only
SPLIT_MIN = 5  # shortest run-together token split
PART_MIN = 4  # shortest content word a split may yield (function words may be shorter: "do", "u")
BASE_MIN = 3  # shortest base a derivational suffix may leave
# Derivational suffixes of English nouns and adjectives, longest first: the base is a word the help centre uses.
DERIVATIONS = tuple(sorted(("ations", "ation", "ments", "ment", "ances", "ance", "ences", "ence", "ions", "ion", "ness", "ities", "ity", "ally", "al"), key=len, reverse=True))
CACHE_MAX = 50_000
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.U)


class Speller:
    """Corrects query tokens against one help centre's vocabulary (`df`: index term -> chunks holding it)."""

    def __init__(
        self,
        df: Mapping[str, int],
        function_words: Iterable[str] = STOPWORDS | GENERIC_WORDS,
        ignored: Iterable[str] = IGNORED_WORDS,
        known: Iterable[str] = (),
    ) -> None:
        """`df`: the main language's index terms, what a token may be corrected to; `known`: the index terms of the
        help centre's other languages, left as written but never written instead of a customer's word (an English
        "moment" is no typo of a Spanish section's "momento"); `function_words`: the main language's words a
        run-together token may hold ("doyou"); `ignored`: words of any language that are left as written (never
        corrected: they name no topic)."""
        self.df = df
        self.other = frozenset(known)
        self.function = frozenset(function_words)
        self.ignored = frozenset(ignored) | self.function
        self.keys = keyed_by_deletes([t for t in df if len(t) >= SWAP_MIN - 1 and t.isalpha()])
        self.cache: dict[str, str | None] = {}

    def known(self, token: str) -> bool:
        """Whether the help centre (or the function words) knows `token` as it is."""
        return token in self.ignored or (s := stem(token)) in self.df or s in self.other

    def correct(self, token: str) -> str | None:
        """What to write instead of the lower-case `token`, or None to leave it (known, or no single good guess)."""
        if token in self.cache:
            return self.cache[token]
        out = None
        if token.isalpha() and not self.known(token):
            out = self._derivation(token) or self._edit(token) or self._ending(token) or self._split(token)
        if len(self.cache) < CACHE_MAX:
            self.cache[token] = out
        return out

    def normalise(self, text: str) -> str:
        """`text` with every correctable token rewritten (names, numbers and known words untouched)."""
        out: list[str] = []
        last = 0
        names: frozenset[str] | None = None
        for m in _WORD.finditer(text):
            word = m.group(0)
            token = word.lower()
            if len(token) < SWAP_MIN or not token.isalpha() or self.known(token):
                continue
            if word[0].isupper():  # a name inside a sentence (proper_names leaves out a sentence's first word)
                names = proper_names(text) if names is None else names
                if token in names:
                    continue
            fixed = self.correct(token)
            if fixed is not None:
                out += [text[last : m.start()], fixed]
                last = m.end()
        return "".join(out) + text[last:] if out else text

    def _term_word(self, token: str) -> str | None:
        """`token` if the help centre knows its stem."""
        return token if stem(token) in self.df else None

    def _derivation(self, token: str) -> str | None:
        for suf in DERIVATIONS:
            base = token[: -len(suf)]
            if not token.endswith(suf) or len(base) < BASE_MIN:
                continue
            undoubled = base[:-1] if len(base) > BASE_MIN and base[-1] == base[-2] else base
            for cand in (base, base + "e", undoubled):
                if self._term_word(cand):
                    return cand
        return None

    def _edit(self, token: str) -> str | None:
        if len(token) < SWAP_MIN:
            return None
        s = stem(token)
        found: dict[str, str] = {}  # the index term (or function word) -> the word written instead
        for form in dict.fromkeys((token, s)):
            for k in deletes(form):
                for word in self.keys.get(k, ()):
                    if word not in found and self._near(form, word, len(token) >= EDIT_MIN) and (written := self._written(token, s, word)):
                        found[word] = written
        if not found:
            return None
        ranked = sorted(found, key=lambda w: -self._weight(w))
        if len(ranked) > 1 and self._weight(ranked[0]) == self._weight(ranked[1]):
            return None
        return found[ranked[0]]

    @staticmethod
    def _near(form: str, word: str, any_edit: bool) -> bool:
        """One edit apart (a swap only unless `any_edit`), the first letter kept (a slip rarely hits it) unless the
        first two are swapped. One letter changed is the edit most often another word ("locate" / "locale",
        "lodg(ing)" / "long"): it needs SUBSTITUTE_MIN letters."""
        if swapped(form, word):
            return True
        if not any_edit or form[0] != word[0] or (len(form) == len(word) and len(form) < SUBSTITUTE_MIN):
            return False
        return one_edit(form, word)

    def _written(self, token: str, s: str, word: str) -> str | None:
        """How to write the correction: the index term `word` (a stem) as a form that stems to it ("oredr" -> "order")."""
        suffix = token[len(s) :] if token.startswith(s) else ""
        return next((w for w in (word, word + suffix, word + "e", word + "s") if stem(w) == word), None)

    def _weight(self, word: str) -> int:
        """How often the help centre uses `word` (chunks holding it)."""
        return self.df.get(word, 0)

    def _ending(self, token: str) -> str | None:
        """A slip in the last letter of an inflected word ("shippinh" -> "shipping"), which the index holds as its
        stem only, so the symmetric-delete keys cannot meet it: the last letter changed, dropped or swapped."""
        if len(token) < EDIT_MIN:
            return None
        head = token[:-1]
        variants = {head, token[:-2] + token[-1] + token[-2], *(head + c for c in _LETTERS)} - {token}
        found = {stem(v): v for v in sorted(variants) if stem(v) in self.df}
        if not found:
            return None
        ranked = sorted(found, key=lambda t: -self.df[t])
        if len(ranked) > 1 and self.df[ranked[0]] == self.df[ranked[1]]:
            return None
        return found[ranked[0]]

    def _split(self, token: str) -> str | None:
        if len(token) < SPLIT_MIN:
            return None
        splits = [(token[:i], token[i:]) for i in range(1, len(token)) if self._part(token[:i]) and self._part(token[i:])]
        if not splits:
            return None
        splits.sort(key=lambda s: -min(len(s[0]), len(s[1])))
        if len(splits) > 1 and min(map(len, splits[0])) == min(map(len, splits[1])):
            return None
        return " ".join(splits[0])

    def _part(self, word: str) -> bool:
        return word in self.function or (len(word) >= PART_MIN and stem(word) in self.df)
