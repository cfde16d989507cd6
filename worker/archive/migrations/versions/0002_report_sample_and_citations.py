"""the report's reply sample and citations from the archive: results.spread, result_citations, articles

Revision ID: 0002
Revises: 0001

Rows archived before this revision get their `spread` and their `result_citations` here, computed from
what was stored (`result_details.citations`), in batches. The report's covering indexes gain run_id.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from worker.archive.rows import cited, spread

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None
BATCH = 5000
WITH_RUN = (
    ('results', 'ix_results_report', ['published_day', 'intent', 'action', 'cost_usd', 'published_at']),
    ('results', 'ix_results_day_wait', ['published_day', 'wait_bucket', 'published_at']),
    ('results', 'ix_results_intent_wait', ['intent', 'wait_bucket', 'published_at']),
    ('results', 'ix_results_sent_score', ['action', 'top_score', 'intent', 'published_at']),
    ('result_reasons', 'ix_result_reasons_report', ['action', 'published_day', 'intent', 'reason', 'published_at']),
)


def upgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spread', sa.BigInteger(), nullable=True, comment="first 60 bits of the uid's SHA-1: the reply sample's stable order"))
    op.create_table('result_citations',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('doc_id', sa.String(length=200), nullable=False, comment="the article's id (its title when it has none)"),
    sa.Column('position', sa.Integer(), nullable=False, comment='its place among the articles the reply cites, from 0'),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_day', sa.Date(), nullable=False),
    sa.Column('intent', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('run_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['uid'], ['results.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uid', 'doc_id')
    )
    op.create_table('articles',
    sa.Column('doc_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('doc_id')
    )
    _backfill(op.get_bind())
    with op.batch_alter_table('result_citations', schema=None) as batch_op:
        batch_op.create_index('ix_result_citations_report', ['action', 'doc_id', 'published_at', 'position', 'run_id'], unique=False)
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_sample', ['action', 'spread', 'published_at'], unique=False)
    # The covering indexes end with run_id, so `report --run` reads them alone too (not every row of the table).
    for table, name, cols in WITH_RUN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, [*cols, 'run_id'], unique=False)


def _backfill(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    results = sa.Table('results', meta, autoload_with=conn)
    details = sa.Table('result_details', meta, autoload_with=conn)
    citations = sa.Table('result_citations', meta, autoload_with=conn)
    articles = sa.Table('articles', meta, autoload_with=conn)
    titles: dict[str, str] = {}
    copied = ('published_at', 'published_day', 'intent', 'action', 'run_id')
    after = ''
    while True:
        q = (sa.select(results.c.uid, *[results.c[k] for k in copied], details.c.citations)
             .select_from(results.outerjoin(details, details.c.uid == results.c.uid))
             .where(results.c.uid > after).order_by(results.c.uid).limit(BATCH))
        rows = conn.execute(q).all()
        if not rows:
            break
        conn.execute(results.update().where(results.c.uid == sa.bindparam('b_uid')).values(spread=sa.bindparam('b_spread')),
                     [{'b_uid': r.uid, 'b_spread': spread(r.uid)} for r in rows])
        cites: list[dict[str, Any]] = []
        for r in rows:
            raw = json.loads(r.citations) if isinstance(r.citations, str) else r.citations
            for i, (doc, title) in enumerate(cited(raw or []).items()):
                cites.append({'uid': r.uid, 'doc_id': doc[:200], 'position': i, **{k: getattr(r, k) for k in copied}})
                titles[doc[:200]] = titles.get(doc[:200]) or title[:500]
        if cites:
            conn.execute(citations.insert(), cites)
        after = rows[-1].uid
    if titles:
        conn.execute(articles.insert(), [{'doc_id': d, 'title': t} for d, t in titles.items()])


def downgrade() -> None:
    for table, name, cols in WITH_RUN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, cols, unique=False)
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_sample')
        batch_op.drop_column('spread')
    op.drop_table('result_citations')
    op.drop_table('articles')
