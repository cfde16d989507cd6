#!/usr/bin/env python3
"""Check the foreign help centres (two of them held out), their labelled tickets, the out-of-scope sets and
corpus/tickets/train_domains.jsonl.

Run from the repository root:  python3 tests/data/foreign/validate.py
Exits 1 and lists every problem found; exits 0 and prints a summary when all is well.
Standard library only.
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TRAIN = os.path.join(ROOT, "corpus", "tickets", "train_domains.jsonl")
OLD_TRAIN = os.path.join(ROOT, "corpus", "tickets", "train.jsonl")  # AcmeSoft training data, if present

INTENTS = {"faq", "account", "billing", "bug", "escalate"}
URGENCIES = {"low", "medium", "high"}
LANGS = {"en", "es", "fr", "de", "it", "pt"}
TICKET_KEYS = {"id", "customer_id", "subject", "message", "history", "language", "intent",
               "acceptable_intents", "urgency", "must_escalate", "gold_doc_id", "answerable",
               "gold_span", "metadata"}
TRAIN_KEYS = {"text", "intent", "urgency", "frustrated", "domain", "lang"}

# set name -> (languages that must have translations, minimum translated articles per language,
#              minimum short articles)
SETS = {
    "energy": ({"es", "de"}, 5, 3),
    "mobility": ({"fr", "it", "pt"}, 4, 3),
    # held out: nobody tunes on these two, they are measured at the end
    "ticketing": ({"es", "de"}, 5, 3),
    "council": ({"fr", "it", "pt"}, 5, 3),
}
# out-of-scope files -> (expected ticket count, allowed languages, businesses)
OUT_OF_SCOPE = {
    "out_of_scope.jsonl": (60, {"en", "es", "fr", "de"}, {"Pawpath", "Linden Library"}),
    "out_of_scope_2.jsonl": (40, LANGS, {"Brightsmile Dental", "Oakhollow Furniture"}),
}
# domains reserved for the test sets; must not appear in training data
RESERVED_DOMAIN_WORDS = ("energy", "electric", "gas", "bike", "scooter", "mobility", "library",
                         "vet", "acmesoft", "work_management",
                         "ticket", "event", "concert", "council", "municipal", "government",
                         "dental", "dentist", "furniture")

errors = []


def err(msg):
    errors.append(msg)


def norm(text):
    return re.sub(r"\s+", " ", text).strip()


def norm_key(text):
    return re.sub(r"\W+", " ", text.lower()).strip()


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                err(f"{path}:{n}: blank line")
                continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                err(f"{path}:{n}: invalid JSON ({exc})")
    return rows


def check_article(path):
    """Return (ok, number_of_sections, words_per_section)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        err(f"{path}: first line must be '# Title'")
    parts = re.split(r"^## ", text, flags=re.M)
    sections = parts[1:]
    if len(sections) < 2:
        err(f"{path}: needs at least 2 '## ' sections, found {len(sections)}")
    intro = parts[0].split("\n", 1)[1].strip() if "\n" in parts[0] else ""
    if not intro:
        err(f"{path}: missing intro paragraph between the title and the first section")
    words = [len(s.split("\n", 1)[1].split()) if "\n" in s else 0 for s in sections]
    return len(sections), words, text


def check_help(set_name, tr_langs, tr_min, short_min):
    help_dir = os.path.join(HERE, set_name, "help")
    if not os.path.isdir(help_dir):
        err(f"{help_dir}: missing")
        return {}
    articles = {}
    short = 0
    for fn in sorted(os.listdir(help_dir)):
        p = os.path.join(help_dir, fn)
        if os.path.isdir(p):
            continue
        if not fn.endswith(".md"):
            err(f"{p}: unexpected file in help/")
            continue
        n_sec, words, text = check_article(p)
        articles[fn[:-3]] = norm(text)
        if n_sec == 3 and all(60 <= w <= 120 for w in words):
            short += 1
    if not 14 <= len(articles) <= 18:
        err(f"{set_name}: expected 14-18 English articles, found {len(articles)}")
    if short < short_min:
        err(f"{set_name}: expected at least {short_min} short articles (3 sections of 60-120 words), found {short}")
    tr_counts = {}
    for sub in sorted(os.listdir(help_dir)):
        p = os.path.join(help_dir, sub)
        if not os.path.isdir(p):
            continue
        if sub not in LANGS or sub == "en":
            err(f"{p}: translation folder must be a language code other than en")
        n = 0
        for fn in sorted(os.listdir(p)):
            fp = os.path.join(p, fn)
            if not fn.endswith(".md"):
                err(f"{fp}: unexpected file")
                continue
            if fn[:-3] not in articles:
                err(f"{fp}: translation has no English original help/{fn}")
            check_article(fp)
            n += 1
        tr_counts[sub] = n
    for lang in tr_langs:
        if tr_counts.get(lang, 0) < tr_min:
            err(f"{set_name}: need at least {tr_min} '{lang}' translations, found {tr_counts.get(lang, 0)}")
    print(f"  {set_name}: {len(articles)} English articles ({short} short), translations {dict(sorted(tr_counts.items()))}")
    return articles


def check_ticket(path, n, t, articles, ids):
    where = f"{path}:{n}"
    keys = set(t)
    if keys != TICKET_KEYS:
        err(f"{where}: keys differ from schema: missing {sorted(TICKET_KEYS - keys)}, extra {sorted(keys - TICKET_KEYS)}")
        return
    if not isinstance(t["id"], str) or t["id"] in ids:
        err(f"{where}: id missing or duplicated: {t['id']!r}")
    ids.add(t["id"])
    for k in ("customer_id", "subject", "message"):
        if not isinstance(t[k], str):
            err(f"{where}: {k} must be a string")
    if not t["message"].strip():
        err(f"{where}: empty message")
    if t["language"] not in LANGS:
        err(f"{where}: language {t['language']!r} not in {sorted(LANGS)}")
    if t["intent"] not in INTENTS:
        err(f"{where}: intent {t['intent']!r}")
    if (not isinstance(t["acceptable_intents"], list) or t["intent"] not in t["acceptable_intents"]
            or not set(t["acceptable_intents"]) <= INTENTS):
        err(f"{where}: acceptable_intents must be a list of intents that includes intent")
    if t["urgency"] not in URGENCIES:
        err(f"{where}: urgency {t['urgency']!r}")
    if t["must_escalate"] not in (True, False, None):
        err(f"{where}: must_escalate must be true, false or null")
    if not isinstance(t["answerable"], bool):
        err(f"{where}: answerable must be a bool")
    if not isinstance(t["metadata"], dict) or "channel" not in t["metadata"]:
        err(f"{where}: metadata must be an object with a channel")
    if not isinstance(t["history"], list):
        err(f"{where}: history must be a list")
    else:
        for h in t["history"]:
            if not isinstance(h, dict) or h.get("role") not in ("customer", "agent") or not isinstance(h.get("text"), str):
                err(f"{where}: history turns must be {{role: customer|agent, text: str}}")
    doc, span = t["gold_doc_id"], t["gold_span"]
    if t["answerable"]:
        if doc is None or span is None:
            err(f"{where}: answerable ticket needs gold_doc_id and gold_span")
    else:
        if doc is not None or span is not None:
            err(f"{where}: unanswerable ticket must have gold_doc_id and gold_span null")
        if t["must_escalate"] is not True:
            err(f"{where}: unanswerable ticket must have must_escalate true")
    if doc is not None:
        if doc not in articles:
            err(f"{where}: gold_doc_id {doc!r} is not an English article of this set")
        elif span is None or norm(span) not in articles[doc]:
            err(f"{where}: gold_span not found verbatim in {doc}.md: {span!r}")
    if t["intent"] in ("account", "billing", "escalate") and t["must_escalate"] is not True:
        err(f"{where}: {t['intent']} ticket must have must_escalate true")


def check_set(set_name, articles, expected, oos=None):
    """Check one ticket file. set_name is a help-centre folder, or an out-of-scope file name
    with oos = (allowed languages, allowed businesses)."""
    path = os.path.join(HERE, set_name) if oos else os.path.join(HERE, set_name, "tickets.jsonl")
    if not os.path.exists(path):
        err(f"{path}: missing")
        return []
    rows = read_jsonl(path)
    ids = set()
    for n, t in rows:
        if isinstance(t, dict):
            check_ticket(path, n, t, articles, ids)
    tickets = [t for _, t in rows if isinstance(t, dict)]
    lo, hi = expected
    if not lo <= len(tickets) <= hi:
        err(f"{path}: expected {lo}-{hi} tickets, found {len(tickets)}")
    langs = Counter(t.get("language") for t in tickets)
    non_en = sum(v for k, v in langs.items() if k != "en")
    if not oos and tickets and non_en / len(tickets) < 0.35:
        err(f"{path}: only {non_en}/{len(tickets)} tickets are not in English (need >= 35%)")
    if oos:
        allowed_langs, businesses = oos
        for t in tickets:
            if t.get("answerable") is not False or t.get("must_escalate") is not True or t.get("gold_doc_id") is not None:
                err(f"{path}: {t.get('id')}: out-of-scope tickets must be answerable false, must_escalate true, gold_doc_id null")
            if (t.get("metadata") or {}).get("business") not in businesses:
                err(f"{path}: {t.get('id')}: metadata.business must be one of {sorted(businesses)}")
        if not set(langs) <= allowed_langs:
            err(f"{path}: out-of-scope languages must be in {sorted(allowed_langs)}, found {sorted(langs)}")
    intents = Counter(t.get("intent") for t in tickets)
    answerable = sum(1 for t in tickets if t.get("answerable"))
    print(f"  {os.path.relpath(path, ROOT)}: {len(tickets)} tickets, languages {dict(sorted(langs.items()))}, "
          f"intents {dict(sorted(intents.items()))}, answerable {answerable}")
    return tickets


def check_train():
    if not os.path.exists(TRAIN):
        err(f"{TRAIN}: missing")
        return set()
    rows = read_jsonl(TRAIN)
    texts = set()
    for n, r in rows:
        where = f"{TRAIN}:{n}"
        if not isinstance(r, dict) or set(r) != TRAIN_KEYS:
            err(f"{where}: keys must be exactly {sorted(TRAIN_KEYS)}")
            continue
        if not isinstance(r["text"], str) or not r["text"].strip():
            err(f"{where}: empty text")
        if r["intent"] not in INTENTS:
            err(f"{where}: intent {r['intent']!r}")
        if r["urgency"] not in URGENCIES:
            err(f"{where}: urgency {r['urgency']!r}")
        if not isinstance(r["frustrated"], bool):
            err(f"{where}: frustrated must be a bool")
        if r["lang"] not in LANGS:
            err(f"{where}: lang {r['lang']!r}")
        if not isinstance(r["domain"], str) or not r["domain"]:
            err(f"{where}: domain must be a non-empty string")
        elif any(w in r["domain"].lower() for w in RESERVED_DOMAIN_WORDS):
            err(f"{where}: domain {r['domain']!r} is reserved for the test sets")
        key = norm_key(r["text"])
        if key in texts:
            err(f"{where}: duplicate text {r['text'][:60]!r}")
        texts.add(key)
    good = [r for _, r in rows if isinstance(r, dict) and set(r) == TRAIN_KEYS]
    domains = Counter(r["domain"] for r in good)
    langs = Counter(r["lang"] for r in good)
    if len(good) < 1400:
        err(f"{TRAIN}: need at least 1400 rows, found {len(good)}")
    if len(domains) < 8:
        err(f"{TRAIN}: need at least 8 domains, found {len(domains)}")
    for lang in sorted(LANGS - {"en"}):
        if langs.get(lang, 0) < 80:
            err(f"{TRAIN}: need at least 80 '{lang}' rows, found {langs.get(lang, 0)}")
    print(f"  {os.path.relpath(TRAIN, ROOT)}: {len(good)} rows, {len(domains)} domains, languages {dict(sorted(langs.items()))}")
    return texts


def main():
    print("train_domains:")
    train_texts = check_train()
    all_tickets = []
    for name, (tr_langs, tr_min, short_min) in SETS.items():
        print(f"set {name}:")
        articles = check_help(name, tr_langs, tr_min, short_min)
        all_tickets += check_set(name, articles, (100, 130))
    print("out of scope:")
    for fname, (count, langs, businesses) in OUT_OF_SCOPE.items():
        all_tickets += check_set(fname, {}, (count, count), oos=(langs, businesses))

    # test tickets are kept apart from training data (and from each other)
    if os.path.exists(OLD_TRAIN):
        for _, r in read_jsonl(OLD_TRAIN):
            if isinstance(r, dict) and isinstance(r.get("text"), str):
                train_texts.add(norm_key(r["text"]))
    seen = {}
    for t in all_tickets:
        msg = t.get("message", "")
        key = norm_key(msg)
        if key in train_texts:
            err(f"{t.get('id')}: message also appears in training data (train_domains.jsonl or train.jsonl): {msg[:60]!r}")
        if key in seen:
            err(f"{t.get('id')}: same message as {seen[key]}")
        seen.setdefault(key, t.get("id"))

    if errors:
        print(f"\nFAILED with {len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print("  - " + e, file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
