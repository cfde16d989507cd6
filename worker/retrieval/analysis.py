"""How text becomes index terms: words for BM25, words plus character n-grams for the dense vectors.

Stop words of the languages customers write in are dropped (a Spanish "de" or German "die" says
nothing about the topic), and English inflection is folded by a light suffix stripper ("exports",
"exported", "exporting" -> "export"; "shipping", "shipment" -> "ship"). Character n-grams (3-5, within words) make the dense side
robust to typos, compounds and cognates ("Passwort" shares most of its n-grams with "password").
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from worker.text import STOPWORDS, tokens

# Function words of the other languages tickets arrive in (es, fr, de, pt, it, nl); none is an
# English content word.
FOREIGN_STOPWORDS = frozenset(
    ["de", "la", "el", "los", "las", "un", "una", "y", "en", "que", "por", "para", "con", "del", "al", "se", "lo", "su", "sus", "es", "como", "pero", "mi", "mis", "muy", "ya", "le", "les", "des", "du", "et", "est", "une", "dans", "pour", "pas", "sur", "au", "aux", "ce", "cette", "qui", "ne", "je", "vous", "nous", "il", "elle", "sont", "avec", "mon", "ma", "mes", "der", "das", "und", "ist", "nicht", "ich", "ein", "eine", "einen", "mit", "den", "dem", "zu", "auf", "sich", "wie", "bei", "oder", "aber", "wir", "sie", "es", "mein", "meine", "um", "uma", "da", "do", "das", "dos", "em", "na", "no", "nas", "nos", "não", "com", "meu", "minha", "il", "lo", "gli", "di", "che", "non", "con", "per", "una", "sono", "ho", "mio", "mia", "si", "het", "een", "en", "ik", "niet", "op", "te", "dat", "mijn", "met", "voor", "zijn", "er", "wat"]
)
ALL_STOPWORDS = STOPWORDS | FOREIGN_STOPWORDS
CHAR_NGRAMS = (3, 5)
_SUFFIXES = ("ments", "ment", "ing", "ed", "es", "s")
_UNDOUBLE = frozenset("bdfgmnprt")  # a doubled final consonant an -ing/-ed adds ("shipping", "planned"); not l, s, z


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English suffix strip: enough to meet "exports"/"exporting" and "shipping"/"shipment"/"ships", too
    light to merge unrelated words.

    Inflections (-s, -es, -ed, -ing) and the noun-forming -ment(s) are stripped when at least four letters stay
    ("payment", "comment" keep theirs); a consonant doubled before -ing/-ed is undoubled ("shipp" -> "ship").
    Measured and left out: a final y written i to meet -ies plurals ("delivery"/"deliveries": our tickets, energy
    and doc2dial lost answers), and Porter2 (snowballstemmer: folds "settings" into "set", "notification" into
    "notif", and costs ~0.2 ms a word in pure Python)."""
    if any(c.isdigit() for c in word):
        return word
    for suf in _SUFFIXES:
        if len(word) > len(suf) + 3 and word.endswith(suf):
            base = word[: -len(suf)]
            if suf in ("ing", "ed") and base[-1] == base[-2] and base[-1] in _UNDOUBLE:
                base = base[:-1]
            return base
    return word


def terms(text: str) -> list[str]:
    """Lexical terms: lower-cased words, stop words dropped, lightly stemmed."""
    return [stem(t) for t in tokens(text) if len(t) > 1 and t not in ALL_STOPWORDS]


@lru_cache(maxsize=200_000)
def feature_grams(term: str) -> tuple[str, ...]:
    """The dense features one term contributes: itself and its character n-grams."""
    lo, hi = CHAR_NGRAMS
    padded = f" {term} "
    return ("w:" + term, *(padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)))


def features(text: str) -> Counter[str]:
    """Dense-side features: every term, and the character n-grams of each term (with word boundaries)."""
    out: Counter[str] = Counter()
    for term, count in Counter(terms(text)).items():
        for g in feature_grams(term):
            out[g] += count
    return out
