"""Helpdesk webhooks: signature checks on the raw body, and payloads mapped to tickets and owner changes."""
