"""Answerability: does any retrieved section mention what the ticket is about?

Retrieval always finds something, and a loosely related section can score above the threshold: a
question about a compliance contract lands on the privacy article, one about a device the company
does not sell on the set-up of one it does. What gives it away is the ticket's salient terms, the
ones rare in the help centre or absent from it (product names, acronyms, feature nouns): no
retrieved section contains them.

    ticket -> salient terms (stop words, greetings, generic words, numbers and typos of those dropped)
           -> weight each by the help centre's IDF (a term it never uses counts as the rarest)
           -> uncovered: no retrieved section holds the term (nor an inflection of it, nor, for a
              word the help centre never uses, a one-letter typo of it)
    unanswerable when the uncovered terms hold more than `max_share` of the weight and there are at
    least MIN_UNCOVERED_TERMS of them (one or two are usually a name, a place or a typo the answer
    does not depend on: "do you ship to Munich?"), or when the ticket has no salient term at all.

Pure functions over strings; the searcher supplies the help centre's IDF and the sections' terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from worker.retrieval.analysis import ALL_STOPWORDS, stem
from worker.retrieval.language import detect
from worker.text import tokens

MIN_UNCOVERED_TERMS = 3
INFLECTION = 3  # letters an inflection may add ("export" / "exporter"); the shorter form keeps at least MIN_STEM
MIN_STEM = 4
TYPO_MIN = 5  # shorter words one edit apart are usually different words ("line", "link")

# Words of any support conversation that never name what it is about: time and date words, hedges,
# conversational verbs, reply prefixes, chat abbreviations, greetings in the languages tickets arrive in.
GENERIC_WORDS = frozenset(
    [
        "about", "above", "across", "actually", "after", "again", "against", "ago", "ahead", "almost", "already", "although", "always",
        "anybody", "anyone", "anything", "anyway", "anyways", "anywhere", "appreciate", "appreciated", "around", "ask", "asked",
        "asking", "asks", "away", "back", "bad", "basically", "because", "before", "best", "better", "big", "bit", "both", "btw", "bye",
        "cheers", "come", "comes", "coming", "completely", "currently", "day", "days", "definitely", "done", "dont", "don't", "doesn't",
        "didn't", "isn't", "aren't", "wasn't", "won't", "can't", "couldn't", "wouldn't", "shouldn't", "haven't", "hasn't", "either",
        "else", "even", "ever", "every", "everybody", "everyone", "everything", "exactly", "fine", "first", "follow", "following", "fw",
        "fwd", "fyi", "gets", "getting", "give", "given", "go", "goes", "going", "gone", "gonna", "good", "great", "guess", "guy",
        "guys", "happen", "happened", "happens", "having", "hello", "help", "helped", "helping", "here", "hey", "hi", "hope",
        "hopefully", "however", "u", "ur", "i'd", "i'll", "i've", "idea", "instead", "it'll", "kind", "kindly", "know", "knows", "last", "later",
        "let", "let's", "like", "likely", "little", "lol", "look", "looked", "looking", "lot", "lots", "made", "make", "makes",
        "making", "many", "maybe", "mean", "means", "might", "mine", "minute", "minutes", "month", "months", "more", "morning", "much",
        "must", "need", "needed", "needs", "never", "next", "nice", "night", "nothing", "now", "obviously", "often", "ok", "okay",
        "omg", "once", "one", "ones", "only", "other", "others", "otherwise", "out", "perhaps", "please", "pls", "plz", "possible",
        "possibly", "pretty", "probably", "problem", "problems", "question", "questions", "quick", "quickly", "quite", "rather", "re",
        "really", "reason", "regards", "right", "said", "same", "say", "saying", "says", "see", "seeing", "seem", "seemed", "seems",
        "seen", "seriously", "should", "simple", "since", "small", "some", "somebody", "somehow", "someone", "something", "sometimes",
        "somewhere", "soon", "sorry", "still", "strange", "stuff", "sure", "take", "takes", "taking", "tell", "than", "thanks",
        "that's", "there's", "thing", "things", "think", "though", "thought", "thx", "today", "tomorrow", "tonight", "too", "totally",
        "tried", "tries", "try", "trying", "twice", "ty", "unfortunately", "until", "up", "use", "used", "uses", "using", "usually",
        "very", "want", "wanted", "wants", "way", "ways", "week", "weeks", "weird", "well", "we'll", "we're", "we've", "what's",
        "whats", "when's", "where's", "whenever", "while", "who's", "whole", "wonder", "wondering", "work", "worked", "working",
        "works", "wrong", "yeah", "year", "years", "yes", "yesterday", "yet", "you'd", "you'll", "you're", "you've", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december", "hola", "gracias", "buenas", "buenos", "bonjour", "merci",
        "salut", "hallo", "danke", "ciao", "grazie", "obrigado", "olá", "oi", "cordialement", "saludos"
    ]
)
# The same for the other languages tickets arrive in (es, fr, de, it, pt): question words, modal and auxiliary
# verbs, pronouns, time words. A check against a translated section must not turn on a "combien" or a "devo".
# (Words that are also English content words, such as "tag", "hat" or "ai", are left out.)
FOREIGN_GENERIC_WORDS = frozenset(
    """cómo como cuánto cuanto cuánta cuántos cuándo cuando dónde donde qué quién puedo puede pueden podéis hay tengo tiene tienen hacer hago quiero quisiera
    necesito sería ser estar está están estoy esto eso este esta ese esa también solo sólo si sí muy más menos algo alguien nada
    todo todos ahora hoy ayer mañana vez veces días día semana año favor bien otro otra mismo después antes siempre nunca aquí allí porque
    aunque entonces usted ustedes os me te nos tu tus vuestro vuestra suele algún alguna ningún cada mucho poco tan comment combien quand où
    pourquoi quel quelle quels quelles qu'on qu'il est-ce c'est j'ai peux peut pouvez puis dois doit faut faire veux voudrais avoir être suis ou
    mais donc aussi seulement juste encore déjà toujours jamais ici là très plus moins tout tous toute rien quelque chose svp s'il plaît ça
    cela ceci moi toi leur votre vos notre nos son sa ses aujourd'hui demain jour jours semaine mois fois après avant depuis oui autre
    même chez vers sans sous entre wie wann wo warum welche welcher welches wer kann können könnt muss müssen soll sollte möchte wollen habe
    haben hatte sind wird werden würde mich mir dich dir uns euch ihr ihnen er man meinen meinem meiner dein euer eure unser auch
    nur noch schon immer jetzt heute gestern morgen dort sehr mehr weniger alles etwas nichts bitte ja nein eigentlich trotzdem dann denn weil wenn
    ob also einfach woche monat jahr nach vor seit für von aus über zum zur im ins beim vom diese dieser dieses des quanto
    quanta quanti quante dove perché cosa chi quale può possiamo potete devo deve dovrei voglio vorrei ha hanno è sei essere avere fare faccio
    ti ci vi li ne miei tuo suo nostro vostro anche ancora già sempre mai ora adesso oggi ieri domani qui qua lì molto
    più meno tutto tutti niente qualcosa salve buongiorno bene altro stesso sul sulla sui nel nella nei della dei dal dalla alla ai entro
    dopo prima giorno giorni settimana mese anno volta se però quindi perciò quantos quantas onde porquê quem qual pode podem quero queria gostaria preciso
    tenho tem têm ter sou foi fazer faço vos lhe meus seu sua nosso vosso só apenas ainda já agora hoje ontem amanhã ali
    lá muito mais menos tudo nada alguém obrigada bom dias mês sim bem outro mesmo nas dos das ao à pelo pela depois então
    dá há""".split()  # noqa: SIM905 (a word list reads better as words)
)
_IGNORED = ALL_STOPWORDS | GENERIC_WORDS | FOREIGN_GENERIC_WORDS
IGNORED_WORDS = _IGNORED  # words that never name a ticket's topic, in every supported language
_SHORT_TYPOS = frozenset(w[:i] + w[i + 1] + w[i] + w[i + 2 :] for w in _IGNORED if len(w) <= 3 for i in range(len(w) - 1))


def one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or swapped(a, b)
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def swapped(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by one swap of neighbouring letters."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def deletes(word: str) -> set[str]:
    """`word` and every string one deleted letter away from it (the symmetric-delete keys)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def keyed_by_deletes(words: Collection[str]) -> dict[str, tuple[str, ...]]:
    """A symmetric-delete index: each of `words` (in sorted order) under every key of `deletes(word)`.

    Two words one edit apart (insertion, deletion, substitution, swap of neighbours) always share a key,
    so a token is compared with the few words under its own keys instead of all of them. The one builder
    of the index, for the ignored words, each retrieved section's words and the speller's vocabulary."""
    out: dict[str, list[str]] = {}
    for w in sorted(words):
        for k in deletes(w):
            out.setdefault(k, []).append(w)
    return {k: tuple(v) for k, v in out.items()}


# The ignored words typos are checked against (this check runs on every ticket).
_TYPO_KEYS = keyed_by_deletes([w for w in _IGNORED if len(w) >= TYPO_MIN - 1])


def _is_ignored_typo(token: str) -> bool:
    """A misspelt stop or generic word ("wuld", "frolm", "ot")."""
    if len(token) <= 3:
        return token in _SHORT_TYPOS
    if len(token) < TYPO_MIN:
        return False
    return any(one_edit(token, w) for k in deletes(token) for w in _TYPO_KEYS.get(k, ()))


@lru_cache(maxsize=1 << 16)
def truncations(term: str) -> tuple[str, ...]:
    """`term` and the shorter forms it may be an inflection of (memoised: the help centre's terms come back on every ticket)."""
    return (term, *(term[:-d] for d in range(1, INFLECTION + 1) if len(term) - d >= MIN_STEM))


def stems_of(section: Collection[str]) -> frozenset[str]:
    """The shorter forms of a section's terms (each term's truncations but itself); memoised, since the searcher
    keeps each section's terms as one frozenset, so a section is expanded once per process, not once per ticket."""
    return _frozen_stems(section if isinstance(section, frozenset) else frozenset(section))


@lru_cache(maxsize=1 << 14)
def _frozen_stems(section: frozenset[str]) -> frozenset[str]:
    return frozenset(t for s in section for t in truncations(s)[1:])


_WORD_AFTER = re.compile(r"(?<![.!?¿¡:;\n\"“«(\-–])[ \t]+([^\W\d_][\w'’-]*)")
NOUN_CASE = 0.3  # more capitalised words than this inside sentences (three or more): nouns are capitalised


def proper_names(text: str) -> frozenset[str]:
    """Words written with a capital inside a sentence ("ship to Munich", "order from Canada", "Pawpath"):
    names of places, people and businesses. None in German, which capitalises every noun, nor in a text
    that capitalises many of its words (German the detector missed, title case), where a capital says nothing."""
    if detect(text) == "de":
        return frozenset()
    words = [m.group(1) for m in _WORD_AFTER.finditer(text)]
    capital = [w for w in words if w[0].isupper() and w != "I"]
    if len(capital) >= 3 and len(capital) > NOUN_CASE * len(words):
        return frozenset()
    # an acronym (EHR, FHIR, SSO) names a feature or a standard the question is about: it stays salient
    capital = [w for w in capital if not w.isupper()]
    return frozenset(t for w in capital for t in tokens(w))


def salient_terms(text: str, known: Callable[[str], bool], used: Callable[[str], bool] | None = None) -> list[str]:
    """The ticket's content terms, distinct, in order, as the index spells them (stemmed).

    Dropped: stop words of every supported language, GENERIC_WORDS, one-letter words, anything with a
    digit (order numbers, dates, sizes), and, among words the help centre never uses (`known` says
    which), misspellings of the dropped words and proper names: a place, a person or a shop the
    answer does not depend on ("do you ship to Munich?" is a question about shipping). A name counts when the
    help centre uses the word itself (`used`; default `known`), not merely a word it may be an inflection of
    ("Seattle" is no form of "seat")."""
    out: dict[str, None] = {}
    names = proper_names(text)
    for token in tokens(text):
        if len(token) < 2 or token in _IGNORED or any(c.isdigit() for c in token):
            continue
        term = stem(token)
        if token in names and not (used or known)(term):
            continue
        if not known(term) and _is_ignored_typo(token):
            continue
        out.setdefault(term, None)
    return list(out)


@dataclass(frozen=True)
class Answerability:
    """How much of the ticket no retrieved section mentions."""

    share: float  # weighted share of the salient terms' IDF that no retrieved section holds, in [0, 1]
    uncovered: tuple[str, ...]  # those terms
    salient: tuple[str, ...]

    def unanswerable(self, max_share: float, min_terms: int = MIN_UNCOVERED_TERMS) -> bool:
        """More than `max_share` of the weight, in at least `min_terms` terms, is in no retrieved section, or
        the ticket names nothing at all (whatever matched, matched on its filler). `max_share` >= 1: never."""
        if max_share >= 1.0:
            return False
        return not self.salient or (len(self.uncovered) >= min_terms and self.share > max_share)


def _covers(have: Collection[str], stems: Collection[str], term: str) -> bool:
    return any(t in have for t in truncations(term)) or term in stems


def _misspelt_in(term: str, sections: Sequence[Collection[str]]) -> bool:
    """Whether a section has a word of TYPO_MIN letters or more one edit from `term`. Two such words share a
    symmetric-delete key, so `term` is compared with the few words under its keys, not with every word."""
    keys = deletes(term)
    for s in sections:
        index = typo_keys(s)
        if any(one_edit(term, w) for k in keys & index.keys() for w in index[k]):
            return True
    return False


def typo_keys(section: Collection[str]) -> dict[str, tuple[str, ...]]:
    """A section's words of TYPO_MIN letters or more under their symmetric-delete keys (`deletes`); memoised like
    `stems_of`: the searcher keeps each section's terms as one frozenset, so a section is keyed once per process
    (~23 KB a section of the sample help centre; the 2,048 last used are kept)."""
    return _frozen_typo_keys(section if isinstance(section, frozenset) else frozenset(section))


@lru_cache(maxsize=1 << 11)
def _frozen_typo_keys(section: frozenset[str]) -> dict[str, tuple[str, ...]]:
    return keyed_by_deletes([w for w in section if len(w) >= TYPO_MIN])


Weighed = list[tuple[str, float, bool]]  # a ticket's salient terms: (term, IDF weight, the help centre uses it)


def weigh(text: str, idf: Callable[[str], float | None], unknown_idf: float) -> Weighed:
    """`text`'s salient terms with their weights: `idf(term)` is the term's IDF in the help centre, None when
    the help centre never uses it (it then weighs `unknown_idf`, the rarest possible). Computed once per ticket."""
    known = _Known(idf)
    out: Weighed = []
    for term in salient_terms(text, known, lambda t: idf(t) is not None):
        idf_t = known.weight(term)
        out.append((term, unknown_idf if idf_t is None else idf_t, idf_t is not None))
    return out


def answerability(
    text: str | Weighed,
    sections: Sequence[Collection[str]],
    idf: Callable[[str], float | None],
    unknown_idf: float,
) -> Answerability:
    """How much of `text` (or its `weigh`ed terms) the `sections` (each the set of its index terms) leave unmentioned."""
    weighed = weigh(text, idf, unknown_idf) if isinstance(text, str) else text
    have: set[str] = set().union(*sections) if sections else set()
    stems: set[str] = set().union(*(stems_of(s) for s in sections)) if sections else set()  # = the stems of `have`
    total = uncovered_weight = 0.0
    uncovered: list[str] = []
    for term, w, known in weighed:
        total += w
        if not _covers(have, stems, term) and (known or len(term) < TYPO_MIN or not _misspelt_in(term, sections)):
            uncovered.append(term)
            uncovered_weight += w
    share = uncovered_weight / total if total > 0 else 0.0
    return Answerability(round(share, 4), tuple(uncovered), tuple(t for t, _, _ in weighed))


def named_share(weighed: Weighed, heading: Collection[str]) -> float:
    """IDF-weighted share of a ticket's salient terms (`weigh`ed) that `heading` (the index terms of a section's
    title and heading) names: a section whose heading says what the ticket asks about is about it."""
    stems = stems_of(heading)
    total = sum(w for _, w, _ in weighed)
    named = sum(w for term, w, _ in weighed if any(t in heading for t in truncations(term)) or term in stems)
    return named / total if total > 0 else 0.0


class _Known:
    """The help centre's vocabulary, an inflection counting as the word (memoised per call)."""

    def __init__(self, idf: Callable[[str], float | None]) -> None:
        self.idf = idf
        self.cache: dict[str, float | None] = {}

    def weight(self, term: str) -> float | None:
        if term not in self.cache:
            self.cache[term] = next((w for t in truncations(term) if (w := self.idf(t)) is not None), None)
        return self.cache[term]

    def __call__(self, term: str) -> bool:
        return self.weight(term) is not None
