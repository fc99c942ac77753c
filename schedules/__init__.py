"""Scheduled work: jobs decide what is due and write it to the outbox."""
