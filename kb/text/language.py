"""Language identification (py3langid), shared by ingestion (chunks) and search (queries)."""

from __future__ import annotations

from functools import cache

# Languages a report in this knowledge base is likely to be written in. Restricting the
# identifier keeps short texts from being labelled with unrelated languages.
PASSAGE_LANGUAGES = ("sv", "en", "de", "da", "no", "fi", "et", "lv", "lt", "pl", "fr", "nl", "es", "it")
QUERY_LANGUAGES = ("sv", "en")


@cache
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect(text: str, languages: tuple[str, ...] = PASSAGE_LANGUAGES) -> tuple[str, float]:
    """The most likely language of ``text`` among ``languages``, with its probability."""
    lang, prob = _identifier(languages).classify(text)
    return str(lang), float(prob)


def detect_query(text: str) -> str:
    """Swedish or English: the languages staff write their questions in."""
    return detect(text, QUERY_LANGUAGES)[0]
