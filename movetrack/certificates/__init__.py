"""Certificates (intyg): issue with frozen content, PDF in two versions, public verification."""
