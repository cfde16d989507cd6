"""Retrieval internals: chunking, sources, index storage, BM25, dense vectors, hybrid search, evaluation.

    sources.py    help centres from folders (Markdown/HTML, language sub-folders) or JSONL
    chunking.py   articles -> section chunks of about 200-400 tokens, title and heading carried
    analysis.py   text -> BM25 terms and dense features (words + character n-grams)
    lexical.py    BM25 as numpy postings
    dense.py      local LSA encoder (numpy), OpenAI embeddings when configured
    index.py      the hash-keyed index file; incremental rebuilds
    search.py     hybrid RRF search, calibrated scores, per-language views
    answerable.py salient ticket terms no retrieved section holds: the help centre does not answer it
    language.py   the customer's language
    evaluate.py   hit@1 / hit@3 / MRR@10 against a plain BM25 baseline
    calibrate.py  score calibration and the "nothing relevant" threshold
    bench.py      latency, memory and build time at 1k / 10k / 100k chunks
    snapshot.py   the cluster's index versions (Redis or a shared folder)
    cluster.py    a worker follows the current version, switching between tickets
    sync/         the helpdesks' own articles (Zendesk Guide, Intercom) into a new version

worker/stages/retrieve.py is the stage and the Retriever the pipeline uses.
"""
