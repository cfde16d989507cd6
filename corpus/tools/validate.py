#!/usr/bin/env python3
"""Validate the ticketflow corpus: schemas, label policy, cross-references and minimum counts.

Usage: python3 corpus/tools/validate.py   (exit code 1 on any error)
"""
import json
import os
import re
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELP = os.path.join(ROOT, "help")
INTENTS = {"faq", "account", "billing", "bug", "escalate"}
URGENCY = {"low", "medium", "high"}
errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{os.path.relpath(path, ROOT)}:{n}: invalid JSON ({e})")
    return rows


# ---- help centre
slugs = set()
for name in sorted(os.listdir(HELP)):
    if not name.endswith(".md"):
        continue
    slug = name[:-3]
    slugs.add(slug)
    text = open(os.path.join(HELP, name), encoding="utf-8").read()
    words = len(text.split())
    sections = len(re.findall(r"^## ", text, flags=re.M))
    if not text.startswith("# "):
        err(f"help/{name}: first line must be '# Title'")
    if not 200 <= words <= 700:
        err(f"help/{name}: {words} words (want 200-700)")
    if not 2 <= sections <= 6:
        err(f"help/{name}: {sections} sections (want 2-6)")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        err(f"help/{name}: file name is not a slug")
for lang, want in (("es", 6), ("fr", 4)):
    d = os.path.join(HELP, lang)
    files = [f for f in os.listdir(d) if f.endswith(".md")]
    if len(files) < want:
        err(f"help/{lang}: {len(files)} articles (want {want})")
    for f in files:
        if f[:-3] not in slugs:
            err(f"help/{lang}/{f}: no English original with that name")
if len(slugs) < 48:
    err(f"help: {len(slugs)} English articles (want >= 48)")

# ---- sample tickets
sample = load_jsonl(os.path.join(ROOT, "tickets", "sample.jsonl"))
ids = Counter(t.get("id") for t in sample)
for i, c in ids.items():
    if c > 1:
        err(f"sample: duplicate id {i}")
for t in sample:
    tid = t.get("id")
    for k, typ in (("id", str), ("customer_id", str), ("subject", str), ("message", str),
                   ("history", list), ("intent", str), ("acceptable_intents", list),
                   ("urgency", str), ("metadata", dict)):
        if not isinstance(t.get(k), typ):
            err(f"sample {tid}: field {k} missing or not {typ.__name__}")
    if t.get("language") is not None and not isinstance(t["language"], str):
        err(f"sample {tid}: language must be a string or null")
    if t.get("must_escalate") not in (True, False, None) or "must_escalate" not in t:
        err(f"sample {tid}: must_escalate must be true/false/null")
    if t.get("intent") not in INTENTS:
        err(f"sample {tid}: bad intent {t.get('intent')}")
    if t.get("intent") not in t.get("acceptable_intents", []):
        err(f"sample {tid}: intent not in acceptable_intents")
    if not set(t.get("acceptable_intents", [])) <= INTENTS:
        err(f"sample {tid}: bad acceptable_intents")
    if t.get("urgency") not in URGENCY:
        err(f"sample {tid}: bad urgency")
    g = t.get("gold_doc_id")
    if g is not None and g not in slugs:
        err(f"sample {tid}: gold_doc_id {g} has no help/{g}.md")
    for h in t.get("history", []):
        if h.get("role") not in ("customer", "agent") or not isinstance(h.get("text"), str):
            err(f"sample {tid}: bad history turn")
    # label policy
    it, esc = t.get("intent"), t.get("must_escalate")
    if it in ("account", "billing", "escalate") and esc is not True:
        err(f"sample {tid}: {it} must have must_escalate true")
    if it == "faq" and esc is False and g is None:
        err(f"sample {tid}: faq answered by help centre needs gold_doc_id")
    if it == "bug" and esc is False and g is None:
        err(f"sample {tid}: bug not escalated needs gold_doc_id")
    if t.get("urgency") == "high" and esc is False:
        err(f"sample {tid}: high urgency must escalate")

# ---- training set
train = load_jsonl(os.path.join(ROOT, "tickets", "train.jsonl"))
for n, r in enumerate(train, 1):
    if not isinstance(r.get("text"), str) or not r["text"].strip():
        err(f"train:{n}: empty text")
    if r.get("intent") not in INTENTS:
        err(f"train:{n}: bad intent")
    if r.get("urgency") not in URGENCY:
        err(f"train:{n}: bad urgency")
    if not isinstance(r.get("frustrated"), bool):
        err(f"train:{n}: frustrated must be bool")
sample_msgs = {t["message"].strip().lower() for t in sample if isinstance(t.get("message"), str)}
leak = [r["text"] for r in train if r.get("text", "").strip().lower() in sample_msgs]
if leak:
    err(f"train: {len(leak)} messages also appear in sample.jsonl, e.g. {leak[0]!r}")
dups = [k for k, c in Counter(r.get("text", "").strip().lower() for r in train).items() if c > 1]
if dups:
    err(f"train: {len(dups)} duplicate texts, e.g. {dups[0]!r}")

# ---- retrieval questions
qs = load_jsonl(os.path.join(ROOT, "eval", "questions.jsonl"))
for q, c in Counter(q.get("qid") for q in qs).items():
    if c > 1:
        err(f"questions: duplicate qid {q}")
for q in qs:
    if not isinstance(q.get("question"), str) or q.get("gold_doc_id") not in slugs:
        err(f"questions {q.get('qid')}: bad question or unknown gold_doc_id {q.get('gold_doc_id')}")

# ---- minimum counts
ic = Counter(t["intent"] for t in sample)
tc = Counter(r["intent"] for r in train)
checks = [
    (len(sample) >= 340, f"sample has {len(sample)} lines (want >= 340)"),
    (sum(1 <= len(t["history"]) <= 4 for t in sample) >= 35, "sample: too few tickets with 1-4 history turns"),
    (sum(len(t["history"]) >= 6 for t in sample) >= 8, "sample: too few tickets with 6+ history turns"),
    (sum(t.get("language") not in ("en", None) for t in sample) >= 35, "sample: fewer than 35 non-English tickets"),
    (len(train) >= 1000, f"train has {len(train)} lines (want >= 1000)"),
    (all(tc[i] >= 150 for i in INTENTS), f"train: some intent has < 150 examples {dict(tc)}"),
    (sum(r["frustrated"] for r in train) >= 150, "train: fewer than 150 frustrated examples"),
    (sum(r["urgency"] == "high" for r in train) >= 60, "train: fewer than 60 high-urgency examples"),
    (len(qs) >= 200, f"questions has {len(qs)} lines (want >= 200)"),
]
for ok, msg in checks:
    if not ok:
        err(msg)

print(f"help: {len(slugs)} English articles, es={len(os.listdir(os.path.join(HELP, 'es')))}, fr={len(os.listdir(os.path.join(HELP, 'fr')))}")
print(f"sample.jsonl: {len(sample)} tickets; intents {dict(sorted(ic.items()))}")
print(f"  must_escalate: true={sum(t['must_escalate'] is True for t in sample)} false={sum(t['must_escalate'] is False for t in sample)} null={sum(t['must_escalate'] is None for t in sample)}")
print(f"  history 1-4 turns={sum(1 <= len(t['history']) <= 4 for t in sample)}, 6+ turns={sum(len(t['history']) >= 6 for t in sample)}")
print(f"  languages {dict(Counter(t['language'] for t in sample).most_common())}")
print(f"  gold_doc_id null={sum(t['gold_doc_id'] is None for t in sample)}")
print(f"train.jsonl: {len(train)} examples; intents {dict(sorted(tc.items()))}")
print(f"  frustrated={sum(r['frustrated'] for r in train)} high urgency={sum(r['urgency'] == 'high' for r in train)}")
print(f"questions.jsonl: {len(qs)} questions over {len({q['gold_doc_id'] for q in qs})} articles")
if errors:
    print(f"\n{len(errors)} problem(s):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nOK")
