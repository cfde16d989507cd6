"""What kind of answer a question wants, and whether a sentence carries one: by category, in six languages.

    "how much / what does it cost"        -> an amount    (a figure: 15p, €22, 5%, 3)
    "how long / when / how soon"          -> a time       (a figure with a unit of time, or a clock time)
    "who do I call / what number"         -> a contact    (a phone number, an e-mail or web address)

A unit that carries what the question asks for is worth more than one that only shares its words
("What rate do you pay for export?" is answered by "We pay 15p for every kWh", which shares none).
The patterns name categories of request, never a help centre's own phrases.
"""

from __future__ import annotations

import re

AMOUNT, TIME, CONTACT = "amount", "time", "contact"

_ASKS: dict[str, re.Pattern[str]] = {
    TIME: re.compile(
        r"\bhow (long|soon|early|late|quickly|fast)\b|\bwhen\b|\b(what|which) (time|times|hours|days)\b|\buntil when\b|\bdeadline\b"
        r"|\bcu[aá]nto tiempo\b|\bcu[aá]ndo\b|\btarda|\bplazo\b|\bhasta cu[aá]ndo\b"
        r"|\bcombien de temps\b|\bquand\b|\bd[ée]lai\b|\bjusqu'?[àa] quand\b"
        r"|\bwie lange?\b|\bwann\b|\bbis wann\b|\bfrist\b|\bdauert\b"
        r"|\bquanto tempo\b|\bquando\b|\bentro quan|\bscadenza\b"
        r"|\bquanto tempo\b|\bdemora\b|\bprazo\b|\bat[ée] quando\b",
        re.I,
    ),
    AMOUNT: re.compile(
        r"\bwhat (is the |are the |'s the )?(rate|price|prices|fee|fees|cost|charge|amount|limit|minimum|maximum)\b"
        r"|\bcost|\bprice|\bfees?\b|\bcharge\b|\brate\b|\bpercent"
        r"|\bprecio|\bcuesta|\bcoste\b|\btarifa\b|\bcomisi[oó]n"
        r"|\bprix\b|\btarif\b|\bco[uû]te?\b|\bfrais\b"
        r"|\bkoste|\bpreis|\bgeb[uü]hr|\bbetrag\b"
        r"|\bprezz|\bcost[oa]\b|\btariff"
        r"|\bpre[cç]o|\bcusta\b|\btaxa\b",
        re.I,
    ),
    CONTACT: re.compile(
        r"\bwho (do|should|can) (i|we) (call|phone|ring|contact)\b|\b(phone|telephone|contact) number\b|\bwhat number\b|\bcall\b|\bring\b"
        r"|\bllamar\b|\btel[eé]fono\b|\bqui appeler\b|\bappeler\b|\bt[ée]l[ée]phone\b|\bnum[ée]ro\b"
        r"|\banrufen\b|\btelefon|\bnummer\b|\bchiamare\b|\btelefono\b|\bnumero\b|\bligar\b|\btelefone\b|\bn[uú]mero\b",
        re.I,
    ),
}

_TIME_UNIT = (
    r"(min|minutes?|hours?|hrs?|h|days?|weeks?|months?|years?|working days?|business days?"
    r"|minutos?|horas?|d[ií]as?|semanas?|mes(es)?|a[nñ]os?|dias?|meses|anos?"
    r"|heures?|jours?|semaines?|mois|ans?|années?"
    r"|minuten?|stunden?|tagen?|tage|wochen?|monate?n?|jahren?|werktagen?"
    r"|minuti|ore|giorni|giorno|settimane?|mesi|mese|anni|anno)"
)
# "How much" asks for an amount unless it asks how much time ("¿cuánto tarda?", "quanto tempo").
_HOW_MUCH = re.compile(r"\bhow (much|many)\b|\bcu[aá]nt[oa]s?\b|\bcombien\b|\bwie ?viel|\bquant[oiae]s?\b", re.I)

_CARRIES: dict[str, re.Pattern[str]] = {
    TIME: re.compile(rf"\b\d+([.,]\d+)?\s*(-|–|to|a|à|bis|e|y|et|und)?\s*(\d+\s*)?{_TIME_UNIT}\b|\b\d{{1,2}}[:.]\d{{2}}\b", re.I),
    AMOUNT: re.compile(
        r"[£€$¥]\s?\d|\d\s?([£€$%]|p\b|c\b|ct\b|cents?\b|pence\b|eur\b|euros?\b|usd\b|dollars?\b|gbp\b|per\b|a (day|month|year)\b)"
        r"|\bfree\b|\bno (fee|charge|cost)\b|\bgratuit|\bgratis\b|\bkostenlos|\bgratuito|\bsin coste\b|\bsans frais\b|\bsem custos?\b",
        re.I,
    ),
    CONTACT: re.compile(r"\+?\d[\d ()-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+", re.I),
}

# A sentence about the article itself ("This article explains...") says nothing a customer asked for.
_META = re.compile(
    r"^(this|the) (article|guide|page|section)\b|^(in )?this (article|guide|page)\b"
    r"|^(este|esta) (art[ií]culo|gu[ií]a|p[aá]gina)\b|^en (este|esta) (art[ií]culo|gu[ií]a|p[aá]gina)\b"
    r"|^(cet|cette|ce) (article|guide|page)\b|^dans (cet|cette|ce) (article|guide|page)\b"
    r"|^(dieser|diese|dieses) (artikel|anleitung|seite)\b|^in (diesem|dieser) (artikel|anleitung|seite)\b"
    r"|^(questo|questa) (articolo|guida|pagina)\b|^in (questo|questa) (articolo|guida|pagina)\b"
    r"|^(este|esta) (artigo|guia|p[aá]gina)\b|^neste (artigo|guia)\b|^nesta p[aá]gina\b",
    re.I,
)


def wants(question: str) -> set[str]:
    """The kinds of answer the question asks for (empty when it asks for none in particular)."""
    kinds = {kind for kind, pattern in _ASKS.items() if pattern.search(question)}
    if TIME not in kinds and _HOW_MUCH.search(question):
        kinds.add(AMOUNT)
    return kinds


def carries(text: str, kind: str) -> bool:
    """Whether the text holds an answer of that kind."""
    return bool(_CARRIES[kind].search(text))


def is_meta(text: str) -> bool:
    """A sentence about the article rather than about what it explains."""
    return bool(_META.search(text.strip()))
