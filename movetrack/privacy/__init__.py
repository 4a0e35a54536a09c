"""A participant's personal data as a whole: the GDPR export (everything about one person,
as JSON and as a PDF) and erasure (a controlled redaction, on request or when the
retention period after exit has run out)."""
