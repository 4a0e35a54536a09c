"""How people's names are found and sorted: folded, so that case and accents do not
matter ("asa" finds "Åsa", "jose" finds "José") and the order is the same on SQLite and
PostgreSQL whatever collation the database was created with.

SQLite's lower() and LIKE fold ASCII only and PostgreSQL's unaccent is an extension that
is not immutable, so the folding is done here, in Python, once when a name is written
(Participant.sort_name and search_name), and on the query typed into a search box.
"""

from __future__ import annotations

import unicodedata


def folded(text: str | None) -> str:
    """Lower case without diacritics: "Åsa Öberg-Müller" → "asa oberg-muller"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def sort_name(name: str | None, preferred_name: str | None) -> str:
    """The key a list of people is sorted by: the name they are called by, folded."""
    return folded(preferred_name or name)


def search_name(name: str | None, preferred_name: str | None) -> str:
    """What a search matches: both names, folded (a line break between them, so that a
    search never matches across the two)."""
    return "\n".join(folded(part) for part in (name, preferred_name) if part)
