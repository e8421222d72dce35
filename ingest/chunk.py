"""Chunks of about 150-300 words inside one section, each with the pages it spans."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.apparatus import passage_kind
from ingest.sections import Line, Section
from kb.models import Chunk
from kb.text.language import detect

BULLETS = "•▪◦●■–-*"
MIN_WORDS_ALONE = 8  # a section with fewer words is a stray heading, not a passage
_LIST_ITEM = re.compile(rf"^([{re.escape(BULLETS)}]|\d{{1,2}}[.)]|\([a-z0-9]\))\s")


@dataclass(frozen=True)
class Sentence:
    words: tuple[str, ...]
    pages: tuple[int, ...]
    starts_item: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _ends_sentence(word: str) -> bool:
    return word.endswith((".", "!", "?", ".)", '."', ".”")) and not re.fullmatch(r"(\w\.){1,3}|\w{1,3}\.", word)


def _starts_sentence(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit() or word[:1] in '"“(' + BULLETS


def sentences(lines: list[Line]) -> list[Sentence]:
    """Sentences (and list items) of a section with the page of every word.

    End-of-line hyphenation is undone when the next line goes on in lower case.
    """
    result: list[Sentence] = []
    words: list[str] = []
    pages: list[int] = []
    item = False

    def flush() -> None:
        nonlocal item
        if words:
            result.append(Sentence(tuple(words), tuple(pages), item))
        words.clear()
        pages.clear()
        item = False

    for line in lines:
        tokens = line.text.split()
        if not tokens:
            continue
        if _LIST_ITEM.match(line.text):
            flush()
            item = True
        elif words and words[-1].endswith("-") and len(words[-1]) > 2 and tokens[0][:1].islower():
            words[-1] = words[-1][:-1] + tokens[0]
            tokens = tokens[1:]
        for token in tokens:
            if words and _ends_sentence(words[-1]) and _starts_sentence(token):
                flush()
            words.append(token)
            pages.append(line.page)
    flush()
    return result


def pack(sents: list[Sentence], min_words: int, max_words: int) -> list[list[Sentence]]:
    """Group sentences into runs of at most ``max_words``; a short tail joins the run before it."""
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    count = 0
    for sentence in _split_long(sents, max_words):
        n = len(sentence.words)
        if current and count + n > max_words:
            groups.append(current)
            current, count = [], 0
        current.append(sentence)
        count += n
    if current:
        tail = sum(len(s.words) for s in current)
        if groups and tail < min_words and sum(len(s.words) for s in groups[-1]) + tail <= max_words * 1.25:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def _split_long(sents: list[Sentence], max_words: int) -> list[Sentence]:
    out: list[Sentence] = []
    for s in sents:
        for start in range(0, len(s.words), max_words):
            out.append(Sentence(s.words[start : start + max_words], s.pages[start : start + max_words], s.starts_item))
    return out


def render(group: list[Sentence]) -> str:
    """Running text, with list items on lines of their own."""
    text = ""
    for sentence in group:
        if text:
            text += "\n" if sentence.starts_item else " "
        text += sentence.text
    return text


def chunk_sections(sections: list[Section], report_key: str, min_words: int = 150, max_words: int = 300) -> list[Chunk]:
    """Chunks in reading order, numbered from 0; ids are stable for the same file.

    A chunk's kind is its section's, unless its own text shows a reference list, a contents list or front
    matter (ingest/apparatus.py).
    """
    chunks: list[Chunk] = []
    for section in sections:
        if section.words < MIN_WORDS_ALONE:
            continue
        for group in pack(sentences(section.lines), min_words, max_words):
            text = render(group)
            pages = [p for s in group for p in s.pages]
            seq = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{report_key}-{seq:05d}",
                    seq=seq,
                    page_start=min(pages),
                    page_end=max(pages),
                    section=passage_kind(section.kind, text, min(pages)),
                    heading=section.heading,
                    lang=detect(text)[0],
                    text=text,
                )
            )
    return chunks
