"""The words around an answer, in the customer's language: greeting, citation, closing, hand-off lines.

A reply is written in one language: the language of the article it quotes, framed in that same
language (see compose.py). The lines a customer sees when a human takes over are in the customer's
own language. Languages without a frame here fall back to English; the policy then sees that the
reply is not in the customer's language and a human answers (worker/stages/escalate.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.models import Ticket
from worker.retrieval.language import language_of
from worker.text import clean

DEFAULT = "en"


@dataclass(frozen=True)
class Frame:
    """One language's lines; `cite` takes the article title and, when it has one, its section."""

    greeting: str
    cite: str
    cite_section: str
    closing: str
    specialist: str  # the customer's line when a human takes over
    handoff: str  # the draft when nothing in the help centre answers


FRAMES: dict[str, Frame] = {
    "en": Frame(
        "Hi,",
        "According to the {title} guide:",
        "According to the {title} guide ({section}):",
        "If this doesn't solve it, reply here and a member of our team will take over.",
        "Let me get a specialist for this right away.",
        "I'll connect you with our team, who can help with this directly.",
    ),
    "es": Frame(
        "Hola:",
        "Según la guía «{title}»:",
        "Según la guía «{title}» ({section}):",
        "Si esto no lo resuelve, responde a este mensaje y una persona de nuestro equipo se encargará.",
        "Paso tu consulta a un especialista ahora mismo.",
        "Te pongo en contacto con nuestro equipo, que podrá ayudarte directamente.",
    ),
    "fr": Frame(
        "Bonjour,",
        "D'après le guide « {title} » :",
        "D'après le guide « {title} » ({section}) :",
        "Si cela ne règle pas le problème, répondez à ce message et un membre de notre équipe prendra le relais.",
        "Je transmets votre demande à un spécialiste dès maintenant.",
        "Je vous mets en relation avec notre équipe, qui pourra vous aider directement.",
    ),
    "de": Frame(
        "Hallo,",
        "Laut unserer Anleitung „{title}“:",
        "Laut unserer Anleitung „{title}“ ({section}):",
        "Falls das nicht hilft, antworten Sie einfach auf diese Nachricht, dann übernimmt jemand aus unserem Team.",
        "Ich gebe Ihr Anliegen sofort an einen Spezialisten weiter.",
        "Ich verbinde Sie mit unserem Team, das Ihnen direkt weiterhelfen kann.",
    ),
    "it": Frame(
        "Ciao,",
        "Secondo la guida «{title}»:",
        "Secondo la guida «{title}» ({section}):",
        "Se questo non risolve il problema, rispondi a questo messaggio e una persona del nostro team se ne occuperà.",
        "Passo subito la tua richiesta a uno specialista.",
        "Ti metto in contatto con il nostro team, che potrà aiutarti direttamente.",
    ),
    "pt": Frame(
        "Olá,",
        "De acordo com o guia «{title}»:",
        "De acordo com o guia «{title}» ({section}):",
        "Se isto não resolver, responda a esta mensagem e alguém da nossa equipe vai assumir o seu caso.",
        "Vou encaminhar o seu pedido a um especialista agora mesmo.",
        "Vou colocar você em contato com a nossa equipe, que poderá ajudar diretamente.",
    ),
    "nl": Frame(
        "Hallo,",
        "Volgens de handleiding '{title}':",
        "Volgens de handleiding '{title}' ({section}):",
        "Lost dit het niet op, antwoord dan op dit bericht en iemand van ons team neemt het over.",
        "Ik geef je vraag meteen door aan een specialist.",
        "Ik breng je in contact met ons team, dat je direct kan helpen.",
    ),
}


def customer_language(ticket: Ticket) -> str | None:
    """The language the customer wrote in: the ticket's own field, else detected (None when unclear)."""
    return language_of(clean(ticket.text), ticket.language)


def frame_for(language: str | None) -> tuple[str, Frame]:
    """The language a frame exists for (the one asked, else English) and its lines."""
    lang = language if language in FRAMES else DEFAULT
    return lang, FRAMES[lang]


def framed(language: str | None, title: str, section: str, body: str) -> str:
    """A whole reply: greeting, where the answer comes from, the answer, the closing."""
    _, f = frame_for(language)
    own = section.strip() and section.strip().lower() != title.strip().lower()
    cite = f.cite_section.format(title=title, section=section) if own else f.cite.format(title=title)
    return f"{f.greeting}\n\n{cite}\n\n{body}\n\n{f.closing}"


def specialist_line(language: str | None) -> str:
    """What a customer whose ticket a human takes over is told, in their language."""
    return frame_for(language)[1].specialist


def handoff_line(language: str | None) -> str:
    """The draft when nothing in the help centre answers, in the customer's language."""
    return frame_for(language)[1].handoff
