"""Collections (reading paths): order, introductions, read marks and readers who finished."""

from __future__ import annotations

import sqlite3

import pytest

from kb.catalog.database import Catalog
from kb.errors import KBError
from kb.library import collections as paths
from kb.models import Chunk, Contact, NewReport, ReportMeta


def _chunk(seq: int) -> Chunk:
    return Chunk(f"c-{seq}", seq, seq + 1, seq + 1, "lessons", "Lärdomar", "sv", f"Lärdom nummer {seq}.")


@pytest.fixture
def catalog(settings):
    opened = Catalog.open(settings)
    opened.add_report(
        1,
        NewReport(
            sha256="a" * 64,
            filename="a.pdf",
            meta=ReportMeta(title="Elbussar"),
            pages=3,
            lang="sv",
            chunks=[_chunk(0), _chunk(1), _chunk(2)],
            contacts=[Contact("Anna Lindqvist", "Projektledare", "Norrvik", "anna@norrvik.example.org", None, 3)],
        ),
    )
    yield opened
    opened.close()


def _path(catalog: Catalog) -> tuple[int, list[int]]:
    cid = paths.create(catalog, "EU-introduktion för nya medarbetare", "Börja här.")
    items = [paths.add_item(catalog, cid, "passage", f"c-{i}") for i in range(3)]
    return cid, items


def test_items_keep_their_order_and_can_be_moved(catalog):
    """Items come back in the order added; moving the last one up swaps it with the one above."""
    cid, (a, b, c) = _path(catalog)
    assert [i.id for i in paths.get(catalog, cid).items] == [a, b, c]
    paths.move_item(catalog, cid, c, -1)
    assert [i.id for i in paths.get(catalog, cid).items] == [a, c, b]


def test_every_kind_of_item_resolves_with_its_introduction(catalog):
    """A passage shows its text and page, a report its title, a contact the person; introductions are kept."""
    cid = paths.create(catalog, "Upphandling i EU-projekt")
    passage = paths.add_item(catalog, cid, "passage", "c-1", "Läs detta innan du skriver din första ansökan")
    paths.add_item(catalog, cid, "report", "1")
    paths.add_item(catalog, cid, "contact", paths.contact_ref(1, "anna@norrvik.example.org", "Anna Lindqvist"))
    items = paths.get(catalog, cid).items
    assert [(i.kind, i.title) for i in items] == [
        ("passage", "Elbussar"),
        ("report", "Elbussar"),
        ("contact", "Anna Lindqvist"),
    ]
    assert items[0].intro == "Läs detta innan du skriver din första ansökan" and items[0].page == 2
    assert items[0].id == passage and items[0].text == "Lärdom nummer 1."


def test_adding_the_same_item_twice_keeps_one(catalog):
    """A second click on "add" for the same passage returns the item already there."""
    cid, items = _path(catalog)
    assert paths.add_item(catalog, cid, "passage", "c-0") == items[0]
    assert paths.summary(catalog, cid).item_count == 3


def test_an_unknown_target_is_refused(catalog):
    """A passage id that is not in the catalog is refused with a clear message, and nothing is added."""
    cid, _ = _path(catalog)
    with pytest.raises(KBError, match="no passage 'nope'"):
        paths.add_item(catalog, cid, "passage", "nope")
    assert paths.summary(catalog, cid).item_count == 3


def test_finished_counts_readers_who_read_every_item(catalog):
    """One reader who read all three items has finished; one who read two has not; a new item resets it."""
    cid, items = _path(catalog)
    for item in items:
        paths.mark_read(catalog, cid, item, "reader-a")
    paths.mark_read(catalog, cid, items[0], "reader-b")
    paths.mark_read(catalog, cid, items[1], "reader-b")
    assert paths.summary(catalog, cid).finished == 1
    assert paths.read_items(catalog, cid, "reader-b") == set(items[:2])
    paths.mark_read(catalog, cid, items[1], "reader-b", read=False)
    assert paths.read_items(catalog, cid, "reader-b") == {items[0]}
    paths.add_item(catalog, cid, "report", "1")
    assert paths.summary(catalog, cid).finished == 0


def test_a_deleted_report_leaves_its_items_unavailable(catalog):
    """When the report behind an item is deleted, the item stays, marked unavailable."""
    cid, _ = _path(catalog)
    catalog.delete_report(1)
    assert [i.available for i in paths.get(catalog, cid).items] == [False, False, False]


def test_erasing_a_person_removes_their_contact_items(catalog):
    """forget_contact (called on erasure) removes the items that point at the person's e-mail address."""
    cid = paths.create(catalog, "Kontakter")
    paths.add_item(catalog, cid, "contact", "1:anna@norrvik.example.org")
    assert paths.forget_contact(catalog, "ANNA@norrvik.example.org") == 1
    assert paths.get(catalog, cid).items == []


def test_item_of_another_collection_is_not_found(catalog):
    """An item id must belong to the collection named in the address."""
    cid, items = _path(catalog)
    other = paths.create(catalog, "Annan")
    with pytest.raises(paths.CollectionNotFound):
        paths.mark_read(catalog, other, items[0], "reader-a")


def test_a_name_is_required(catalog):
    """A collection without a name is refused."""
    with pytest.raises(KBError, match="needs a name"):
        paths.create(catalog, "   ")


def test_drafts_cannot_be_added_and_an_unpublished_report_hides_its_items(catalog):
    """A draft's passages, report and contacts cannot be added; a report set back to draft leaves its items
    unavailable, so a collection never shows readers what only the uploader and admins may see."""
    catalog.add_report(
        2,
        NewReport(
            sha256="b" * 64,
            filename="b.pdf",
            meta=ReportMeta(title="Utkast"),
            pages=1,
            lang="sv",
            chunks=[Chunk("d-0", 0, 1, 1, "lessons", "Lärdomar", "sv", "Ett utkast.")],
            contacts=[Contact("Bo Ek", None, None, "bo@example.org", None, 1)],
            status="draft",
        ),
    )
    cid = paths.create(catalog, "Utkast syns inte")
    for kind, ref in (("passage", "d-0"), ("report", "2"), ("contact", "2:bo@example.org")):
        with pytest.raises(KBError, match="There is no"):
            paths.add_item(catalog, cid, kind, ref)
    cid, _ = _path(catalog)
    with sqlite3.connect(catalog.path) as direct:  # the report goes back to being a draft
        direct.execute("UPDATE reports SET status = 'draft' WHERE id = 1")
    assert [i.available for i in paths.get(catalog, cid).items] == [False, False, False]
