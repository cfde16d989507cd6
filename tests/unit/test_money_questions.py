"""Issue #13: a question about money or about the account is a question; a claim on this customer's money or a
request to change the account goes to a person. In six languages, in domains the bundled training data does not
name (every message here is invented for the test; none is from an eval set).
"""

from __future__ import annotations

import pytest

from worker.models import Classification, Ticket
from worker.providers import local_classifier as lc
from worker.providers import signals as sig
from worker.providers.local import LocalProvider
from worker.stages.escalate import hard_reasons


@pytest.fixture(scope="module")
def provider(bundled_classifier: lc.LocalModels) -> LocalProvider:
    return LocalProvider(bundled_classifier)


def classify(provider: LocalProvider, message: str, subject: str = "") -> Classification:
    return provider.classify(Ticket(id="t", subject=subject, message=message))[0]


# --- refunds asked about in general vs a refund of this customer's ------------------------------------------
@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Is the membership deposit refundable?", False),
        ("Can I get a refund if the sailing trip is called off because of wind?", False),
        ("Am I entitled to a refund when the course is moved to another week?", False),
        ("Is the booking fee refunded if the workshop is cancelled?", False),
        ("¿Tengo derecho a un reembolso si cancelo con una semana de antelación?", False),
        ("Puis-je être remboursé si le stage est annulé ?", False),
        ("Wird die Kaution bei Rückgabe des Zelts erstattet?", False),
        ("Ho diritto a un rimborso se il corso viene annullato?", False),
        ("Tenho direito a reembolso se a aula for cancelada?", False),
        ("I want a refund for the sailing trip that was called off.", True),
        ("Can I get a refund?", True),
        ("Where is my refund for the cancelled workshop?", True),
        ("Can you refund me if I cancel today?", True),
        ("Can I get my 40 euros back if the trip is cancelled?", True),
        ("Wird mir das erstattet, wenn ich absage?", True),
        ("Quiero que me devolváis el dinero del curso cancelado.", True),
        ("Remboursez-moi le stage annulé, s'il vous plaît.", True),
        ("Rimborsatemi il corso annullato.", True),
    ],
)
def test_a_refund_asked_about_in_general_is_not_a_claim(text: str, own: bool) -> None:
    assert sig.asks_for_own_money(text) is own


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("Wann wird der Beitrag für den Kletterkurs abgebucht?", False),
        ("Quand la cotisation du club de voile est-elle débitée ?", False),
        ("Quando viene addebitata la quota del corso di ceramica?", False),
        ("Ich möchte wissen, wann die Rate für den Kurs abgebucht wird.", False),
        ("Sie haben den Beitrag doppelt abgebucht. Wann bekomme ich das zurück?", True),
        ("Der Beitrag wurde zweimal abgebucht.", True),
        ("On m'a débité deux fois la cotisation.", True),
    ],
)
def test_when_a_payment_is_taken_is_a_question_a_payment_taken_is_a_report(text: str, own: bool) -> None:
    assert sig.asks_for_own_money(text) is own


# --- a subject that names the topic ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "message", "own"),
    [
        ("Refunds", "How long do they usually take to reach the card?", False),
        ("Erstattung", "Wie lange dauert das normalerweise?", False),
        ("Refund request", "How long will it take?", True),
        ("Re: refund", "How long until it shows on my card?", True),
        ("Payment declined", "What should I do now?", True),
        ("Refunds", "You charged me twice for the same class.", True),
    ],
)
def test_a_subject_that_only_names_the_topic_does_not_make_a_question_a_claim(subject: str, message: str, own: bool) -> None:
    assert sig.asks_for_own_money_in(subject, message) is own


# --- money topics asked about vs reported on ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Is there a discount for students at the climbing wall?", True),
        ("Do unused top-ups on the laundry card expire?", True),
        ("Is VAT included in the workshop price?", True),
        ("¿Se puede pagar el curso a plazos?", True),
        ("La TVA est-elle comprise dans le prix du stage ?", True),
        ("Gibt es eine Ermäßigung für Familien?", True),
        ("C'è uno sconto per chi si iscrive in due?", True),
        ("Há desconto para reformados?", True),
        ("I would like to know how much the deposit for the kayak is.", True),
        ("The discount was not applied to my booking, why?", False),
        ("Why is the deposit so high this time?", False),
        ("¿Por qué no se aplicó el descuento?", False),
        ("Pourquoi la réduction n'a pas été appliquée ?", False),
        ("I paid 50 euros, is the deposit included?", False),
        ("Can I get a credit for the classes I missed?", False),
    ],
)
def test_a_money_topic_in_a_plain_question_is_a_price_question(text: str, question: bool) -> None:
    assert sig.asks_about_prices(text) is question


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("What happens if I don't pay the kayak deposit on time?", True),
        ("Que se passe-t-il si je ne rends pas la caution à temps ?", True),
        ("Was passiert, wenn ich die Rate für den Kurs nicht zahle?", True),
        ("Mi chiedevo se c'è uno sconto per chi porta un amico.", True),
        ("Quick question: do you take cash at the climbing wall?", True),
        ("Quisiera saber cuánto cuesta el abono de la piscina.", True),
        ("My payment for the course failed. What do I do now?", False),
        ("The climbing wall didn't give me the discount. Is that right?", False),
        ("Could you move my booking to Friday?", False),
    ],
)
def test_a_plain_question_may_suppose_a_failure_but_does_not_report_one(text: str, plain: bool) -> None:
    assert sig.plain_question(text) is plain


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("What happens to my points if the account is inactive for a year?", True),
        ("Is it possible to have two profiles under one membership?", True),
        ("Do I need an account to book a court?", True),
        ("Please unlock my account.", False),
        ("Can you close my account?", False),
        ("Lost my phone and can't log in, what do you need from me?", False),
        ("Handy verloren, keine Backup-Codes. Was brauchen Sie von mir?", False),
    ],
)
def test_a_plain_question_about_the_account_is_told_from_a_request_or_a_report(text: str, question: bool) -> None:
    assert sig.asks_how_about_account(text) is question


# --- the classifier on contrast pairs: the question is answered, the claim goes to a person ---------------------
@pytest.mark.parametrize(
    ("question", "claim"),
    [
        ("Is there a discount for the sailing course if two of us sign up?",
         "You charged us the full sailing course price although the two-person discount was confirmed. Please refund the difference."),
        ("Can I get a refund if the pottery class is cancelled?",
         "The pottery class was cancelled and I'd like my money back."),
        ("¿Qué día se cobra la cuota del club de tenis?", "Me habéis cobrado dos veces la cuota del club de tenis."),
        ("Combien coûte la location d'un kayak pour la journée ?", "Vous m'avez facturé deux jours de kayak au lieu d'un, merci de corriger."),
        ("Wann wird der Beitrag für die Kletterhalle abgebucht?", "Die Kletterhalle hat den Beitrag doppelt abgebucht, bitte erstatten."),
        ("Si può pagare il corso di ceramica a rate?", "Mi avete addebitato il corso di ceramica due volte, rivoglio i soldi."),
        ("A caução do caiaque é devolvida quando o entrego?", "Ficaram com a caução do caiaque sem motivo, quero-a de volta."),
    ],
)
def test_money_questions_are_answered_and_money_claims_go_to_a_person(provider: LocalProvider, question: str, claim: str) -> None:
    q = classify(provider, question)
    assert q.intent == "faq" and not hard_reasons(q), q
    assert classify(provider, claim).intent == "billing"


@pytest.mark.parametrize(
    ("question", "change"),
    [
        ("Where do I see which devices are signed in to my climbing wall account?", "Please delete my climbing wall account and my photos."),
        ("How do I turn on reminders for my pottery class bookings?", "Change the e-mail on my pottery studio account to j.doe@mail.example."),
        ("¿Cómo cambio la contraseña de la app del club de tenis?", "Eliminad mi cuenta del club de tenis, por favor."),
    ],
)
def test_account_how_tos_are_answered_and_account_changes_go_to_a_person(provider: LocalProvider, question: str, change: str) -> None:
    q = classify(provider, question)
    assert q.intent == "faq" and not hard_reasons(q), q
    assert classify(provider, change).intent == "account"
