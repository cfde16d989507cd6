"""The results archive: every published result, once, in a SQL database that outlives Redis.

  schema.py     the tables (SQLAlchemy Core), the engine and `migrate` (Alembic, migrations/ ships inside)
  rows.py       a published result -> the rows it is stored as, privacy settings applied (pure)
  writer.py     insert rows once per ticket (ON CONFLICT DO NOTHING on `uid`), reviews and reopens upserted
  consumer.py   a consumer group on the results stream feeds the writer; trims the stream by age, never past it
  query.py      what the report, the review page and /metrics read back, aggregated in SQL

Off by default: `TICKETFLOW_DATABASE_URL` turns it on (`sqlite` for the embedded file under the data
directory, or `postgresql://...`), because an archive per machine would split the history of a cluster
and a Redis-only install should keep behaving as it did. Off the hot path: workers publish to Redis only; the archiver reads the stream afterwards, so a database
outage delays the archive and never a ticket.
"""
