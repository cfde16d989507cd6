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
    specialist: str  # a model's fixed line when a human takes over (its prompt names the English one)
    handoff: str  # the draft when nothing in the help centre answers
    escalated: str  # what a customer whose ticket a human takes over reads, after the greeting


FRAMES: dict[str, Frame] = {
    "en": Frame(
        "Hi,",
        "From our help article “{title}”:",
        "From our help article “{title}” ({section}):",
        "If this doesn't solve it, reply here and a member of our team will take over.",
        "Let me get a specialist for this right away.",
        "I'll connect you with our team, who can help with this directly.",
        "Thank you for your message. I've passed it to a member of our team, who will reply to you here.",
    ),
    "es": Frame(
        "Hola:",
        "Según la guía «{title}»:",
        "Según la guía «{title}» ({section}):",
        "Si esto no lo resuelve, responde a este mensaje y una persona de nuestro equipo se encargará.",
        "Paso tu consulta a un especialista ahora mismo.",
        "Te pongo en contacto con nuestro equipo, que podrá ayudarte directamente.",
        "Gracias por tu mensaje. Se lo he pasado a una persona de nuestro equipo, que te responderá por aquí.",
    ),
    "fr": Frame(
        "Bonjour,",
        "D'après le guide « {title} » :",
        "D'après le guide « {title} » ({section}) :",
        "Si cela ne règle pas le problème, répondez à ce message et un membre de notre équipe prendra le relais.",
        "Je transmets votre demande à un spécialiste dès maintenant.",
        "Je vous mets en relation avec notre équipe, qui pourra vous aider directement.",
        "Merci pour votre message. Je l'ai transmis à un membre de notre équipe, qui vous répondra ici.",
    ),
    "de": Frame(
        "Hallo,",
        "Laut unserer Anleitung „{title}“:",
        "Laut unserer Anleitung „{title}“ ({section}):",
        "Falls das nicht hilft, antworten Sie einfach auf diese Nachricht, dann übernimmt jemand aus unserem Team.",
        "Ich gebe Ihr Anliegen sofort an einen Spezialisten weiter.",
        "Ich verbinde Sie mit unserem Team, das Ihnen direkt weiterhelfen kann.",
        "vielen Dank für Ihre Nachricht. Ich habe sie an unser Team weitergegeben; jemand aus dem Team antwortet Ihnen hier.",
    ),
    "it": Frame(
        "Ciao,",
        "Secondo la guida «{title}»:",
        "Secondo la guida «{title}» ({section}):",
        "Se questo non risolve il problema, rispondi a questo messaggio e una persona del nostro team se ne occuperà.",
        "Passo subito la tua richiesta a uno specialista.",
        "Ti metto in contatto con il nostro team, che potrà aiutarti direttamente.",
        "grazie per il tuo messaggio. L'ho passato a una persona del nostro team, che ti risponderà qui.",
    ),
    "pt": Frame(
        "Olá,",
        "De acordo com o guia «{title}»:",
        "De acordo com o guia «{title}» ({section}):",
        "Se isto não resolver, responda a esta mensagem e alguém da nossa equipe vai assumir o seu caso.",
        "Vou encaminhar o seu pedido a um especialista agora mesmo.",
        "Vou colocar você em contato com a nossa equipe, que poderá ajudar diretamente.",
        "obrigado pela sua mensagem. Encaminhei o seu pedido para uma pessoa da nossa equipe, que vai responder por aqui.",
    ),
    "nl": Frame(
        "Hallo,",
        "Volgens de handleiding '{title}':",
        "Volgens de handleiding '{title}' ({section}):",
        "Lost dit het niet op, antwoord dan op dit bericht en iemand van ons team neemt het over.",
        "Ik geef je vraag meteen door aan een specialist.",
        "Ik breng je in contact met ons team, dat je direct kan helpen.",
        "Bedankt voor je bericht. Ik heb het doorgegeven aan iemand van ons team, die je hier zal antwoorden.",
    ),
}


def customer_language(ticket: Ticket) -> str | None:
    """The language the customer wrote in: the ticket's own field, else detected (None when unclear)."""
    return language_of(clean(ticket.text), ticket.language)


def frame_for(language: str | None) -> tuple[str, Frame]:
    """The language a frame exists for (the one asked, else English) and its lines."""
    lang = language if language in FRAMES else DEFAULT
    return lang, FRAMES[lang]


def short_title(title: str) -> str:
    """An article title as a customer reads it: without the site's name a page title ends with
    ("Applying | Social Security Administration" -> "Applying"), its other parts joined by a dash."""
    parts = [p.strip() for p in title.split(" | ") if p.strip()]
    if len(parts) > 1:
        parts = parts[:-1]
    return " – ".join(parts) or title.strip()


def cite_line(language: str | None, title: str, section: str) -> str:
    """Where the answer comes from: the article, and its section when that says more than the title."""
    _, f = frame_for(language)
    name = short_title(title)
    own = section.strip() and section.strip().lower() not in (title.strip().lower(), name.lower()) and "#" not in section
    return f.cite_section.format(title=name, section=section.strip()) if own else f.cite.format(title=name)


def framed(language: str | None, title: str, section: str, body: str) -> str:
    """A whole reply: greeting, where the answer comes from, the answer, the closing."""
    _, f = frame_for(language)
    return f"{f.greeting}\n\n{cite_line(language, title, section)}\n\n{body}\n\n{f.closing}"


def specialist_line(language: str | None) -> str:
    """What a customer whose ticket a human takes over is told, in their language: a greeting, thanks,
    and that a person will answer in this thread (no promise of how soon)."""
    _, f = frame_for(language)
    return f"{f.greeting}\n\n{f.escalated}"


def handoff_line(language: str | None) -> str:
    """The draft when nothing in the help centre answers, in the customer's language."""
    return frame_for(language)[1].handoff
