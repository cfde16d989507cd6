"""Routing signals that are simply right, whatever a statistical model thinks: what the customer asks for.

Each pattern names an *ask* or a *state* (a refund request, a person wanted, a customer stranded right
now, an attempt to re-instruct the bot), never a domain's vocabulary: a bank's "what is the fee for a
transfer?" and an airline's "how much is a checked bag?" carry money words but ask a question the help
centre answers. Written in English, Spanish, French, German, Italian and Portuguese from the team's own
understanding of how customers put these things; the statistical model covers the rest.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_I = re.I | re.U


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), _I)


# --- a person, a complaint, the law: always a human's job ----------------------------------------------
HUMAN_REQUEST = _rx(
    r"\bwho (can|do|should|could) (i|we) (talk|speak|write) (to|with)\b|\bwho (handles|deals with|is responsible for|is in charge of)\b|\bis there (a|any) (person|human|one|someone) (i|we) can (talk|speak)\b",
    r"\b(phone|telephone) call (instead|rather)\b|\b(get in touch|be in touch) with some(one|body)\b|\bsome(one|body) who can (actually )?(decide|help|sort)\b",
    r"\b(speak|talk)(ing)? (with|to) (an?|the|your) \w+ (officer|manager|team lead|supervisor|department|director)\b|^\W*(representative|agent|operator|human|real person)\W*$",
    r"\b(press|media) (enquir|inquir|quer)\w*|\b(journalist|reporter)\b|\b(medewerker|iemand) (spreken|te spreken)\b",
    r"\b(speak|talk|chat|connect|put|transfer|reach|escalate)(ing)?( me| this)? (to|with|through to) (a |an |some(one|body) |your |the )?"
    r"(real |live |actual |human |customer service |support )?"
    r"(human|person|agent|representative|rep|manager|supervisor|someone|somebody|operator|assistant|staff|employee)s?\b",
    r"\b(need|want|get|request|like|contact|reach|see|with) (to (speak|talk) (to|with) )?(an?|the|your|some) (live |human |real |actual )?(agent|representative|rep|operator|human|person|manager|supervisor)\b",
    r"\b(contact|reach|get in touch with|get hold of) (a |an |some(one|body) |a real |a live )?(human|person|agent|representative|operator|manager)\b",
    r"\b(real|live|actual) (human|person|agent|people)\b|\bhuman (agent|being|support)\b|\bnot (a|the|your) (bot|robot|machine)\b",
    r"\b(call me( back)?|phone me|ring me|give me a (call|ring))\b",
    r"\b(contact\w*|reach|chat\w*|speak\w*|talk\w*) (with |wi?th |to ?)?(some(one|body)|an? (agent|assistant|advisor|adviser|rep|representative|employee|operator))\b",
    # es / pt
    r"\b(hablar|habla|comunicarme|falar|conversar) (con|com) (un |una |um |uma |alguien|alguém|algún |el |la |o |a )?"
    r"(humano|persona|pessoa|agente|operador[a]?|asesor[a]?|representante|responsable|responsável|supervisor[a]?|encargad[oa]|atendente|gerente|alguien|alguém)",
    r"\b(atención|atendimento) (humana|humano|personal(izada)?)\b|\b(persona|pessoa) (real|de verdad|de verdade)\b|\bllámenme\b|\bme liguem\b",
    # fr
    r"\bparler (à|a|avec) (un |une |quelqu'un|le |la )?(vrai |vraie )?(humain|personne|conseill(er|ère)|agent|opérat(eur|rice)|responsable|quelqu'un)",
    r"\b(un|une) (vrai|vraie) (personne|conseill(er|ère)|humain)\b|\brappelez-moi\b",
    # de
    r"\b(mit )?(einem|einer|jemandem) (echten |richtigen |zuständigen )?(menschen|mitarbeiter(in)?|berater(in)?|person|vorgesetzten|sachbearbeiter(in)?)\b[^.?!]{0,30}\b(sprechen|reden|verbinden)",
    r"\b(echten|richtigen) menschen\b|\bruf(en sie)? mich (bitte )?(zurück|an)\b|\brückruf\b",
    # it
    r"\bparlare con (un |una |qualcuno|il |la )?(vero |vera )?(operatore|operatrice|persona|umano|addetto|addetta|responsabile|consulente|qualcuno)",
    r"\boperatore umano\b|\bpersona (vera|reale)\b|\bmi (richiamate|chiamate)\b",
)
COMPLAINT = _rx(
    r"\b(klacht\w*|klacht indienen)\b",
    r"\b(complain\w*|grievances?|reclamations?)\b|\b(file|filing|make|making|lodge|lodging|submit|raise|open)\w* (a |an |my |our )?(formal |official |consumer |customer )?claims?\b",
    r"\bclaims? against\b",
    r"\b(quejas?|quejarme|reclamaci(ón|ones)|reclamos?|hoja de reclamaciones)\b",
    r"\b(plaintes?|porter plainte|réclamations?|réclamer)\b",
    r"\b(beschwerden?|beschweren|reklamation)\b",
    r"\b(reclami?|reclamo|lamentel[ae]|lamentarmi)\b",
    r"\b(reclamações?|reclamar|queixas?|livro de reclamações)\b",
)
LEGAL = _rx(
    r"\b(lawyers?|attorneys?|solicitors?|sue|suing|lawsuit|legal action|small claims|take (you|this) to court|ombudsman|regulator|trading standards)\b",
    r"\b(abogad[oa]s?|demandar(les)?|denunciar(les)?|acciones legales|vía judicial|tribunales)\b",
    r"\b(avocats?|poursuites?|action en justice|tribunal|médiateur|mise en demeure)\b",
    r"\b(anwalt|anwältin|rechtliche schritte|verklagen|klage einreichen|vor gericht|verbraucherzentrale|schlichtungsstelle)\b",
    r"\b(avvocat[oi]|vie legali|azioni legali|denuncia|tribunale|querela)\b",
    r"\b(advogad[oa]s?|processar|ação judicial|procon|justiça|tribunal)\b",
)

# --- harm now: security, fraud, a customer blocked at this moment -------------------------------------
SECURITY = _rx(
    r"\b(sim[- ]?swap\w*|duplicad[oa] la sim|roubaram|robaron|breach\w*|never (placed|made|ordered|authori[sz]ed|booked)|"
    r"jamais (passé|commandé|fait)\w*|nunca (hice|pedí|hize|fiz|pedi)|nie bestellt|mai (fatto|ordinato))\b",
    r"\b(fraud\w*|scam(med|mer)?s?|stolen|hacked|compromised|phishing|identity theft|unauthori[sz]ed|someone (else )?(has )?(logged|accessed|used|took|is using))\b",
    r"\b(do not|don't|didn't|did not) (recogni[sz]e|make|authori[sz]e) (this|these|that|a|the|those)\b",
    r"\b(fraude|fraudulent[oa]|estafa|robad[oa]|robaron|hackead[oa]|suplantación|no reconozco|no autoric)\w*",
    r"\b(fraude|frauduleu\w*|escroquer\w*|volée?s?|piraté\w*|usurpation|je ne reconnais pas|pas autorisé\w*)",
    r"\b(betrug\w*|gestohlen|gehackt|nicht autorisiert|kenne ich nicht|identitätsdiebstahl|missbrauch\w*)",
    r"\b(frode|truffa|rubat[oa]|hackerat[oa]|non riconosco|non autorizzat[oa]|furto d'identità)",
    r"\b(fraude|golpe|roubad[oa]|hackead[oa]|clonad[oa]|não reconheço|não autorizad[oa])",
)
# A safeguard named as a product or a service ("a fraud alert on my credit file", "theft cover", "la protection contre
# la fraude"): the words of an incident used as the name of a thing one asks about. Taken out before `SECURITY` is
# looked for; an incident told around it ("a fraud alert about a payment I never made") still reads as one.
_SAFEGUARD = _rx(
    r"\b(anti-?fraud|fraud|scam|identity theft|theft|phishing|hacking)[- ](alerts?|warnings?|protection|prevention|detection|monitoring|insurance|cover(age)?|"
    r"awareness|guarantee|policy|policies|department|team|unit|hotline|checks?|screening|filters?|freezes?|tips|advice|settings?)\b",
    r"\b(alertas?|avisos?|protecci(ón|ones)|prevenci(ón|ones)|seguros?|departamento|equipo) (contra (el |los )?|de |anti)(fraudes?|estafas?|robos?|suplantación)\b|\bantifraude\b",
    r"\b(alertes?|protection|prévention|assurance|service|cellule) (contre (la |les )?|anti-?|de |à la )?(fraudes?|escroqueries?|vols?|usurpation)\b",
    r"\b(betrugs|diebstahl|identitätsdiebstahl)(warnung|schutz|prävention|versicherung|abteilung|hinweis|meldung)\w*|\b(schutz|versicherung) (vor|gegen) (betrug|diebstahl)\b",
    r"\b(avvis[oi]|allert[ae]|protezione|prevenzione|assicurazione|ufficio) (contro (la |le |il )?|anti-?|di |per )?(frod[ei]|truff[ae]|furt[oi])\b|\bantifrode\b",
    r"\b(alertas?|avisos?|proteç(ão|ões)|prevenç(ão|ões)|seguros?|departamento) (contra (a |o )?|de |anti-?)(fraudes?|golpes?|roubos?|furtos?)\b",
)


def security_incident(text: str) -> bool:
    """Security or fraud on this customer's side (an account taken over, a payment they never made, a card stolen),
    not a safeguard asked about by name (see `_SAFEGUARD`)."""
    return bool(SECURITY.search(text)) and bool(SECURITY.search(_SAFEGUARD.sub(" ", text)))


BLOCKED_NOW = _rx(
    r"\b(i'm|i am|we're|we are) (standing |stuck |waiting )?(at|outside|in front of) (the |my |our )?(gate|door|reception|front desk|counter|check-?in|airport|station|apartment|hotel|entrance)\b|\blocked (inside|in)\b",
    r"\b(broke(n)? down|breakdown) (on|in|at) the (motorway|highway|road|freeway)\b|\b(averiad[oa]|en panne|liegengeblieben|in panne|avariad[oa])\b",
    r"\b(flight|train|boarding|ferry|bus|vuelo|tren|vol|flug|zug|volo|treno|voo|comboio)\b[^.?!]{0,25}\b(in|tra|en|dans|em|geht in)\s(\d+|a few|poche|pocas|quelques|wenigen|poucas)\s(min\w*|hours?|ore|horas?|heures?|stunden)\b",
    r"\b(ich stehe|wir stehen) (am|vor|an der|vor der|im)\b|\b(estoy|estamos) (en la puerta|en la recepción|en el aeropuerto|delante de)\b|\bje suis (à|devant) (la réception|la porte|l'aéroport|l'entrée)\b",
    r"\b(sono|siamo) (al banco|alla porta|alla reception|all'aeroporto|davanti)\b|\b(estou|estamos) (à porta|na porta|na receção|no aeroporto)\b",
    r"\b(stranded|stuck (at|in|outside) (the )?\w+|locked out|can'?t get (in|out|home|through)|cannot get (in|out|home)|at the (gate|counter|door|desk|border))\b",
    r"\b(right now|immediately|asap|urgent\w*|as soon as possible)\b|\bemergency\b(?![ -](credit|contacts?|numbers?|brakes?|exits?|funds?|kits?|lines?|services?|buttons?|loans?|top-?ups?))",
    r"\b(varad[oa]s?|atrapad[oa]s?|tirad[oa]s? en|me he quedado fuera|no (puedo|podemos) (entrar|salir)|ahora mismo|urgente|inmediatamente)\b|(?<!de )\b(urgencia|emergencia)\b",
    r"\b((je suis|nous sommes|on est|suis|sommes|compte|carte) (\w+ )?(bloqué\w*|coincé\w*)|bloqué\w* (dehors|devant|à l'|au |à la )|coincé\w*|"
    r"je (ne peux|n'arrive) pas (à )?(entrer|sortir|rentrer)|tout de suite|immédiatement|urgent\w*)|(?<!d')\burgence\b",
    r"\b(gestrandet|sitze? fest|sitzen fest|ausgesperrt|komme nicht (rein|hinein|raus)|sofort|dringend|notfall)\b",
    r"\b(bloccat[oa] (fuori|all'|in )|(sono|siamo|resto|restiamo|account|conto|carta) (\w+ )?bloccat[oa]|non riesco (a|ad) (entrare|uscire)|subito|urgente|immediatamente)|(?<!di )\b(urgenza|emergenza)\b",
    r"\b(pres[oa] (no|na|em|fora)|(estou|estamos|fiquei|ficámos|ficamos|conta|cartão) (\w+ )?bloquead[oa]|não consigo (entrar|sair)|agora mesmo|urgente|imediatamente)|(?<!de )\b(urgência|emergência)\b",
)
# Danger to people or property: a smell of gas or burning, smoke, fire, sparks, a shock, an injury.
SAFETY = _rx(
    r"\b((water|gas|huge|big|massive) leak|flood(ed|ing)|allerg\w* (reaction|warning)|anaphyla\w*|allergen)\b",
    r"\b(perdita (enorme|d'acqua)|si è fatt[oa] male|mi sono fatt[oa] male|crollat[oa]|fuga de agua|inundad[oa]|fuite d'eau|inondée?|wasserrohrbruch|überschwemm\w*|fuga de água|inundad[oa])\b",
    r"\b(smell\w* (of )?(gas|burning|smoke)|gas (leak|smell)|smoke (is )?(coming|pouring)|(a|on|caught|started a) fire|fire (in|at|on)|sparks?|sparking|electric shock|shocked me|"
    r"overheat\w*|melt(ed|ing)|injur\w*|i (fell|crashed)|fell (off|over|down)|(i'm|i am) (hurt|bleeding)|"
    r"hurt (myself|himself|herself|themselves)|(an|the|had an|in an) accident|unsafe|dangerous)\b",
    r"\b(me (he )?ca[ií]do|me duele|huele a (gas|quemado)|olor a (gas|quemado)|fuga de gas|sale humo|fuego|incendio|chispas|descarga eléctrica|herid[oa]s?|(un|tuve un) accidente|peligros[oa])\b",
    r"\b(je (suis|viens de) tomb\w*|j'ai (très |trop )?mal|odeur de (gaz|brûlé)|ça sent le (gaz|brûlé)|fuite de gaz|de la fumée|incendie|étincelles?|décharge électrique|blessée?s?|(un|eu un) accident|dangereu\w*)",
    r"\b(bin gestürzt|hingefallen|tut (sehr )?weh|riecht nach (gas|verbranntem)|gasgeruch|gasleck|raucht|qualmt|feuer|funken|stromschlag|verletzt|unfall|gefährlich)\b",
    r"\b(sono caduto|sono caduta|mi fa male|odore di (gas|bruciato)|puzza di (gas|bruciato)|fuga di gas|esce fumo|incendio|scintille|scossa|ferit[oa]|(un|ho avuto un) incidente|pericolos[oa])\b",
    r"\b(ca[ií] d[aeo]|levei uma queda|est[aá] a doer|dói|cheiro a (gás|queimado)|cheira a (gás|queimado)|fuga de gás|vazamento de gás|sai fumo|fumaça|incêndio|faíscas?|choque elétrico|ferid[oa]|(um|tive um) acidente|perigos[oa])\b",
)
# Everyone blocked at once is an outage, however calmly it is put.
EVERYONE_BLOCKED = _rx(
    r"\b(site|website|app|service|system|platform|shop|store) (is|went) (completely |totally |fully )?down\b|\b(nothing|it) (loads|works) for (anyone|anybody|everyone)\b",
    r"\b(wiped|erased) (every|all|our)\b|\b(niemand|keiner) in unserer (firma|abteilung|filiale)\b|\b(caída total|toda la empresa sin|panne générale|toute l'entreprise|ganze firma|tutta l'azienda|toda a empresa)\b",
    r"\b(production (is )?down|outage|data loss|lost (all|our) data|security (breach|incident)|data (leak|breach))\b",
    r"\b(nobody|no one|none of us|niemand|nadie|personne|nessuno|ninguém) (in|on|from|de|van|aus|da|di|del|em|no|na)? ?(our|the|my|ons|nuestro|notre|unserem|nostro|nosso)? ?"
    r"(team|office|company|equipo|équipe|bedrijf|firma|oficina|bureau|büro|ufficio|escritório)? ?(can|could|is able to|kan|puede|peut|kann|può|pode|consegue)\b",
    r"\b(kan|kann) (niemand|keiner)\b",
    r"\b(whole|entire|all of our|the) (team|company|office|staff)( can't| cannot| is unable| are unable| is blocked| is locked)",
    r"!!!",
)

# --- anger and polite frustration -----------------------------------------------------------------------
PROFANITY = _rx(
    r"\b(damn\w*|goddamn\w*|bloody|f+u+c+k\w*|shit\w*|crap\w*|bullshit|wtf|what the hell|pissed off|screw (you|this)|bastards?|idiots|morons?)\b",
    r"\b(mierda|joder|coño|puta|putos?|cabrones|merde|putain|bordel|connards?|scheiße|scheiss\w*|verdammt|idioten|cazzo|merda|stronz\w*|porra|caralho|droga de)\b",
)
FRUSTRATION = _rx(
    r"\b(every single time|impossible to reach|can'?t reach anyone|nobody ever (answers|replies|picks up|responds)|actually read (my|the)|from the beginning every|belachelijk)\b",
    r"\b(unacceptable|ridiculous|outrageous|furious|angry|disgusted|disappointed|disappointing|frustrat\w*|annoyed|appalling|disgrace\w*|"
    r"worst|terrible|awful|horrible|useless|pathetic|fed up|sick (and tired )?of|a joke|let down|not happy|unhappy|losing (my )?patience|at my wits)\b",
    r"\b(second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|several|multiple|many|countless|numerous) (time|e-?mail|message|request|ticket|call)s?\b",
    r"\b(asked|written|wrote|emailed|contacted|called|told) (you |your team |support )?(\w+ )?(twice|three times|four times|again)\b",
    r"\bstill (waiting|haven't (heard|had|received|got)|no (reply|answer|response|word|refund))\b|\b(no one|nobody) (has )?(replied|answered|responded|gets back|helps)\b",
    r"\b(waiting|waited) (for )?(days|weeks|\d+ (days|weeks))\b|\bagain and again\b|\bover and over\b|\bhow many times\b|\byet again\b",
    r"\b(haven't|have not|never) (heard back|received (a |any )?(reply|response|answer))\b",
    # es
    r"\b(inaceptable|vergüenza|vergonzoso|indignad[oa]|harto|harta|decepcionad[oa]|molest[oa]|furios[oa]|enfadad[oa]|pésimo|una broma|"
    r"tercera vez|cuarta vez|varias veces|ya (les )?he (escrito|llamado)|sigo esperando|nadie (me )?(responde|contesta))\b",
    # fr
    r"\b(inadmissible|inacceptable|scandaleu\w*|honteu\w*|c'est une honte|marre|déçue?|furieu\w*|énervée?|en colère|lamentable|"
    r"troisième fois|quatrième fois|plusieurs fois|toujours pas de réponse|personne ne (me )?répond|j'attends (toujours|depuis))\b",
    # de
    r"\b(unverschämt|inakzeptabel|frechheit|skandal\w*|enttäuscht|sauer|wütend|verärgert|reicht mir|zum (dritten|vierten|x-ten) mal|"
    r"schon wieder|immer noch keine (antwort|rückmeldung)|niemand antwortet|warte (seit|immer noch))\b",
    # it
    r"\b(inaccettabile|vergogn\w*|stufo|stufa|delus[oa]|arrabbiat[oa]|furios[oa]|pessimo|ridicolo|terza volta|quarta volta|più volte|"
    r"ancora nessuna risposta|nessuno (mi )?risponde|aspetto ancora|sto ancora aspettando)\b",
    # pt
    r"\b(inaceitável|vergonha|absurdo|cansad[oa] de|decepcionad[oa]|irritad[oa]|furios[oa]|péssimo|ridículo|terceira vez|quarta vez|"
    r"várias vezes|ainda sem resposta|ninguém (me )?responde|continuo (esperando|à espera))\b",
)

# --- injection: anywhere in the message, quoted mail, HTML comments and signatures included ---------------
INJECTION = _rx(
    r"\bpretend (you'?re|you are|to be)\b|\b(hidden|secret|original|initial) (prompt|instructions)\b|\brepeat (the|all|everything) (text|words|lines|above)\b",
    r"\b(ignore|forget|override|bypass|disregard) (all |any |your |the |previous |prior |above |earlier |these |those |of )+"
    r"(instructions|rules|prompts?|guidelines|directives|messages)\b",
    r"\b(system prompt|your (instructions|prompt|rules|guidelines)|developer mode|jailbreak|dan mode)\b",
    r"\byou are now\b|\bact as (an? )?(admin|administrator|developer|system)\b|\bdisregard (all |your |the |previous |prior )+",
    r"\b(reveal|print|show|repeat|output) (me )?(your |the )(system |hidden |initial )?(prompt|instructions)\b",
    r"\b(instructions?|notes?|messages?|commands?|directives?)( \w+)? (for|to) (any |all |the )?(ai|a\.i\.|automated|automatic|bots?|chatbots?|assistants?|llms?|language models?|agents?)\b",
    r"\bif you are an? (ai|bot|chatbot|language model|llm|assistant|automated)\b|\b(ai|bot|assistant|llm)s?,? (must|should|shall) (reply|respond|send|include|list|forward|reveal)\b",
    r"\b(instrucci(ón|ones)|nota) (para|a) (la |el |los |las )?(ia|bot|asistente|agentes?)\b|\bsi eres una? (ia|bot|asistente)\b",
    r"\b(instructions?|consignes?|note) (pour|à) (l'|le |les |la )?(ia|bot|assistant|agents?)\b|\bsi (tu es|vous êtes) une? (ia|bot|assistant)\b",
    r"\b(anweisung(en)?|hinweis|befehl) (an|für) (die |den |alle )?(ki|bots?|assistenten|agenten)\b|\bwenn (du|sie) eine? (ki|bot|assistent) (bist|sind)\b",
    r"\b(istruzion[ei]|nota) (per|a|all') ?(l'|il |gli )?(ia|bot|assistente|agenti)\b|\bse sei un[a']? ?(ia|bot|assistente)\b",
    r"\b(instruç(ão|ões)|nota) (para|a|ao) (a |o |os )?(ia|bot|assistente|agentes?)\b|\bse (você é|és) uma? (ia|bot|assistente)\b",
    r"^\s*(system|assistant)\s*:|\[(system|assistant|inst)\]|<\s*/?\s*(system|assistant|instructions?)\s*>|\bnew instructions\b",
    r"\b(ignora|olvida|omite)( todas| las| tus| sus| anteriores| previas)* (instrucciones|reglas|indicaciones)\b|\b(ahora eres|actúa como (un )?(administrador|sistema))\b",
    r"\b(ignore[rz]?|oublie[rz]?)( toutes| tous| les| tes| vos| ses| leurs| précédentes| anciennes)* (instructions|règles|consignes)( précédentes)?\b|\b(tu es maintenant|agis comme (un )?(administrateur|système))\b",
    r"\b(ignoriere|ignorieren sie|vergiss|vergessen sie)( alle| die| deine| ihre| vorherigen| bisherigen| früheren| obigen)* (anweisungen|instruktionen|regeln|vorgaben)\b|\bdu bist (jetzt|nun)\b",
    r"\b(ignora|dimentica)( tutte| le| tue| sue| precedenti)* (istruzioni|regole)( precedenti)?\b|\b(ora sei|agisci come (un )?(amministratore|sistema))\b",
    r"\b(ignore|ignora|esqueça|esquece)( todas| as| suas| tuas| anteriores)* (instruções|regras)( anteriores)?\b|\b(agora você é|aja como (um )?(administrador|sistema))\b",
)
_COMMENT = re.compile(r"<!--|-->")


def injection_text(*texts: str) -> str:
    """Everything a customer sent, raw: HTML comments opened up, entities decoded, nothing cut as a quote or signature."""
    joined = "\n".join(texts)
    return html.unescape(_COMMENT.sub(" ", joined))


def has_injection(*texts: str) -> bool:
    """Whether any of the texts tries to re-instruct the bot, wherever in it."""
    return _injection_in(injection_text(*texts))


@lru_cache(maxsize=4096)
def _injection_in(text: str) -> bool:
    # ~0.2 ms a ticket, and a ticket is asked about up to four times (classify's route, retrieve,
    # generate, the decision): a process answers the same text once.
    return bool(INJECTION.search(text))


# When a payment is taken, asked in the present or future: "which day is the fee debited?", "wann wird abgebucht?".
PAYMENT_DATE = _rx(
    r"\b(when|what day|which day|what date|which date)\b[^.?!]{0,50}\b(debited|charged|billed|collected|taken|due|deducted|come out|go out|renew\w*)\b",
    r"\b(cuándo|qué día|en qué fecha)\b[^.?!]{0,50}\b(cobr\w*|carg\w*|pasa\w*|domicili\w*|vence)",
    r"\b(quand|quel jour|à quelle date|quelle date)\b[^.?!]{0,50}\b(prélev\w*|débit\w*|factur\w*|encaiss\w*)",
    r"\b(wann|an welchem tag|zu welchem datum)\b[^.?!]{0,50}\b(abgebucht|abbuchung|eingezogen|berechnet|fällig|belastet)",
    r"\b(quando|in che giorno|che giorno|in quale data)\b[^.?!]{0,50}\b(addebitat\w*|addebito|prelevat\w*|scade|scadenza)",
    r"\b(quando|em que dia|que dia|em que data)\b[^.?!]{0,50}\b(cobrad\w*|debitad\w*|cobrança|débito|vence)",
)
# A payment already made, reported: "when was I charged", "wann wurde abgebucht", "quand ai-je été débité".
_PAST_PAYMENT = _rx(
    r"\b(was|were|did|has been|have been|got)\b|\b(fue|fueron|ha sido|han sido|me (cobraron|cargaron))\b|\b(a été|ont été|ai été|avez)\b",
    r"\b(wurde|wurden|worden|haben sie)\b|\b(è stat[oa]|sono stat[ie]|avete|ha)\b|\b(foi|foram|fui|cobraram|debitaram)\b",
)

# --- what the customer asks for: their own money, a change to their account --------------------------------
# A question about a refund *policy* is a question; a refund of *this* charge is billing.
_POLICY = _rx(
    r"\b(when|how often|will|do|does|would) (i|we|you|they|members?|users?|a \w+ \w+|an? \w+)( still| also| then)? (be|get|gets) (charged|billed|debited)\b",
    r"\bis there (an? |any )?(extra|additional|separate) (charge|fee|cost)\b",
    r"\bhow (long|much time)\b[^.?!\n]{0,40}\b(refunds?|reimburse\w*)\b|\b(refunds?|reimburse\w*)\b[^.?!\n]{0,30}\bhow long\b",
    r"\b(cuánto (tiempo )?tarda|cuánto tiempo)\b[^.?!\n]{0,40}\b(reembols\w*|devoluci(ón|ones))\b|\b(combien de temps|quel délai|délai)\b[^.?!\n]{0,40}\brembours\w*",
    r"\b(wie lange|wann)\b[^.?!\n]{0,40}\b(erstattung|rückerstattung|gutschrift)\w*|\b(quanto tempo|entro quando)\b[^.?!\n]{0,40}\b(rimbors\w*|reembols\w*|estorno)",
    r"\b(how (many|much) (days|weeks|time)|how long|until when|what is the deadline|deadline)\b[^.?!\n]{0,30}\b(dispute|contest|appeal|challenge)\w*",
    r"\b(cuántos días|hasta cuándo|plazo)\b[^.?!\n]{0,30}\b(reclamar|impugnar|recurrir)|\b(combien de (jours|temps)|jusqu'à quand|délai)\b[^.?!\n]{0,30}\bcontester",
    r"\b(wie viele tage|bis wann|frist)\b[^.?!\n]{0,30}\b(widerspr|einspruch|anfecht)\w*|\b(entro quant[ie] giorni|entro quando|termine)\b[^.?!\n]{0,30}\b(contestar|impugn|ricorr)\w*",
    r"\b(quantos dias|até quando|prazo)\b[^.?!\n]{0,30}\b(contestar|reclamar|recorrer)",
    r"\brefund polic(y|ies)\b|\bpolítica de (reembolsos?|devoluci(ón|ones))\b|\bpolitique de remboursement\b|\b(erstattungs|rückgabe)(richtlinie|bedingungen)\w*\b",
    r"\bpolitica di (rimborso|reso)\b|\bpolítica de (reembolso|devolução)\b",
    # whether a fare, a fee or a deposit can be refunded at all: a property of the product, not this customer's money
    r"\b(non-?)?refundable\b|\b(no )?reembolsables?\b|\b(non )?remboursables?\b|\b(nicht )?(rück)?erstattungsfähig\w*|\b(non )?rimborsabil[ei]\b|\b(não )?reembolsáve(l|is)\b",
    # how refunds work, how soon they come, whether they are given if ...: refunds in general
    r"\bhow (do|does|are|is) (a |the )?refunds? (work|get |paid|made|issued|processed|calculated|given|sent|credited)\w*|\b(are|is) (a )?refunds? (paid|made|issued|given|sent|credited)\b",
    r"\b(do|does) (you|they|the \w+) (refund|give refunds|offer refunds|pay back)\b(?! (me|us)\b)",
    r"\bwhen (are|is|do|does) (a )?refunds?\b|\b(in )?how many (days|weeks)\b[^.?!\n]{0,40}\b(refund\w*|money back)\b",
    r"\b(cómo funcionan|cuándo se (hacen|pagan|abonan)) (los )?reembolsos\b|\ben cuántos días\b[^.?!\n]{0,40}\b(devuelv\w*|reembols\w*)",
    r"\b(en combien de (temps|jours)|sous quel délai|dans quel délai)\b[^.?!\n]{0,40}\brembours\w*|\b(est-ce que vous remboursez|remboursez-vous)\b",
    r"\b(wie lange dauert|wie schnell|innerhalb welcher frist)\b[^.?!\n]{0,40}\b(erstatt\w*|rückerstatt\w*|gutschrift|rückzahlung)",
    r"\b(in quanti giorni|quanto ci (mette|vuole)|entro quanto)\b[^.?!\n]{0,40}\brimbors\w*",
    r"\b(em quantos dias|quanto tempo (demora|leva))\b[^.?!\n]{0,40}\b(reembols\w*|devol\w*|estorno)",
)
BILLING_ASK = _rx(
    r"\b(deposit|caution|depósito|deposito|kaution|caução|fianza)\b[^.?!]{0,25}\b(held|blocked|bloqu\w*|bloccat\w*|retenid\w*|gesperrt|einbehalten|retid\w*)",
    r"\b(do|does|did) (i|we|my \w+|our \w+) (still |now )?owe\b|\b(get|want|have|need) (my|our) [^.?!]{0,30}\bback\b|\bmein(en)? geld\b[^.?!]{0,40}\bzurück\b|\b(mijn )?geld terug\b|\b(twee keer|dubbel) afgeschreven\b",
    r"\b(refund\w*|reimburs\w*|money back|chargeback|dispute\w*|overcharg\w*|double[- ]?charg\w*|double[- ]?bill\w*)\b",
    r"\b(was|were|been|got|get|being|am|is) (charged|billed|debited|overcharged)\b|\byou (charged|billed|debited|took)\b|\bcharged (me )?(twice|two times|double|again)\b",
    r"\b(unexpected|unknown|wrong|incorrect|extra|duplicate|unauthori[sz]ed|strange|mystery) (charge|payment|debit|fee|transaction|amount)s?\b",
    r"\b(took|taken|deducted|debited|charged|billed|withdrawn|collected)\b[^.?!]{0,40}\b(twice|two times|double|three times)\b",
    r"\b(charged|billed|debited|facturée?s?|prélevée?s?|débitée?s?|cobrad[oa]s?|addebitat[oi]|fatturat[oi]|berechnet|abgebucht|faturad[oa]s?)( me)?\s+[£€$]?\s?\d+",
    r"\b(paid|topped up|pagad[oa]|pagué|recargué|payé|rechargé|bezahlt|aufgeladen|pagato|ricaricato|paguei|carreguei|recarreguei)\b[^.?!]{0,50}"
    r"\b(but|pero|mais|aber|ma|mas)\b[^.?!]{0,30}\b(not|never|no|pas|nicht|keine?n?|non|não)\b[^.?!]{0,20}"
    r"\b(received|got|arrived|recibido|llegado|reçu|arrivé|erhalten|bekommen|angekommen|ricevuto|arrivat[oi]|recebi|recebido|chegou)\b",
    r"\b(je conteste|nous contestons|contester|contesto|contestamos|impugno|impugnar|contestare|widerspreche\w*|einspruch)\b[^.?!\n]{0,40}"
    r"(\d|€|£|\$|frais|pénalité|amende|factur|cargo|cobro|multa|penalizaci|gebühr|strafe|rechnung|addebit|penale|sanzione|cobrança|taxa)",
    r"\b(rebat\w*|refund\w*|compensat\w*|reimburs\w*|restitut\w*)\s+(of\s+)?([£€$]\s?\d+|\d+ ?(dollars|euros|pounds|usd|eur|gbp)\b)",
    r"\b(waiting|wait|expect\w*) for\b[^.?!]{0,30}(\d+ ?(dollars|euros|pounds|usd|eur|gbp)\b|[£€$] ?\d+)",
    # the refund by other names, asked for or awaited
    r"\b(request\w*|ask\w* for|claim\w*|get|getting|waiting for|news (on|about)|status of|where is) (a |an |my |the |any |some )?"
    r"(rebates?|compensations?|restitutions?|reimbursements?)\b|\b(rebate|compensation|restitution)s? of (my |the )?money\b",
    # one particular invoice, by its number: this customer's own document
    r"\b(invoices?|bills?|receipts?|statements?)\s*(#|n[o°º]\.?\s*|number\s*)\d{3,}",
    r"\b(my|the|this|last|latest) (invoice|receipt|bill|statement) (is|was|shows|has|says|looks)\b|\b(invoice|bill) (is |was )?(wrong|incorrect|too high)\b",
    r"\b(my|the|our) (card )?payment (failed|was declined|was rejected|didn't go through|did not go through|bounced)\b|\bpayment (failed|declined|rejected)\b",
    r"\b(need|want|send|get|download|see|view|check|find|copy of|resend|request|where( is| are)?|correct|dispute|query)( to (see|check|get|view))? (me )?"
    r"(my |our |the |an? |last \w+'?s? |this month'?s? )?(invoices?|receipts?|bills?|billing statements?)\b",
    r"\b(problem|issue|trouble|error|difficult(y|ies))s? (with|making|processing|when (making|paying)|paying)( a| my| the| an)?( online)? (payment|bill|invoice)s?\b",
    r"\b(payment|transaction)s? (won't|will not|isn't|is not|doesn't|does not|didn't|did not|wasn't|was not|not|never) (go(ing)? through|work\w*|process\w*|accepted|complete\w*)\b",
    r"\b(my|the|an|this|that|last|latest|recent|current|monthly|previous|past|old|these|those|some|missing|duplicate) (\w+ )?invoices?\b",
    r"\bpayment (problem|issue|error|trouble)s?\b|\b(can't|cannot|couldn't|unable to|could not) (make|complete|process) (a |my |the )?payment\b",
    # es/pt/it/fr/de: charged *me* (clitic or pronoun), a charge the customer questions
    r"\b(me (han|ha) (cobrado|cargado|facturado)|me (cobraron|cargaron|facturaron)|(cobraram|debitaram|faturaram)-me|me (cobraram|debitaram)|"
    r"mi (hanno|ha) (addebitato|fatturato|fatto pagare|preso)|on m'a (compté|pris)|(hat|haben) mir\b[^.?!]{0,40}\b(berechnet|abgebucht|abgezogen))",
    r"\b(reembols\w*|devuélvanme|devolvedme|me (devolváis|devuelvan|devolvéis|reembolséis|reembolsen)|devolverme el (dinero|importe|pago)|me (han )?cobrado|me cobraron|cobro (indebido|doble|duplicado)|cobrado (dos veces|de más)|"
    r"cargo (no reconocido|duplicado|indebido)|factura (incorrecta|errónea|equivocada)|mi factura|pago (rechazado|fallido))\b",
    r"\b(rembours\w*|débité\w*|prélevé\w* (deux fois|en double|à tort)|on m'a (facturé|débité|prélevé)|j'ai été (facturé|débité|prélevé)\w*|"
    r"facture (erronée|incorrecte|fausse)|ma facture|paiement (refusé|rejeté|échoué)|contester (le|ce|un) (prélèvement|débit|paiement))",
    r"\b(erstatt\w*|rückerstatt\w*|geld zurück|doppelt (abgebucht|belastet|berechnet)|abgebucht|zu viel (berechnet|abgebucht|bezahlt)|"
    r"falsche rechnung|rechnung (ist )?falsch|meine rechnung|zahlung (ist )?(fehlgeschlagen|abgelehnt))",
    r"\b(rimbors\w*|addebitat\w*|addebit\w* (due volte|doppio|non autorizzat\w*|errat\w*)|fattura (errata|sbagliata)|la mia fattura|"
    r"pagamento (rifiutato|non riuscito)|contestare (l'|un |il )?addebito)",
    # nl: the old classifier's customers wrote Dutch too
    r"\b((de|mijn|onze|die) factuur|terugbetal\w*|terugstort\w*|dubbel (afgeschreven|betaald|gefactureerd)|ten onrechte afgeschreven)\b",
    r"\b(reembols\w*|estorno|devolução do (dinheiro|valor)|fui cobrad[oa]|cobrança (indevida|duplicada|em dobro)|cobrad[oa] (duas vezes|em dobro|a mais)|"
    r"fatura (errada|incorreta)|minha fatura|pagamento (recusado|falhou)|contestar (a|uma|esta) (cobrança|transação))",
)
_ACCOUNT_NOUN = r"(account|profile|user ?name|username)"
# Only these words may stand between the verb and the account: "delete my old user account" is a change,
# "delete a project from my account" and "change the language of my account" are how-tos.
_BETWEEN = r"(?:\s+(?:the|my|our|this|that|a|an|old|user|customer|personal|whole|entire|second|duplicate|existing|current|info|information|data|details|of|on|in|from|for|all))*"
ACCOUNT_CHANGE = _rx(
    rf"\b(delet\w*|clos(e|ed|es|ing)|remov\w*|cancel\w*|deactivat\w*|terminat\w*|eras\w*|merg\w*|transfer\w*|wip\w*|get rid of){_BETWEEN}(\s+[\w-]+)?\s+{_ACCOUNT_NOUN}s?\b",
    r"\b(chang\w*|updat\w*|edit\w*|modif\w*|correct\w*|rename|renaming)\b[\w ,']{0,25}\b(e-?mail( address)?|owner(ship)?|user ?name|account holder|name on (the|my|our) account|login e-?mail|admin)\b",
    rf"\b(chang\w*|updat\w*|edit\w*|modif\w*|correct\w*){_BETWEEN}(\s+[\w-]+)?\s+{_ACCOUNT_NOUN}\b(?! (language|settings?|picture|photo|theme|colou?r|notifications?))",
    r"\baccount (deletion|removal|termination|cancell?ation|closure|closing|deactivation|erasure|merger?|transfer)s?\b|\bownership transfer\b|\btransfer (the )?ownership\b",
    rf"\b(deletion|removal|termination|cancell?ation|closure|closing|deactivation|erasure) of{_BETWEEN}(\s+[\w-]+)?\s+{_ACCOUNT_NOUN}s?\b",
    r"\b(date of birth|birth ?date|fecha de nacimiento|date de naissance|geburtsdatum|data di nascita|data de nascimento)\b[^.?!]{0,40}"
    r"\b(wrong|mistake|incorrect|correct\w*|chang\w*|equivocad[oa]|err[oó]ne[oa]|corregir|cambiar|fausse|erron\w*|corriger|modifier|falsch|korrigier\w*|änder\w*|"
    r"sbagliat[oa]|errat[oa]|corregg\w*|cambiare|errad[oa]|corrigir|alterar|mudar)\b"
    r"|\b(wrong|mistake|incorrect|correct\w*|chang\w*|equivoqué|corregir|cambiar|corriger|modifier|falsch|korrigier\w*|änder\w*|sbagliato|corregg\w*|cambiare|errei|corrigir|alterar|mudar)\b[^.?!]{0,30}"
    r"\b(date of birth|birth ?date|fecha de nacimiento|date de naissance|geburtsdatum|data di nascita|data de nascimento)\b",
    r"\b(eliminar|borrar|cerrar|cancelar|dar de baja|fusionar|transferir)\b[\w ,']{0,25}\b(cuenta|perfil|usuario)\b"
    r"|\b(cambiar|modificar|actualizar)\b[\w ,']{0,20}\b(correo|e-?mail|titular|usuario|nombre de la cuenta)\b",
    r"\b(supprimer|fermer|clôturer|résilier|fusionner|transférer)\b[\w ,']{0,25}\b(compte|profil|identifiant)\b"
    r"|\b(changer|modifier)\b[\w ,']{0,20}\b(e-?mail|adresse (e-?mail|électronique)|titulaire|identifiant)\b",
    r"\b(konto|profil|benutzerkonto|account|e-?mail-adresse|benutzername|kontoinhaber)\w*\b[\w ,']{0,30}\b(löschen|schließen|kündigen|ändern|übertragen|zusammenführen)\b"
    r"|\b(lösch\w*|schließ\w*|änder\w*)\b[\w ,']{0,15}\b(konto|profil|e-?mail-adresse|benutzername)\b",
    r"\b(eliminare|cancellare|chiudere|disattivare|unire|trasferire)\b[\w ,']{0,25}\b(account|profilo|conto)\b"
    r"|\b(cambiare|modificare)\b[\w ,']{0,20}\b(e-?mail|indirizzo (e-?mail|di posta)|intestatario|nome utente)\b",
    r"\b(excluir|apagar|encerrar|fechar|cancelar|desativar|unir|transferir)\b[\w ,']{0,25}\b(conta|perfil)\b"
    r"|\b(alterar|mudar|trocar)\b[\w ,']{0,20}\b(e-?mail|titular|nome de usuário|usuário)\b",
)


# A general question about prices, fees, payment methods, top-ups or limits: the help centre may answer it.
PRICE_QUESTION = _rx(
    r"\bhow much\b|\bwhat (does|do|is|are|would) (it|the|a|an|your)?\s?[\w\s-]{0,30}(cost|price|fee|charge|rate|tariff)s?\b|\b(price|fee|cost|rate|tariff)s? (for|of|to)\b",
    r"\bdo you (accept|take|charge)\b|\bwhich (payment|cards?|methods)\b|\bpayment (methods|options)\b|\bcan (i|we) pay (with|by|in|using|for)\b",
    r"\b(when|how often|will|do|does|would) (i|we|you|they|members?|users?|a \w+ \w+|an? \w+)( still| also| then)? (be|get|gets) (charged|billed|debited)\b",
    r"\b(cuándo se cobra|me cobrarán|se cobrará)\b|\b(quand (serai-je|serons-nous|est-ce que je serai) (prélevée?|débitée?|facturée?))|\b(wann wird (abgebucht|berechnet)|wann buchen sie ab)\b",
    r"\b(quando (viene|verrà|mi verrà) addebitat\w*)|\b(quando (sou|serei|é) cobrad[oa])\b",
    r"\btop[- ]?up|\badd (credit|money|funds)\b|\b(limits?|minimum|maximum) (on|for|of|per)\b|\bis there a (fee|charge|discount|limit)\b",
    r"\b(cuánto (cuesta|vale|cobran|es)|precios?|tarifas?|comisi(ón|ones)|métodos de pago|formas de pago|puedo pagar (con|en)|recargar|recarga|límites?)\b",
    r"\b(combien (coûte|ça coûte|est)|prix|tarifs?|frais|moyens de paiement|payer (par|avec|en)|recharger|recharge|plafonds?)\b",
    r"\b(wie ?viel|was kostet|preise?|gebühr(en)?|tarife?|zahlungs(methoden|arten|möglichkeiten)|(be)?zahlen mit|aufladen|limits?)\b",
    r"\b(quanto (costa|costano|si paga)|prezz[oi]|tariff[ae]|commission[ei]|metodi di pagamento|pagare (con|in)|ricaric\w*|limit[ei])\b",
    r"\b(quanto (custa|é)|preços?|tarifas?|taxas?|formas de pagamento|métodos de pagamento|pagar (com|em)|recarreg\w*|limites?)\b",
)


# What a word, a letter or a line on a bill means: the help centre explains how to read a bill.
MEANING_QUESTION = _rx(
    r"\bwhat (does|do) (the |this |that |a |an |it )?[\w\s\"'“”«»-]{0,40}\bmean\b|\bwhat is meant by\b",
    r"\bqué (significa|quiere decir)\b|\bque (signifie|veut dire)\b|\bwas (bedeutet|heißt)\b|\bheißt das\b|"
    r"\bcosa (significa|vuol dire)\b|\bche significa\b|\bo que (significa|quer dizer)\b",
)


# Money a help centre explains (discounts, deposits, tax, instalments, direct debits, balances, when a payment is
# taken): a question about it is a question, a report about it ("the discount wasn't applied") is not. Each word
# counts only in a question that names no amount and reports nothing failing (see `asks_about_prices`).
MONEY_TOPIC = _rx(
    r"\b(refunds?|discounts?|concessions?|reduced (rate|price|fare)|deposits?|vat|sales tax|tax(es)?|instal?ments?|direct debits?|standing orders?|payment (plan|date|day|schedule)s?"
    r"|due date|billing (date|cycle|period|day)|credit|balance|top[- ]?ups?|interest|surcharges?|excess|fees?|price|cost|tariffs?|pay (monthly|yearly|annually|upfront|in advance|later))\b",
    r"\b(reembolsos?|devoluci(ón|ones)|descuentos?|rebajas?|bonificaci(ón|ones)|fianza|depósito|iva|impuestos?|a plazos|cuotas?|domiciliaci(ón|ones)|saldo|crédito|recargas?|intereses|recargo|comisi(ón|ones)|tasas?|matrícula)\b",
    r"\b(remboursements?|réductions?|remises?|tarif réduit|caution|dépôt de garantie|tva|taxes?|plusieurs fois|mensualités?|échéancier|prélèvements?|solde|crédit|recharges?|intérêts|suppléments?|frais|cotisations?)\b",
    r"\b(erstattung\w*|rückerstattung\w*|rabatt\w*|ermäßigung\w*|kaution|mehrwertsteuer|mwst|ust|steuern?|rate|raten\w*|lastschrift\w*|dauerauftrag|guthaben|aufladung|zinsen|zuschlag|aufpreis|gebühr\w*|beitrag|beiträge|selbstbeteiligung)\b",
    r"\b(rimbors[oi]|scont[oi]|riduzion[ei]|agevolazion[ei]|cauzione|deposito cauzionale|iva|tass[ae]|a rate|rateizz\w*|addebito diretto|domiciliazione|credito residuo|saldo|ricaric\w*|interessi|supplement[oi]|franchigia|quota)\b",
    r"\b(reembolsos?|estornos?|descontos?|reduç(ão|ões)|caução|depósito|iva|impostos?|prestaç(ão|ões)|débito direto|saldo|crédito|carregamentos?|juros|sobretaxa|franquia|mensalidade|quota)\b",
    PAYMENT_DATE.pattern,
)
# "Why" about money, or something that did not happen, is about this customer's own payment: "why was the fee so
# high?", "the discount wasn't applied".
_WHY_OR_NOT = _rx(
    r"\b(why|how come|not|never|no longer)\b|n't\b|\b(por ?qu[eé]|no (se|me|ha|han|he|lo|la|está|están|es|fue|aparece)|nunca)\b",
    r"\b(pourquoi|ne|n'\w+|jamais|pas)\b|\b(warum|wieso|weshalb|nicht|kein\w*|nie)\b|\b(perch[eé]|non|mai)\b|\b(porque|por ?que|não|nunca)\b",
)
# A sum named in the message points at one payment of this customer's: "the 25 euro fee on my bill".
_AMOUNT = re.compile(r"[£€$]\s?\d|\d(?:[.,]\d+)?\s?(?:€|£|\$|eur\b|euros?\b|dollars?\b|pounds?\b|usd\b|gbp\b|chf\b)", re.I)


# A question put as a statement: "I'd like to know how much ...", "could you tell me when ...".
INDIRECT_QUESTION = _rx(
    r"\b(quick|a|one|short) question\b|\bi('d| would) (like|love) to know\b|\bi (want|need|wanted) to know\b|\bi (was|am) wondering\b|\bi wonder\b|\b(could|can) you (tell|explain to|let) me\b|\b(please )?(tell me|let me know|advise)\b",
    r"\buna (pregunta|consulta)\b|\bme preguntaba\b|\bquería (preguntar|consultar)\b|\b(quisiera|quería|quiero|me gustaría|necesito) saber\b|\b(podéis|pueden|podrían|puede) (decirme|indicarme|explicarme)\b",
    r"\b(une|petite) question\b|\bje me demand(e|ais)\b|\b(je voudrais|j'aimerais|je souhaiterais|je souhaite|je veux) savoir\b|\b(pouvez|pourriez)-vous (me dire|m'indiquer|m'expliquer)\b",
    r"\b(eine|kurze) frage\b|\bich frage mich\b|\bich (möchte|würde gerne|wollte|will) (gerne )?(wissen|fragen)\b|\b(können|könnten) sie mir (sagen|erklären)\b",
    r"\buna domanda\b|\bmi (chiedevo|chiedo)\b|\b(vorrei|volevo|voglio|mi piacerebbe) (sapere|chiedere)\b|\b(potete|potreste|può|potrebbe) (dirmi|spiegarmi|indicarmi)\b|\bmi sapete dire\b",
    r"\buma (pergunta|dúvida)\b|\b(gostaria|queria) (de )?perguntar\b|\b(gostaria|queria|quero|preciso) (de )?saber\b|\b(podem|poderiam|pode|poderia) (dizer-me|explicar-me|indicar-me|me dizer|me explicar)\b",
)
# A request for information put as a statement: "I have a few questions about the loyalty scheme", "I'd like more
# information on group lessons", "I need help understanding the contract", "can you help me with the size guide?".
# It asks to be told something, not for a person, a payment or a change; whether it also asks for one of those is
# decided by those signals (see `asks_for_information`).
_ABOUT = r"(about|on|regarding|re|concerning|related (to|on)|relating to|around|with|for|into|in)"
INFO_REQUEST = _rx(
    r"\b(i|we)( have|'ve| had|'ve got| got)( got)? (a |one |some |a few |few |several |many |a couple (of )?|a number of |two |three |\w+ (quick|little|general|small) )?"
    r"(quick |little |general |small |more |other |further )?(questions?|doubts?|queries|query|enquir\w+|inquir\w+)\b",
    r"\b(any|some|more|further|additional|general|basic|detailed|extra) (info|information|details|guidance|advice|resources|answers|explanations?|clarification|data)\b"
    rf"[^.?!]{{0,12}}\b{_ABOUT}\b",
    r"\b(get|find|have|need|want|like|love|obtain|receive|request|seek\w*|search\w*|look\w*|give me|send me|provide|share|point me to)\b[^.?!]{0,15}"
    rf"\b(info|information|details|guidance|resources|answers|clarification) {_ABOUT}\b",
    r"\b(help|assist|support)(ing)?( me| us)?( (out|a bit|a little))?( to| with| in)? (understand\w*|figur\w* out|find\w* out|learn\w*|choos\w*|decid\w*|plan\w*|compar\w*|mak\w* sense of|work\w* out|mak\w* (a|the) (choice|decision))\b",
    r"\b(need|want|would like|'d like|looking for|could use|like) (some |a little |a bit of |a hand |more )?(help|assistance|guidance|advice) (with|on|about|regarding|understanding|choosing|figuring|planning)\b",
    r"\b((can|could|would|will) (you|someone|anyone)|you (can|could)) (please )?(help|assist|guide|advise) (me|us)( out)? (with|on|about|in|understand\w*|choos\w*|decid\w*|plan\w*|learn\w*|figur\w*)\b",
    r"\b(learn|know|find out|hear|read|understand) (a (bit|little) )?more\b|\b(learn|find out|read up|understand)( more)? (about|how)\b",
    r"\b(i'm|i am|we're|we are|i was|we were)( currently| just)? (looking|searching|hunting|researching)( for| into| around)\b|\b(interested (in|into|to)|curious (about|to)|wondering)\b",
    r"\b(tell|teach|educate|inform|walk) (me|us) (more )?(about|on|through|how|what)\b|\bwhat (can|could) you tell me\b|\bexplain( to me)? (how|what|the|whether|if)\b",
    r"\b(i('m| am)|we('re| are)) here (to|because)|\bi came (here )?(because|to)\b",
    # es
    r"\b(tengo|tendría|tenemos) (una|unas|algunas|varias|un par de|muchas|dos|tres)( pequeñas?| breves?)? (preguntas?|dudas?|consultas?)\b",
    r"\b(más |alguna |algo de |mayor )?informaci(ón|ones) (sobre|acerca|de|respecto|relacionad\w+|referente)\b|\b(busco|buscando|quisiera|quería|me gustaría|necesito) (obtener |recibir |tener |conocer )?(más )?(informaci(ón|ones)|detalles|orientación)\b",
    r"\b(ayuda|ayudarme|ayudarnos|orientación) (con|para|a) (entender|comprender|elegir|decidir|planificar|saber)\b|\b(ayuda|ayudarme|ayudarnos) con\b|\b(me|nos) (puede|pueden|podría|podrían|podéis) ayudar (con|a)\b",
    r"\b(saber|conocer|aprender|entender) más\b|\b(me interesa|tengo curiosidad|estoy interesad[oa])\b|\b(explíqueme|explícame|cuénteme|cuéntame|háblame|hábleme)\b",
    # fr
    r"\bj'ai (une|des|quelques|plusieurs|deux|trois|une petite|une autre)( petites?)? (questions?|interrogations?)\b",
    r"\b(plus d'|des |quelques |d'autres )?(informations?|renseignements?|précisions|explications) (sur|concernant|au sujet|à propos|relatives?|quant)\b|\b(je cherche|je recherche|je voudrais|j'aimerais|je souhaite|je souhaiterais) (avoir |obtenir |recevoir )?(des |plus d'|quelques )?(informations?|renseignements?|précisions)\b",
    r"\b(aide|aider|m'aider|nous aider) (à|pour) (comprendre|choisir|décider|planifier|y voir clair)\b|\b(pouvez|pourriez)-vous m'aider (à|avec|pour|sur|concernant)\b|\bbesoin d'aide (pour|avec|concernant|sur)\b",
    r"\ben savoir (plus|davantage)\b|\b(je suis curieu\w*|je m'intéresse|intéressée? par)\b|\b(expliquez|parlez)-moi\b",
    # de
    r"\b(ich|wir) (habe|hätte|haben|hätten) (eine|ein paar|einige|mehrere|zwei|drei|noch eine|noch ein paar|kurz eine)( kurze| allgemeine| kleine)? (frage|fragen)\b",
    r"\b(mehr |weitere |nähere |genauere |allgemeine )?informationen (zu|zum|zur|über|bezüglich|rund um|hinsichtlich)\b|\b(ich suche|suche nach|ich hätte gern|ich möchte gern|ich hätte gerne|ich möchte gerne) (\w+ )?(informationen|infos|auskunft|auskünfte)\b",
    r"\b(hilfe|helfen)\b[^.?!]{0,40}\b(verstehen|auszuwählen|entscheiden|planen|zu verstehen|zu wählen)\b|\b(können|könnten) sie mir (bitte )?(bei|beim|mit)\b[^.?!]{0,40}\bhelfen\b|\bich brauche hilfe (bei|mit|beim)\b",
    r"\bmehr (darüber )?(erfahren|wissen)\b|\b(ich interessiere mich|bin neugierig|interessiert an)\b|\b(erklären|erzählen) sie mir\b",
    # it
    r"\b(ho|avrei|abbiamo|avremmo) (una|alcune|qualche|delle|diverse|un paio di|due|tre)( piccol[ae]| brev[ei])? (domand[ae]|dubbi|dubbio|curiosità)\b",
    r"\b(maggiori |più |ulteriori |alcune |delle )?informazioni (su|sul|sulla|sui|sulle|sugli|riguardo|in merito|circa|relative)\b|\b(cerco|vorrei|mi servono|avrei bisogno di) (avere |ricevere |ottenere )?(maggiori |più |delle |alcune )?informazioni\b",
    r"\b(aiuto|aiutarmi|aiutarci) (a|per) (capire|scegliere|decidere|pianificare)\b|\b(potete|potreste|può|potrebbe|puoi) aiutarmi (con|a|per|su)\b|\b(ho|avrei) bisogno di (un )?aiuto (con|per|su)\b",
    r"\bsaperne (di )?più\b|\b(sono curios[oa]|mi interessa|interessat[oa] a)\b|\b(spiegatemi|mi spieghi|parlatemi|mi parli)\b",
    # pt
    r"\b(tenho|teria|temos) (uma|umas|algumas|várias|duas|três|um par de)( pequenas?| breves?)? (perguntas?|dúvidas?|questões|questão)\b",
    r"\b(mais |algumas |alguma )?informaç(ão|ões) (sobre|acerca|relativ\w+|a respeito|referente|de)\b|\b(procuro|procurando|gostaria de|queria|preciso de) (obter |receber |ter )?(mais )?(informaç(ão|ões)|detalhes|orientação)\b",
    r"\b(ajuda|ajudar-me|me ajudar|ajudar-nos) (a|para) (perceber|entender|compreender|escolher|decidir|planear|planejar)\b|\b(pode|podem|poderia|poderiam) (ajudar-me|me ajudar) (com|a|para)\b|\bpreciso de ajuda (com|para|sobre)\b",
    r"\bsaber mais\b|\b(tenho curiosidade|estou interessad[oa]|interessad[oa] em)\b|\b(explique-me|expliquem-me|fale-me|falem-me)\b",
)


# A card or a document replaced, reissued or corrected ("I need a replacement membership card", "perdí el carné"):
# a service the help centre describes, not a payment, whatever a card sounds like to the model.
_REPLACED = (r"(replace\w*|new|another|spare|duplicate|correct\w*|re-?issu\w*|renew\w*|lost|damaged|broken|worn|snapped|cracked|"
             r"reposici(ón|ones)|duplicad[oa]|nuev[oa]|otr[oa]|sustitu\w*|reemplaz\w*|renov\w*|corregid[oa]|perd\w*|dañad[oa]|rot[oa]|"
             r"nouvel(le)?|nouveau|duplicata|remplac\w*|renouvel\w*|corrigée?|abîmée?|cassée?|"
             r"ersatz\w*|neue[nrs]?|duplikat|verloren|beschädigt|kaputt|korrigiert\w*|erneuer\w*|"
             r"nuov[oa]|duplicato|rinnov\w*|corrett[oa]|pers[oa]|rovinat[oa]|rott[oa]|"
             r"nov[oa]|segunda via|substitu\w*|corrigid[oa]|danificad[oa]|estragad[oa]|partid[oa])")
_DOCUMENT = (r"(cards?|id|badges?|pass(es)?|licen[cs]es?|certificates?|permits?|key ?fobs?|fobs?|documents?|"
             r"tarjetas?|carn[ée]s?|carnets?|credencial(es)?|documentos?|certificados?|licencias?|"
             r"cartes?|attestations?|certificats?|permis|"
             r"\w*karten?|\w*ausweis(e)?|bescheinigung(en)?|zertifikate?|führerschein|dokumente?|"
             r"tessera|tessere|documento|certificato|patente|"
             r"cartão|cartões|passe|carta de condução)")
REPLACEMENT = _rx(rf"\b{_REPLACED}\b[^.?!]{{0,25}}\b{_DOCUMENT}\b", rf"\b{_DOCUMENT}\b[^.?!]{{0,25}}\b{_REPLACED}\b", r"\bersatz\w*(karte|ausweis)\b")


# A card refused at a payment is a payment problem, new card or not.
_REFUSED = _rx(r"\b(declin\w*|reject\w*|refus\w*|bounc\w*|rechaz\w*|abgelehnt|rifiutat\w*|recusad\w*)|\b(didn't|did not|won't|doesn't) (go through|work)\b")


def asks_for_replacement(text: str) -> bool:
    """A card or a document to be replaced, reissued or corrected (see `REPLACEMENT`), not a card refused at a payment."""
    return bool(REPLACEMENT.search(text)) and not _REFUSED.search(text)


# This customer's own bill, charge or payment: questions about it are about their money, a person's job.
_OWN_BILL = _rx(
    r"\b(my|our) (\w+ )?(bill|invoice|charge|payment|statement|transaction|debit|refund|balance)s?\b",
    r"\b(mi|mis|nuestr[oa]s?) (\w+ )?(factura|cobro|cargo|pago|recibo|reembolso|saldo)s?\b|\b(ma|mon|mes|notre|nos) (\w+ )?(facture|paiement|prélèvement|débit|remboursement|solde)s?\b",
    r"\b(meine?[nmrs]?|unsere?[nmrs]?) (\w+ )?(rechnung|zahlung|abbuchung|lastschrift|erstattung|belastung)(en)?\b",
    r"\b(la mia|il mio|le mie|i miei|la nostra|il nostro) (\w+ )?(fattur[ae]|pagament[oi]|addebit[oi]|rimbors[oi]|saldo)\b",
    r"\b(a minha|o meu|minha|meu|as minhas|os meus|nossa|nosso) (\w+ )?(faturas?|pagamentos?|cobranças?|débitos?|reembolsos?|saldo)\b",
)

# The end of an account, even named as a topic ("information about the removal of my account"): a person's job.
_ACCOUNT_ENDING = _rx(
    r"\b(remov|delet|clos|cancel|terminat|deactivat|eras)\w*\b[^.?!]{0,30}\bac+ou?nts?\b|\bac+ou?nts?\b[^.?!]{0,12}\b(remov|delet|clos|cancel|terminat|deactivat|eras)\w*",
)


# Asked before and chased now ("I already wrote last week", "ya pregunté", "je relance"): polite frustration, however
# it is phrased.
_CHASING = _rx(
    r"\b(get(ting)? back to (me|us)|hear(d)? back|follow(ing)?[- ]?up|chas(e|ing)|remind\w*|already (asked|written|wrote|sent|called|contacted|emailed)|"
    r"previous (e-?mail|message|ticket|request|call)|last (week|month|time) (i|we)|still (no|not|nothing|haven't|have not|waiting|without))\b",
    r"\bya (pregunté|he preguntado|escribí|he escrito|llamé|he llamado)\b|\b(sigo sin|todavía no|aún no)\b|\bdéjà (demandé|écrit|appelé|relancé)\b|\b(je relance|relance|toujours pas|toujours sans)\b",
    r"\b(bereits|schon) (gefragt|geschrieben|angerufen|nachgefragt)\b|\b(noch immer|immer noch) (keine?|nicht|nichts)\b|\bnachhak\w*|\berinnerung\b",
    r"\bgià (chiesto|scritto|chiamato)\b|\bsollecit\w*|\b(ancora non|non ancora|ancora nessun\w*)\b|\bjá (perguntei|escrevi|liguei|pedi)\b|\b(ainda não|ainda sem)\b",
)


def asks_for_information(text: str) -> bool:
    """A request to be told or helped to understand something, put as a statement or a plea ("I have questions about
    ...", "I'd like information on ...", "can you help me with ...?", or an indirect plain question): a question the
    help centre may answer. Not when it is about this customer's own bill or payment, the end of their account, or
    chases an earlier request. The caller still weighs what else the text asks for (a person, money, an account
    change) or says (harm, anger)."""
    if not (INFO_REQUEST.search(text) or INDIRECT_QUESTION.search(text) and plain_question(text)):
        return False
    return not (_OWN_BILL.search(text) or _ACCOUNT_ENDING.search(text) or _CHASING.search(text))


# Who is speaking: a sum with one of these is a sum this customer paid or was asked for.
_FIRST_PERSON = _rx(
    r"\b(i|i'm|i've|my|me|we|we're|our|us)\b|\b(yo|mi|mis|me|nos|nuestr[oa]s?|he|hemos)\b|\b(je|j'\w+|mon|ma|mes|moi|nous|notre|nos)\b",
    r"\b(ich|mein\w*|mir|mich|wir|unser\w*|uns)\b|\b(io|mio|mia|miei|mie|ho|abbiamo|noi|nostr[oaie])\b|\b(eu|meu|minha|meus|minhas|nós|nosso|nossa)\b",
)


# "If I don't pay on time", "si je ne rends pas", "wenn die Zahlung fehlschlägt": asked about, not reported.
_IF_CLAUSE = _rx(
    r"\b(what happens|what if|if|unless|in case|si|wenn|falls|se|caso|qué pasa si|que se passe-t-il si|was passiert,? wenn|cosa succede se|o que acontece se)\b[^,.?!;\n]*",
)


def plain_question(text: str) -> bool:
    """A question asked for information: it asks (a '?', a question word first, or "I'd like to know"), asks nothing
    of us ("please", "can you", "can I get"), reports nothing failing or missing, asks no "why", and names no sum
    that this customer paid or was asked for."""
    indirect = INDIRECT_QUESTION.search(text)
    if not (QUESTION.search(text) or indirect):
        return False
    rest = INDIRECT_QUESTION.sub(" ", text)
    said = _IF_CLAUSE.sub(" ", text)  # what is reported, without what is supposed
    own_sum = _AMOUNT.search(text) and _FIRST_PERSON.search(text)
    return not (REQUEST.search(rest) or FAILURE.search(said) or _WHY_OR_NOT.search(said) or own_sum)


def asks_about_prices(text: str) -> bool:
    """A question about prices, fees, payment methods, payment dates, discounts, deposits, tax, top-ups or limits."""
    if PRICE_QUESTION.search(text):
        return True
    return bool(MONEY_TOPIC.search(text)) and plain_question(text) and not (PAYMENT_DATE.search(text) and _PAST_PAYMENT.search(text))


# One particular invoice, named by who issued it or whom it is for ("the bill from Ms. Rivera"): case matters here.
_NAMED_INVOICE = re.compile(r"\b(?i:invoices?|bills?|receipts?) (?i:from|for|of|to) (?:(?i:mr|mrs|ms|miss|dr)\.? ?[A-Z]\w+|[A-Z][a-z]+ [A-Z][a-z]+)\b")


# A refund asked about in general: a question whose refund depends on a condition ("if I cancel", "si annule",
# "wenn der Flug ausfällt") or on a right ("am I entitled to", "ho diritto a"), with no refund of *mine* in it
# ("my refund", "refund me", "devuélvanme") and no sum. The sentence is a question about the rules, not a claim.
_REFUND_WORD = _rx(
    r"\b(refund\w*|reimburs\w*|money back|reembols\w*|devoluci(ón|ones)|devolv\w*|devuelv\w*|rembours\w*|erstatt\w*|rückerstatt\w*|geld zurück|rimbors\w*|estorno|devolução|dinheiro de volta)",
)
_CONDITION = _rx(
    r"\b(if|unless|in case|provided|as long as|si|en caso|en cas|au cas|wenn|falls|sofern|se|caso|nel caso|no caso|desde que|purché)\b",
    r"\b(entitled|eligible|right to|qualify|derecho|droit|anspruch|diritto|direito)\b",
    # whether a thing is refunded at all: "is the booking fee refunded?", "wird die Kaution erstattet?"
    r"^\W*(is|are|will) [^.?!]{0,40}\b(refunded|reimbursed)\b|^\W*¿?(se (reembolsa|devuelve)n?|es reembolsable)\b|\b(est|sont)-(il|elle|ils|elles) rembours\w*",
    r"^\W*(wird|werden) [^.?!]{0,40}\b(erstattet|zurückerstattet|zurückgezahlt)\b|^\W*(viene|vengono) [^.?!]{0,40}\brimborsat\w*|^\W*(é|são) [^.?!]{0,40}\b(reembolsad|devolvid)\w*",
)
_MINE = _rx(
    r"\b(my|our|your) (\w+ )?(refund|reimbursement|money)\b|\b(refund|reimburse|pay back|give back) (me|us)\b",
    r"\b(mi|mis|nuestro|nuestra|su) (\w+ )?(reembolso|devolución|dinero)\b|\b(devuélvanme|devolvedme|reembólsenme|reembolsadme|devolverme)\b",
    r"\b(mon|ma|notre) (\w+ )?(remboursement|argent)\b|\b(remboursez-moi|me rembourser|rembourse-moi)\b",
    r"\b(meine|meinen|unsere|unseren) (\w+ )?(erstattung|rückerstattung|geld)\b|\b(erstatten sie mir|mir|uns)\b",
    r"\b(il mio|il nostro|la mia) (\w+ )?(rimborso|soldi|denaro)\b|\b(rimborsatemi|rimborsarmi|mi rimborsate)\b",
    r"\b(o meu|a minha|o nosso|meu|minha) (\w+ )?(reembolso|estorno|dinheiro)\b|\b(devolvam-me|reembolsem-me|me devolvam|me reembolsem)\b",
)
_SENTENCE = re.compile(r"[^.?!\n]*[.?!]?")


def _without_general_money_questions(text: str) -> str:
    """The text without its questions about refunds in general (see `_CONDITION`) and about when a payment is taken."""
    def general(m: re.Match[str]) -> str:
        s = m.group(0)
        asks = s.rstrip().endswith("?") or s.lstrip().startswith("¿") or bool(INDIRECT_QUESTION.search(s))
        if not asks or _AMOUNT.search(s):
            return s
        refund_if = _REFUND_WORD.search(s) and _CONDITION.search(s) and not _MINE.search(s)
        when_taken = PAYMENT_DATE.search(s) and not _PAST_PAYMENT.search(s) and not _WHY_OR_NOT.search(s)
        return " " if refund_if or when_taken else s

    return _SENTENCE.sub(general, text)


def asks_for_own_money(text: str) -> bool:
    """A refund, a dispute, a specific charge, this customer's invoice or failed payment (not a policy or price question)."""
    rest = _POLICY.sub(" ", _without_general_money_questions(text))
    return bool(BILLING_ASK.search(rest) or _NAMED_INVOICE.search(rest))


# A short subject names the topic ("Refund", "Erstattung Abo"); it asks for something with a word that asks, a
# number, a reply prefix, or a money ask other than the bare word ("Payment declined").
_SUBJECT_ASKS = _rx(
    r"\b(request\w*|please|pls|want|need|claim\w*|demand\w*|back|me|my|our|urgent|asap|now|again|twice|double|wrong|missing|still)\b|\d|!",
    r"\b(solicit\w*|quiero|necesito|mi|mis|devol\w*|demande\w*|je veux|mon|ma|mes|anfrage|antrag|bitte|mein\w*|zurück|richiest\w*|voglio|mio|mia|pedido|quero|meu|minha|reclam\w*)\b",
)
MAX_TOPIC_SUBJECT_WORDS = 4
# "Re: refund": a reply in a thread about this customer's own refund, not a topic.
_REPLY_PREFIX = re.compile(r"^\s*(re|fw|fwd|aw|wg|tr|rv|r|enc|res|i)\s*:", re.I)


def asks_for_own_money_in(subject: str, message: str) -> bool:
    """`asks_for_own_money` of a ticket, where a subject that only names the topic ("Refund") does not turn a plain
    question in the message ("how long do they take?") into a claim on this customer's money."""
    if not asks_for_own_money(f"{subject}\n{message}".strip()):
        return False
    topic_only = (
        bool(subject.strip()) and len(subject.split()) <= MAX_TOPIC_SUBJECT_WORDS and not _SUBJECT_ASKS.search(subject)
        and not _REPLY_PREFIX.match(subject) and not asks_for_own_money(_REFUND_WORD.sub(" ", subject))
    )
    return not (topic_only and plain_question(message) and not asks_for_own_money(message))


# What would happen *if* the account changed is a question: "if I close my account, do I keep my credit?"
_HYPOTHETICAL = _rx(
    r"\b(if|once|after|when) (i|we) (\w+ )?(close|delete|cancel|remove|deactivate|change)\w*\b",
    r"\b(si|cuando) (cierro|elimino|borro|cancelo|doy de baja)\b|\bsi (je|nous) (ferme|supprime|résilie|clôture)\w*\b",
    r"\b(wenn|falls) ich\b[^.?!]{0,30}\b(lösche|schließe|kündige)\b|\bse (chiudo|cancello|elimino|disattivo)\b|\bse (eu )?(fechar|excluir|apagar|cancelar|encerrar)\b",
)


def asks_for_account_change(text: str) -> bool:
    """Delete, close, rename, merge or transfer the account, or change its e-mail or owner (not what would happen if one did)."""
    return bool(ACCOUNT_CHANGE.search(_HYPOTHETICAL.sub(" ", text)))


# Asking us to do something ("please", "can you", "I'd like"), as against asking how something works.
REQUEST = _rx(
    r"\b(can|could|may) (i|we) (get|have|receive|claim|be given)\b(?![^.?!]*\b(if|when|unless|as an?|for an?)\b)|\b(please|pls|plz|kindly)\b|\b(can|could|would|will) you\b(?! (tell|explain|let me know|show|confirm))|(?<!do )(?<!did )(?<!will )(?<!would )(?<!should )\bi('d| would|'m| am)? ?(like|want|need|wish|asking)\b(?! to (know|understand|find out|check whether))",
    r"\b(por favor|porfa|quiero|quisiera|necesito|pueden|podéis|podrían|podrías)\b(?! (saber|entender))",
    r"\b(s'il vous pla[iî]t|svp|stp|pouvez-vous|pourriez-vous|merci de|je (veux|voudrais|souhaite|souhaiterais|dois))\b(?! (savoir|comprendre))",
    r"\b(bitte|können sie|könnten sie|ich (möchte|will|würde gern|brauche))\b(?! (wissen|erfahren))",
    r"\b(per favore|per piacere|potete|potreste|vorrei|voglio)\b(?! (sapere|capire))",
    r"\b(por favor|podem|poderiam|quero|queria|gostaria)\b(?! (de )?(saber|perceber|entender))",
)


def asks_how_about_account(text: str) -> bool:
    """A how-to or a plain question about the account (how to log in, where a setting is, what happens to it), not a
    request to change it (`asks_for_account_change`); a request or a report of what was lost is left to the model."""
    return bool(HOW_TO.search(text)) or plain_question(text)


def wants_a_person(text: str) -> str | None:
    """The escalation signal a text carries: a person asked for, a complaint, or the law."""
    if HUMAN_REQUEST.search(text):
        return "human_requested"
    if COMPLAINT.search(text):
        return "complaint"
    if LEGAL.search(text):
        return "legal_threat"
    return None


# --- a question that reports nothing failing is a how-to, whatever product words it shares with bug reports ---
QUESTION = re.compile(
    r"[?¿]\s*$|^\s*(how|can|could|is|are|does|do|what|where|which|why|will|should|may)\b"  # "when I click X, Y happens" is a report
    r"|^\s*(¿|comment|combien|est-ce|puis-je|peut-on|kann|können|wie|wo|was|gibt es|hoe|kan|waar|come|dove|quanto|posso|si può|"
    r"como|cómo|dónde|cuánto|cuál|puedo|se puede|onde|quanto|qual|é possível)\b",
    re.I | re.M,
)
HOW_TO = re.compile(
    r"(^|[.!?]\s+)\s*(how (do|can|should) (i|we|you)|how to|where (do|can|is|are|in|on|should)|can (i|we)|is (it|there)|what is the (way|best way)|"
    r"¿?cómo|¿?dónde|comment|où|wie (kann|können)|wo (kann|finde|ändere)|come (posso|si)|dove|como (posso|faço)|onde)\b",
    re.I | re.M,
)
FAILURE = re.compile(
    r"\b(error\w*|broken|break\w*|crash\w*|fail\w*|bug\w*|not (working|loading|showing|syncing|arriving|sent)|"
    r"(doesn't|does not|don't|won't|can't|cannot|isn't|aren't|didn't|wasn't|never) \w+|stopped|stuck|freez\w*|"
    r"blank|missing|wrong|disappear\w*|lost|glitch\w*|spinning|timed? ?out|\d{3} (error|page)|exception|(err|e|code|fault)[ -]?\d{1,4}|beep\w*|flash\w*|"
    r"fehler|error|erreur|fout|kapot|werkt niet|no funciona|ne marche|funktioniert nicht|absturz|plante|non funziona|não funciona)\b",
    re.I,
)


# One word in capitals among lower-case ones, said for weight: "is there ANY way?", "NOTHING works", "¡NADA!".
EMPHASIS = re.compile(
    r"\b(ANY|ANYTHING|NOTHING|NEVER|NOBODY|STILL|AGAIN|EVERY|ALL|NOW|PLEASE|HELP|"
    r"NADA|NUNCA|NADIE|YA|RIEN|JAMAIS|PERSONNE|TOUJOURS|NICHTS|NIE|NIEMAND|IMMER|NOCH|NIENTE|MAI|NESSUNO|ANCORA|NINGUÉM|AINDA)\b"
)


def shouts_a_word(text: str) -> bool:
    """A word in capitals for weight in a message otherwise in lower case (acronyms are not in the list)."""
    return bool(EMPHASIS.search(text)) and caps_ratio(text) < 0.5


def caps_ratio(text: str) -> float:
    """Share of upper-case letters among letters (shouting)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12:
        return 0.0
    return sum(c.isupper() for c in letters) / len(letters)

# A vulnerable person in the household (a baby, a pregnancy, medical equipment) left without heat, power or water
# now: a person at once, however calmly it is put. Either alone is a question the help centre may answer.
VULNERABLE = _rx(
    r"\b(newborn|infant|baby|\d+[- ](month|week)[- ]old|pregnant|oxygen|dialysis|medical equipment|elderly|disabled)\b",
    r"\b(recién nacid[oa]|bebé|embarazada|oxígeno|diálisis|ancian[oa]|discapacitad[oa])\b",
    r"\b(nouveau-né|bébé|enceinte|oxygène|dialyse|personne âgée|handicapée?)\b",
    r"\b(neugeboren\w*|säugling|baby|schwanger|sauerstoff|dialyse|pflegebedürftig\w*|behindert\w*)\b",
    r"\b(neonat[oa]|bambin[oa] di \d+|incinta|ossigeno|dialisi|anzian[oa]|disabile)\b",
    r"\b(recém-nascid[oa]|bebé|bebê|grávida|oxigénio|oxigênio|diálise|idos[oa]|deficiente)\b",
)
WITHOUT_ESSENTIALS = _rx(
    r"\b(no|without) (heating|heat|hot water|water|power|electricity|food)\b|\bsenza (spesa|cibo)\b|\bsin comida\b|\bsem comida\b|\bkein essen\b|\bsans nourriture\b|\b(ran out|run out|cut off|switched off|disconnected)\b",
    r"\b(sin (calefacción|agua|luz|electricidad)|nos (han )?cortado|se (ha )?acabado)\b",
    r"\b(sans (chauffage|eau|électricité|courant)|coupée?s?)\b",
    r"\b(ohne (heizung|wasser|strom)|abgestellt|abgeschaltet|leer)\b",
    r"\b(senza (riscaldamento|acqua|luce|corrente)|staccat[oa]|esaurit[oa])\b",
    r"\b(sem (aquecimento|água|luz|eletricidade)|cortad[oa]|acabou)\b",
)


def vulnerable_without_essentials(text: str) -> bool:
    """A vulnerable person and a household left without heat, power or water."""
    return bool(VULNERABLE.search(text) and WITHOUT_ESSENTIALS.search(text))


# Harm that is asked about, not happening: "can I be told when there's an outage?", "are they locked out right away?"
_HYPOTHETICAL_HARM = _rx(
    r"\b(when|if|whenever|in case) there('s| is| are| was)\b[^.?!]*|\bin case of\b[^.?!]*|\bwhat happens (if|when|to)\b[^.?!]*|\b(are|will) (they|we|you|people|users|members) (\w+ )?(locked|blocked)\b[^.?!]*",
    r"\b(en caso de|cuando haya|si hay)\b[^.?!]*|\b(en cas de|quand il y a|s'il y a)\b[^.?!]*|\b(im fall(e)? (von|eines|einer)|wenn es)\b[^.?!]*",
    r"\b(in caso di|quando c'è|se c'è)\b[^.?!]*|\b(em caso de|quando houver|se houver)\b[^.?!]*",
)
# A forgotten password keeps a customer out of the app, not stranded: the help centre's reset answers it.
_FORGOTTEN_PASSWORD = _rx(
    r"\b(forgot|forgotten|reset|lost)\b[^.?!]{0,20}\bpassword\b|\b(olvid\w*|restablecer)\b[^.?!]{0,20}\bcontraseña\b|\b(oubli\w*|réinitialiser)\b[^.?!]{0,20}\bmot de passe\b",
    r"\bpasswort\b[^.?!]{0,20}\b(vergessen|zurücksetzen)\b|\b(dimenticat\w*|reimpostare)\b[^.?!]{0,20}\bpassword\b|\b(esqueci|redefinir)\b[^.?!]{0,20}\bsenha\b",
)


def blocked_now(text: str) -> bool:
    """A customer (or everyone) blocked at this moment; not a hypothetical, not a forgotten password."""
    real = _HYPOTHETICAL_HARM.sub(" ", text)
    if EVERYONE_BLOCKED.search(real):
        return True
    return bool(BLOCKED_NOW.search(real)) and not _FORGOTTEN_PASSWORD.search(text)


def harm_now(text: str) -> bool:
    """Security or fraud, a customer blocked now, everyone blocked, danger, or a vulnerable person: a person's job whatever was asked."""
    return bool(security_incident(text) or blocked_now(text) or SAFETY.search(text) or vulnerable_without_essentials(text))
