"""Help-centre sync: the helpdesks' own articles into the cluster's index (issue 18).

    base.py      records, per-source state, locales -> languages, one GET with Retry-After
    zendesk.py   Zendesk Guide: full listing per locale, then the incremental article export
    intercom.py  Intercom Articles API, per locale (translated content)
    run.py       one sync: fetch, rebuild only what changed, publish a version (worker/retrieval/snapshot.py)
    schedule.py  `--every 15m` / `--once`
    status.py    last sync per source and which worker serves which version (Redis; read by /readyz, metrics, CLI)
"""
