"""The catalog: SQLite (the source of truth) and the vector index derived from it, with the locks, files and backups.
The only package that speaks SQL; it imports kb.text, kb.models, kb.errors and kb.settings only."""
