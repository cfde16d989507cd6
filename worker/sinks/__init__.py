"""Where results go: the Redis results stream (always) and helpdesk write-back (per source)."""
