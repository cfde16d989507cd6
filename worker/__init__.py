"""ticketflow workers: the Celery app and the four pipeline stages."""
