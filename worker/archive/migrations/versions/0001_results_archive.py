"""the results archive: results, details, reasons, usage, reviews, reopens

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reopens',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('uid')
    )
    op.create_table('results',
    sa.Column('uid', sa.String(length=260), nullable=False, comment='source:id, the ticket across helpdesks'),
    sa.Column('ticket_id', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('customer_id', sa.String(length=200), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=True),
    sa.Column('run_id', sa.String(length=100), nullable=True),
    sa.Column('stream_id', sa.String(length=40), nullable=False, comment='the results-stream entry it was archived from'),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_day', sa.Date(), nullable=False, comment='UTC day the result was completed and published'),
    sa.Column('intent', sa.String(length=20), nullable=True, comment='faq, account, billing, bug, escalate; unclassified when classify failed'),
    sa.Column('urgency', sa.String(length=10), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('frustrated', sa.Boolean(), nullable=True),
    sa.Column('language', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False, comment='auto_reply, draft or escalate'),
    sa.Column('failure_stage', sa.String(length=20), nullable=True),
    sa.Column('failure_reason', sa.String(length=60), nullable=True),
    sa.Column('provider', sa.String(length=40), nullable=True, comment='provider/model of the reply, else of the classification'),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('time_to_answer_s', sa.Float(), nullable=True),
    sa.Column('wait_bucket', sa.Integer(), nullable=True, comment='time_to_answer_s on a 1%-wide log scale: percentiles by GROUP BY'),
    sa.Column('classify_s', sa.Float(), nullable=True),
    sa.Column('retrieve_s', sa.Float(), nullable=True),
    sa.Column('generate_s', sa.Float(), nullable=True),
    sa.Column('escalate_s', sa.Float(), nullable=True),
    sa.Column('retries', sa.Integer(), nullable=False, comment='task executions beyond the first, all stages'),
    sa.Column('top_score', sa.Float(), nullable=True, comment='best retrieval score, null when nothing was retrieved'),
    sa.Column('top_doc_id', sa.String(length=200), nullable=True),
    sa.Column('top_title', sa.String(length=500), nullable=True),
    sa.Column('grounded', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('uid')
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_day_wait', ['published_day', 'wait_bucket', 'published_at'], unique=False)
        batch_op.create_index('ix_results_intent_published_at', ['intent', 'published_at'], unique=False)
        batch_op.create_index('ix_results_intent_wait', ['intent', 'wait_bucket', 'published_at'], unique=False)
        batch_op.create_index('ix_results_published_at', ['published_at'], unique=False)
        batch_op.create_index('ix_results_report', ['published_day', 'intent', 'action', 'cost_usd', 'published_at'], unique=False)
        batch_op.create_index('ix_results_run_id', ['run_id'], unique=False)
        batch_op.create_index('ix_results_sent_score', ['action', 'top_score', 'intent', 'published_at'], unique=False)
        batch_op.create_index('ix_results_stream_id', ['stream_id'], unique=False)

    op.create_table('reviews',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('entry_id', sa.String(length=40), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uid')
    )
    op.create_table('result_details',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True, comment='kept, redacted or null per TICKETFLOW_ARCHIVE_MESSAGE'),
    sa.Column('history', sa.JSON(), nullable=True, comment="earlier turns [{role, text}], under the message's setting"),
    sa.Column('reply', sa.Text(), nullable=True, comment='kept, redacted or null per TICKETFLOW_ARCHIVE_REPLY'),
    sa.Column('citations', sa.JSON(), nullable=True, comment='[{doc_id, title, section}] the reply relies on'),
    sa.Column('chunks', sa.JSON(), nullable=True, comment='[{doc_id, title, section, score}] retrieved, without their text'),
    sa.Column('attempts', sa.JSON(), nullable=True, comment='{stage: executions}'),
    sa.Column('failure_error', sa.Text(), nullable=True, comment='the error that sent the ticket to a human, redacted'),
    sa.ForeignKeyConstraint(['uid'], ['results.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uid')
    )
    op.create_table('result_reasons',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_day', sa.Date(), nullable=False, comment='UTC day the result was completed and published'),
    sa.Column('intent', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('run_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['uid'], ['results.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uid', 'reason')
    )
    with op.batch_alter_table('result_reasons', schema=None) as batch_op:
        batch_op.create_index('ix_result_reasons_reason', ['reason', 'published_at'], unique=False)
        batch_op.create_index('ix_result_reasons_report', ['action', 'published_day', 'intent', 'reason', 'published_at'], unique=False)

    op.create_table('result_usage',
    sa.Column('uid', sa.String(length=260), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_read_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_write_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['uid'], ['results.uid'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('uid', 'position')
    )


def downgrade() -> None:
    op.drop_table('result_usage')
    with op.batch_alter_table('result_reasons', schema=None) as batch_op:
        batch_op.drop_index('ix_result_reasons_report')
        batch_op.drop_index('ix_result_reasons_reason')

    op.drop_table('result_reasons')
    op.drop_table('result_details')
    op.drop_table('reviews')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_stream_id')
        batch_op.drop_index('ix_results_sent_score')
        batch_op.drop_index('ix_results_run_id')
        batch_op.drop_index('ix_results_report')
        batch_op.drop_index('ix_results_published_at')
        batch_op.drop_index('ix_results_intent_wait')
        batch_op.drop_index('ix_results_intent_published_at')
        batch_op.drop_index('ix_results_day_wait')

    op.drop_table('results')
    op.drop_table('reopens')
