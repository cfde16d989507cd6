"""Pollers for helpdesks that cannot send webhooks: a cursor in Redis, 429 Retry-After honoured."""
