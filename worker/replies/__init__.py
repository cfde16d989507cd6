"""Replies a support lead would send: the part of a section that answers, rendered and framed in one language."""
