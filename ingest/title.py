"""A report's title as a reader finds it: the largest text near the top of the cover, read from the layout.

The cover also carries much that is printed large or first and is not the title: the publisher's name,
the programme and grant, "REPORT", the deliverable number alone, addresses, authors, dates, copyright
lines. Those lines are set aside (ingest/cover_lines.py) before the largest remaining block is taken.
A deliverable header with its title ("D5.2: Recommendations for ...") wins over a larger block, which on
such covers is the project's full name; a bare deliverable label ("Deliverable D4.1") hands the title
to the block below it. The PDF's own title field and a "Title:" line on the first pages serve as
fallbacks and as a second opinion that raises the confidence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.cover_lines import DELIVERABLE_TITLE, line_role
from ingest.pdf import LayoutLine, PageLayout
from kb.models import DOUBTFUL_TITLE_BELOW

MAX_TITLE_WORDS = 40
_HYPHEN_AT_END = re.compile(r"(?<=[^\W\d_])[-\u2010\u00ad]$")
_QUOTES = "\"'“”„‟«»‘’‚"
_TITLE_FIELD = re.compile(
    r"^(?:report title|deliverable title|document title|title|titel|rapportens titel)\s*[:\-]?\s+(?P<t>\S.{8,})$",
    re.IGNORECASE,
)
_METADATA_JUNK = re.compile(
    r"(\.(docx?|pdf|indd|odt|rtf|pptx?|xlsx?|tex)\b|_|^untitled|^microsoft|^template|\d{1,2}\.\d{1,2}\.\d{2,4}|\d{8})",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_SENTENCE_ROLES = ("copyright", "funding", "address", "person", "wrapped")  # lines that may wrap onto the next
_FIELD_NAME = re.compile(r"^(title|titel|subject|betreff|ärende|re)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TitleGuess:
    """The title found, a subtitle kept apart, and how sure we are (0-1; below DOUBTFUL_TITLE_BELOW: flag it)."""

    title: str | None
    subtitle: str | None = None
    confidence: float = 0.0
    source: str = "none"  # "layout", "deliverable", "field", "metadata", "text" or "none"

    @property
    def doubtful(self) -> bool:
        return self.confidence < DOUBTFUL_TITLE_BELOW


@dataclass
class Block:
    """Consecutive lines of one size and weight, one under the other: a title wrapped over lines."""

    lines: list[LayoutLine]
    page: int

    @property
    def size(self) -> float:
        return max(line.size for line in self.lines)

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def bottom(self) -> float:
        return self.lines[-1].top + self.lines[-1].size

    @property
    def text(self) -> str:
        return join_lines([line.text for line in self.lines])

    @property
    def words(self) -> int:
        return len(self.text.split())


def join_lines(texts: list[str]) -> str:
    """Lines of a wrapped title as one; a word hyphenated at a line end is joined again."""
    out = ""
    for text in texts:
        if out and _HYPHEN_AT_END.search(out) and text[:1].islower():
            out = out[:-1] + text
        else:
            out = f"{out} {text}" if out else text
    return " ".join(out.split())


def find_title(layout: list[PageLayout], pages: list[str], pdf_title: str | None) -> TitleGuess:
    """The best title we can find, from the layout first, then the "Title:" field and the PDF's title."""
    field = title_field(pages[:3])
    metadata = metadata_title(pdf_title)
    found = layout_title(layout)
    if found is not None and metadata and _printed_on_cover(metadata, layout, pages[0] if pages else ""):
        inside = set(_WORD.findall((found.title or "").casefold())) <= set(_WORD.findall(metadata.casefold()))
        return TitleGuess(metadata, found.subtitle if inside else found.title, 0.9, "metadata")
    if found is not None:
        seconds = [s for s in (field, metadata) if s and _overlap(s, found.title or "") >= 0.5]
        if seconds:
            found = TitleGuess(found.title, found.subtitle, min(1.0, found.confidence + 0.2), found.source)
        if found.confidence >= DOUBTFUL_TITLE_BELOW or not field:
            return found
    if field:
        return TitleGuess(field, None, 0.6, "field")
    if found is not None:
        return found
    if metadata:
        return TitleGuess(metadata, None, 0.4, "metadata")
    first = first_lines_title(pages)
    return TitleGuess(first, None, 0.2, "text") if first else TitleGuess(None)


def layout_title(layout: list[PageLayout]) -> TitleGuess | None:
    """The title from the first page whose layout offers a candidate."""
    if not layout:
        return None
    furniture = _furniture(layout)
    body = _body_size(layout)
    for number, page in enumerate(layout):
        blocks, labels, noise = _blocks(page, number, furniture, body)
        guess = _choose(blocks, labels, noise, body)
        if guess is not None:
            return guess
    return None


def _choose(blocks: list[Block], labels: list[LayoutLine], noise: list[LayoutLine], body: float) -> TitleGuess | None:
    candidates = [b for b in blocks if 2 <= b.words <= MAX_TITLE_WORDS and len(b.lines) <= 6]
    if not candidates:
        return None
    largest = max(b.size for b in candidates)
    deliverables = [b for b in candidates if DELIVERABLE_TITLE.match(b.text) and b.size >= 0.6 * largest]
    # a bare "Deliverable D4.1" or "Chapter I" hands the title to the block below it, if that is prominent:
    # the larger block elsewhere is then the project's full name
    after_label = [
        b for b in candidates if any(_right_below(label, b) for label in labels) and b.size >= max(0.75 * largest, body)
    ]
    if deliverables:
        chosen, source = max(deliverables, key=lambda b: (b.size, -b.top)), "deliverable"
    elif after_label:
        chosen, source = min(after_label, key=lambda b: b.top), "deliverable"
    else:
        chosen, source = _largest(candidates, body), "layout"
    chosen = _with_continuation(chosen, candidates)
    subtitle = _subtitle(chosen, blocks, noise, body)
    confidence = 0.6
    if chosen.size >= 1.3 * body:
        confidence += 0.2
    if source == "deliverable":
        confidence += 0.1
    if chosen.words <= 3:
        confidence -= 0.2
    if chosen.size < body * 1.05 and source == "layout":
        confidence -= 0.3
    return TitleGuess(_clean(chosen.text), subtitle, round(max(0.0, min(1.0, confidence)), 2), source)


def _largest(candidates: list[Block], body: float) -> Block:
    """The largest block; one of three words or fewer yields to a longer, prominent block above it
    (a cover's big "Cost Calculations" or "Fertilizer usage" names the topic; the sentence above is the title).
    Below it, a longer block is its subtitle."""
    ranked = sorted(candidates, key=lambda b: (-b.size, b.top))
    best = ranked[0]
    if best.words > 3:
        return best
    longer = [
        b
        for b in ranked[1:]
        if b.words >= 5
        and b.top < best.top
        and b.page == best.page
        and (b.size >= 1.1 * body or b.lines[0].bold and b.size >= body)
    ]
    return longer[0] if longer else best


def _with_continuation(chosen: Block, candidates: list[Block]) -> Block:
    """A title ending in a colon goes on in the next block of its size ("ACTIVITIES:" / "CATALOGUE OF ...")."""
    if not chosen.text.rstrip().endswith(":"):
        return chosen
    below = [
        b
        for b in candidates
        if b.page == chosen.page and b.top > chosen.top and abs(b.size - chosen.size) <= 0.1 * chosen.size
    ]
    if not below:
        return chosen
    following = min(below, key=lambda b: b.top)
    if following.top - chosen.bottom > 3 * chosen.size:
        return chosen
    return Block(chosen.lines + following.lines, chosen.page)


def _subtitle(chosen: Block, blocks: list[Block], noise: list[LayoutLine], body: float) -> str | None:
    """The block right below the title, smaller than it and larger than the body text, with nothing else
    (an author, a label) between them."""
    below = [
        b
        for b in blocks
        if b.page == chosen.page
        and b.top > chosen.top
        and b.top - chosen.bottom <= 5 * chosen.size
        and all(line not in chosen.lines for line in b.lines)
    ]
    if not below:
        return None
    following = min(below, key=lambda b: b.top)
    if any(chosen.bottom - 1 < line.top < following.top for line in noise):
        return None
    if not 2 <= following.words <= 30 or following.size > chosen.size + 0.1 or following.size < 1.1 * body:
        return None
    return _clean(following.text)


def _right_below(label: LayoutLine, block: Block) -> bool:
    gap = block.top - label.top
    return 0 < gap <= 4 * max(label.size, block.size)


def _blocks(
    page: PageLayout, number: int, furniture: set[tuple[int, str, int]], body: float
) -> tuple[list[Block], list[LayoutLine], list[LayoutLine]]:
    """The page's lines that may belong to a title, grouped into blocks; its bare deliverable and part
    labels; and the lines that are something else (noise)."""
    blocks: list[Block] = []
    labels: list[LayoutLine] = []
    noise: list[LayoutLine] = []
    current: list[LayoutLine] = []
    wrapping: LayoutLine | None = None  # a funding or copyright sentence that may go on in the next line
    for line in _drawn_once(sorted(page.lines, key=lambda ln: (ln.top, ln.x))):
        role = line_role(line.text)
        if (number, _shape(line.text), round(line.top / 4)) in furniture:
            role = "furniture"
        if role is None and wrapping is not None and _continues(wrapping, line):
            role = "wrapped"
        wrapping = line if role in _SENTENCE_ROLES and not line.text.endswith((".", ":")) else None
        if role in ("deliverable", "part"):
            labels.append(line)
        if role is not None:
            if current:
                blocks.append(Block(current, number))
            current = []
            noise.append(line)
            continue
        if current and _continues(current[-1], line):
            current.append(line)
        else:
            if current:
                blocks.append(Block(current, number))
            current = [line]
    if current:
        blocks.append(Block(current, number))
    return blocks, labels, noise


def _drawn_once(lines: list[LayoutLine]) -> list[LayoutLine]:
    """The lines without their copies: some covers draw a title twice, a hair apart, to fake a bold face."""
    kept: list[LayoutLine] = []
    for line in lines:
        if not any(k.text == line.text and abs(k.top - line.top) < 2 and abs(k.x - line.x) < 2 for k in kept[-3:]):
            kept.append(line)
    return kept


def _continues(previous: LayoutLine, line: LayoutLine) -> bool:
    """Whether ``line`` wraps on from ``previous``: the next line down, overlapping it, in the same size.

    A change of weight alone does not end a title: covers set its first line bold and the rest plain.
    """
    size = max(previous.size, line.size)
    return (
        abs(previous.size - line.size) <= max(0.6, 0.08 * size)
        and 0.5 * size < line.top - previous.top <= (2.0 if previous.bold == line.bold else 1.5) * size
        and line.x < previous.right
        and previous.x < line.right
    )


def _furniture(layout: list[PageLayout]) -> set[tuple[int, str, int]]:
    """(page, line) pairs printed at the same place on another of these pages: running headers and footers.

    Pages that repeat each other whole (a cover printed twice) are not furniture to each other.
    """
    found: set[tuple[int, str, int]] = set()
    placed = [{(_shape(line.text), round(line.top / 4)) for line in page.lines} for page in layout]
    for i, mine in enumerate(placed):
        for j, other in enumerate(placed):
            if i == j or not mine:
                continue
            shared = mine & other
            if len(shared) > 0.6 * min(len(mine), len(other) or 1):
                continue
            found |= {(i, text, place) for text, place in shared}
    return found


def _body_size(layout: list[PageLayout]) -> float:
    """The size most of the text on these pages is set in."""
    sizes: Counter[float] = Counter()
    for page in layout:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.casefold())


def _clean(text: str) -> str:
    """Without the quotes around it, or a "Title:" or "Subject:" before it."""
    text = _FIELD_NAME.sub("", text.strip())
    while len(text) > 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    if text[:1] in _QUOTES and sum(text.count(q) for q in _QUOTES) == 1:
        text = text[1:].strip()
    return text


def _printed_on_cover(title: str, layout: list[PageLayout], cover_text: str) -> bool:
    """Whether the cover prints every word of ``title`` and one of its prominent blocks shares most of them.

    The title field a report's author typed ("GreenFleet BSR - Final report") is then the cover's title,
    put together from its lines; a field left from a template or another document fails this.
    """
    printed = set(re.findall(r"\w+", cover_text.casefold()))
    words = re.findall(r"\w+", title.casefold())
    if not words or any(w not in printed for w in words):
        return False
    body = _body_size(layout)
    blocks = [b for b in _blocks(layout[0], 0, set(), body)[0] if b.size >= 1.1 * body]
    return any(_overlap(title, b.text) >= 0.5 or b.text.casefold() in title.casefold() for b in blocks)


def title_field(pages: list[str]) -> str | None:
    """The value of a "Title:" line on the first pages, with the line it wraps onto."""
    for page in pages:
        lines = [" ".join(line.split()) for line in page.splitlines()]
        for i, line in enumerate(lines):
            match = _TITLE_FIELD.match(line)
            if not match or len(_WORD.findall(match.group("t"))) < 2:
                continue
            title = match.group("t")
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if len(line) >= 60 and following and ":" not in following[:30] and len(following.split()) <= 8:
                title = join_lines([title, following])
            if line_role(title) is None:
                return title[:300]
    return None


def metadata_title(pdf_title: str | None) -> str | None:
    """The PDF's own title field when it is a title, not a file name, a template's or a word processor's."""
    if not pdf_title:
        return None
    title = re.sub(r"^microsoft (word|powerpoint) - ", "", " ".join(pdf_title.split()), flags=re.IGNORECASE)
    title = re.sub(r"\.(docx?|pdf|odt)$", "", title, flags=re.IGNORECASE)
    if _METADATA_JUNK.search(title) or len(_WORD.findall(title)) < 3 or line_role(title) is not None:
        return None
    return title[:300]


def first_lines_title(pages: list[str]) -> str | None:
    """Without layout or fields: the first line of the first page that could be a title."""
    for page in pages[:2]:
        for raw in page.splitlines()[:30]:
            line = " ".join(raw.split())
            if 3 <= len(line.split()) <= 20 and len(_WORD.findall(line)) >= 2 and line_role(line) is None:
                return line[:300]
    return None


def _overlap(a: str, b: str) -> float:
    """Token F1 between two titles, on folded words."""
    ta, tb = [w.casefold() for w in _WORD.findall(a)], [w.casefold() for w in _WORD.findall(b)]
    common = sum((Counter(ta) & Counter(tb)).values())
    if not common:
        return 0.0
    return 2 * common / (len(ta) + len(tb))
