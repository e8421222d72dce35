"""Reference lists, tables of contents and front matter, recognised in a passage's own text.

Headings name these parts when they are found ("References", "Table of contents", "Legal notice"), but a
heading is missed as often as a heading is misread: a reference list runs on under the last chapter's
heading, or the chapters after a contents list are not found and the report's body sits under
"Table of contents". So each passage's text has the last word: it must look like what its heading says,
and a passage that plainly is a reference list or a contents list is one whatever its heading.
"""

from __future__ import annotations

import re

# "Smith, J.", "Remy C,", "[12] J. Corcoran", "Stüber, J., U. Miehe": the start of a reference entry
_AUTHOR = re.compile(
    r"\b[A-ZÄÖÜÅ][\w'’-]+,\s(?:[A-Z]\.[\s-]?){1,3}|\b[A-ZÄÖÜÅ][a-zäöüå'’-]+\s[A-Z]{1,2}[,.:(]\s?|"
    r"(?<![\w.])(?:[A-Z]\.\s?){1,2}[A-ZÄÖÜÅ][a-zäöüå'’-]+,"
)
_YEAR = re.compile(r"\((?:19|20)\d\d[a-z]?\)|\b(?:19|20)\d\d[a-z]?[.:;]\s|,\s(?:19|20)\d\d[a-z]?\b")
# Marks of a cited source; phrases are counted in the lower-cased text (a regular expression of many
# alternatives tried at every position cost more than the rest of the reading together).
_SOURCE_PHRASES = (
    "doi:", "doi.org", "doi ", "http://", "https://", "www.", "isbn", "issn", "et al.", "journal", "proceedings",
    "(ed.)", "(eds.)", " eds.", " in: ", "retrieved", "accessed", "[visited", ".pdf", "presentation at",
    "presentation to", "paper accepted", "paper presented", "conference", "symposium", "congress", "tagung",
)  # fmt: skip
_SOURCE = re.compile(r"pp?\.\s?\d|vol\.\s?\d|\d\s?\(\d+\)\s?[,:]|\d[-–]\d+\.\s")
# "Introduction .......... 3", "1.2 Determinants of consumer behavior 7", "Figure 3: ... 12"
_LEADER = re.compile(r"(\.{4,}|…{2,}|(\s\.){3,})\s*-?\s*[\divxlc]+\b")
_ENTRY = re.compile(
    r"\b\d{1,2}(\.\d{1,2})*\.?\s+[A-ZÄÖÜÅ][^.!?]{2,90}?\s\d{1,3}(?=\s+(\d{1,2}(\.\d{1,2})*\.?\s|[A-Z])|\s*$)"
)
_CAPTION_ENTRY = re.compile(r"(figure|fig\.|table|tab\.|abbildung|tabelle|figur|tabell)\s?\d+(-\d+)?[:.]")
_ABBREVIATION = re.compile(r"\b[A-Z][A-Z0-9]{1,7}s?\s+[A-Z]?[a-z]")
# Marks of covers, legal notices, funding statements and document histories
_BOILERPLATE_PHRASES = (
    "©", "copyright", "all rights reserved", "disclaim", "liabilit", "haftung", "no part of this",
    "without written permission", "without prior written permission", "dissemination level",
    "restricted to other programme participants", "restricted to a group", "confidential, only for members",
    "modified by", "modification reasons", "revision history", "1st draft", "grant agreement",
    "has received funding", "project number", "project acronym", "due date", "delivered date",
    "deliverable number", "deliverable lead", "see discussions, stats", "author profiles", "researchgate",
    "upphovsrätt", "alla rättigheter", "reviewed by", "start date of the project", "start date of project",
    "duration of the project", "contact for queries", "legal notice", "financed through", "financed by",
    "financed in part", "funds provided by", "isbn", "issn", "suggested citation", "main authors", "printed by",
    "cover photo", "photos:", "layout:", "upplaga", "e-post:", "växel:", "tryck:", "foto:", "omslagsbild",
)  # fmt: skip
_BOILERPLATE = re.compile(r"version\s+date|(draft|final|version)\b.{0,12}\d{1,2}[.‐/-]\d{1,2}[.‐/-](19|20)?\d\d")
_SENTENCE = re.compile(r"[a-zäöüåß]{2,}[.!?](\s|$)")


def _per_100_words(marks: int, text: str, at_least: int) -> float:
    """``marks`` per 100 words of ``text``; fewer than ``at_least`` marks count none (one date or one dotted
    line in a short passage proves nothing)."""
    return 100 * marks / max(len(text.split()), 1) if marks >= at_least else 0.0


def _phrases(lowered: str, phrases: tuple[str, ...]) -> int:
    return sum(lowered.count(phrase) for phrase in phrases)


def reference_density(text: str, at_least: int = 3) -> float:
    """Marks of reference entries (authors, years, sources) per 100 words."""
    lowered = text.lower()
    marks = len(_YEAR.findall(text)) + _phrases(lowered, _SOURCE_PHRASES) + len(_SOURCE.findall(lowered))
    if marks < 2:  # a reference list has years or sources in every entry; only then look for authors
        return 0.0
    return _per_100_words(marks + len(_AUTHOR.findall(text)), text, at_least)


def contents_density(text: str, at_least: int = 2) -> float:
    """Contents-list entries (dot leaders, numbered titles with a page number, caption lines) per 100 words."""
    entries = len(_ENTRY.findall(text))
    if "...." in text or "…" in text or " . . ." in text:
        entries += len(_LEADER.findall(text))
    lowered = text.lower()
    if "fig" in lowered or "tab" in lowered or "abb" in lowered:
        entries += len(_CAPTION_ENTRY.findall(lowered)) // 2
    return _per_100_words(entries, text, at_least)


def boilerplate_density(text: str, at_least: int = 2) -> float:
    """Marks of covers, legal notices, funding statements and document histories per 100 words."""
    lowered = text.lower()
    return _per_100_words(_phrases(lowered, _BOILERPLATE_PHRASES) + len(_BOILERPLATE.findall(lowered)), text, at_least)


def sentence_density(text: str) -> float:
    """Sentence ends per 100 words: running prose has five or more, a cover or a list hardly any."""
    words = max(len(text.split()), 1)
    return 100 * len(_SENTENCE.findall(text)) / words


def abbreviation_density(text: str) -> float:
    words = max(len(text.split()), 1)
    return 100 * len(_ABBREVIATION.findall(text)) / words


def passage_kind(heading_kind: str, text: str, page: int) -> str:
    """The kind a passage is stored with: its section's kind, unless its text says otherwise.

    A passage is a reference list, a contents list or front matter when its text is plainly one, under any
    heading; a passage under such a heading that reads as running text is "other".
    """
    refs, toc = reference_density(text), contents_density(text)
    boiler, prose = boilerplate_density(text), sentence_density(text)
    apparatus = toc >= 2 or refs >= 4 or boiler >= 2.5
    if heading_kind in ("references", "contents", "front_matter") and apparatus:
        return heading_kind  # the heading names the part; the text only confirms it is apparatus
    if toc >= 4 or toc >= 2 and heading_kind == "contents":
        return "contents"
    if page <= 2 and (boiler >= 2.5 or boiler >= 1.5 and prose < 4):
        return "front_matter"
    if refs >= 6 or refs >= 4 and heading_kind == "references":
        return "references"
    if boiler >= 2.5 and prose < 6 or boiler >= 4:
        return "front_matter"
    if heading_kind == "contents":
        listed = contents_density(text, 1) >= 2 or abbreviation_density(text) >= 8
        return "contents" if listed and prose < 4 else "other"
    if heading_kind == "references":
        return "references" if refs >= 3 else "other"
    if page <= 3 and boilerplate_density(text, 1) > 0 and prose < 3 and len(text.split()) < 80:
        return "front_matter"  # a short block of a cover or a document history
    if heading_kind == "front_matter":
        return "front_matter" if page <= 3 and (prose < 4 or boilerplate_density(text, 1) >= 1) else "other"
    return heading_kind
