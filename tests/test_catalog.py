"""The catalog hands out large sets of chunks a page at a time, complete and in order."""

from __future__ import annotations

from kb.catalog.database import Catalog
from kb.models import Chunk, NewReport, ReportMeta


def test_every_chunk_comes_back_once_in_order_across_pages(settings):
    """1,203 chunks over three reports (pages of 500): none lost or repeated, in report and seq order."""
    catalog = Catalog.open(settings)
    try:
        for report_id, count in ((1, 401), (2, 500), (3, 302)):
            chunks = [
                Chunk(f"r{report_id}-{seq}", seq, seq, seq, "other", "", "en", f"Passage {seq} of {report_id}.")
                for seq in range(count)
            ]
            catalog.add_report(
                report_id,
                NewReport(
                    sha256=str(report_id) * 64,
                    filename=f"{report_id}.pdf",
                    meta=ReportMeta(title=str(report_id)),
                    pages=count,
                    lang="en",
                    chunks=chunks,
                ),
            )
        listed = [(rid, c.seq) for rid, c in catalog.iter_chunks()]
        assert listed == [(rid, seq) for rid, count in ((1, 401), (2, 500), (3, 302)) for seq in range(count)]
        wanted = [f"r2-{seq}" for seq in range(0, 500, 3)] + ["r3-301", "no-such-chunk"]
        assert sorted(c.id for _, c in catalog.iter_chunks(wanted)) == sorted(wanted[:-1])
    finally:
        catalog.close()


def test_processes_check_the_schema_one_at_a_time(settings):
    """While another process holds the schema lock (migrating an old catalog), opening waits for it
    instead of altering the same tables at the same time."""
    import fcntl
    import threading

    Catalog.open(settings).close()
    lock = settings.catalog_path.with_name(settings.catalog_path.name + ".schema-lock")
    opened: list[Catalog] = []
    with open(lock, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = threading.Thread(target=lambda: opened.append(Catalog.open(settings)))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and not opened
        fcntl.flock(held, fcntl.LOCK_UN)
    waiting.join(timeout=30)
    assert len(opened) == 1
    opened[0].close()


def test_the_subtitle_and_the_titles_confidence_are_kept_until_a_person_reviews_the_title(settings):
    """A doubtful title read at ingest stays flagged in the catalog; saving the review form clears the flag."""
    catalog = Catalog.open(settings)
    try:
        read = ReportMeta(title="Notes from the meeting", subtitle="Working group on buses", title_confidence=0.3)
        catalog.add_report(1, NewReport(sha256="1" * 64, filename="1.pdf", meta=read, pages=1, lang="en", chunks=[]))
        stored = catalog.report(1).meta
        catalog.update_report(1, ReportMeta(title="Working group on buses: notes"), None, None)
        reviewed = catalog.report(1).meta
        assert (stored.subtitle, stored.title_doubtful) == ("Working group on buses", True)
        assert (reviewed.subtitle, reviewed.title_doubtful) == ("Working group on buses", False)
    finally:
        catalog.close()
