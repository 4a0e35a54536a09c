"""Pictures: the bundled pictogram set, and photos uploaded by staff."""
