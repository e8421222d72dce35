"""The partner directory: organisations de-duplicated across reports and registers, people and hand corrections.
It imports kb.catalog and kb.text."""
