"""Backup and restore of a whole installation: `flask --app movetrack export-all FILE` and
`import-all FILE` (every table of the metadata, photos and the audit log included)."""
