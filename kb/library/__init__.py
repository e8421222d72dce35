"""What editors build on the catalog: collections (reading paths), themes and the follow-up figures.
It imports kb.catalog, kb.model (theme suggestions) and kb.text."""
