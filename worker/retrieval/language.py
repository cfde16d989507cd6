"""Which language a ticket is written in: the ticket's own field when set, else a stop-word vote.

Function words are the most reliable cheap signal in short texts; each language's list holds
words frequent in it and rare in the others. Too few votes means "unknown" (None), never a guess.
"""

from __future__ import annotations

from worker.text import tokens

PROFILES: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "and", "is", "are", "my", "to", "of", "it", "this", "that", "with", "for", "not", "have", "how", "can", "you", "what", "when", "we", "our", "do", "does", "was", "there", "your", "it's", "i'm", "don't", "can't", "didn't", "why", "where", "which", "from", "just", "all", "but", "so", "get", "any", "at", "on", "an", "be", "if"]
    ),
    "es": frozenset(["el", "la", "los", "las", "que", "de", "y", "en", "un", "una", "por", "para", "con", "mi", "no", "es", "cómo", "puedo", "qué", "está", "pero"]),
    "fr": frozenset(["le", "la", "les", "de", "et", "est", "un", "une", "je", "mon", "ma", "mes", "pas", "pour", "dans", "sur", "avec", "vous", "comment", "ne", "que"]),
    "de": frozenset(["der", "die", "das", "und", "ist", "ich", "nicht", "ein", "eine", "mit", "den", "zu", "auf", "wie", "kann", "mein", "meine", "wir", "sie", "es"]),
    "pt": frozenset(["o", "a", "os", "as", "de", "e", "é", "um", "uma", "não", "meu", "minha", "para", "com", "como", "que", "em", "do", "da", "posso", "está"]),
    "it": frozenset(["il", "la", "lo", "gli", "di", "e", "è", "un", "una", "non", "mio", "mia", "per", "con", "come", "che", "in", "del", "della", "posso", "sono"]),
    "nl": frozenset(["de", "het", "een", "en", "is", "ik", "niet", "van", "mijn", "met", "voor", "hoe", "kan", "wat", "op", "te", "dat", "zijn", "wij"]),
    "pl": frozenset(["i", "w", "nie", "na", "się", "jest", "to", "z", "do", "jak", "mój", "moja", "czy", "mam", "że", "co", "po", "dla"]),
}
MIN_VOTES = 2
# A word in several profiles ("de", "la", "in") splits its vote between them.
_VOTES: dict[str, list[str]] = {}
for _lang, _words in PROFILES.items():
    for _w in _words:
        _VOTES.setdefault(_w, []).append(_lang)


def detect(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text says too little."""
    words = [w for w in tokens(text) if len(w) > 1]
    votes = dict.fromkeys(PROFILES, 0.0)
    for w in words:
        langs = _VOTES.get(w, [])
        for lang in langs:
            votes[lang] += 1.0 / len(langs)
    best = max(votes, key=lambda k: votes[k])
    ranked = sorted(votes.values(), reverse=True)
    if ranked[0] < MIN_VOTES or ranked[0] - ranked[1] < 1.0:
        return None
    return best


def normalize(code: str | None) -> str | None:
    """`pt-BR` -> `pt`; empty -> None."""
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None


def language_of(text: str, declared: str | None = None) -> str | None:
    """The declared language when there is one, else the detected one."""
    return normalize(declared) or detect(text)
