"""Answering a question: hybrid ranking, the Swedish-to-English lexicon, partner recommendation, evaluation.
It reads through kb.catalog and kb.model and uses kb.directory; it never writes."""
