"""Consent: what each party may see about a participant, given and withdrawn."""
