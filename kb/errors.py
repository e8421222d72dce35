"""The project's exceptions: callers catch these, never a library's own types."""


class KBError(Exception):
    """Base class for every error the knowledge base reports to a user."""


class SettingsError(KBError):
    """A setting has a value the knowledge base cannot work with."""


class ModelError(KBError):
    """The embedding model cannot be built, loaded or used."""


class CatalogError(KBError):
    """The catalog database is unusable or refused an operation."""


class DiskFull(KBError):
    """The disk holding the data directory is full: writes are refused, reads go on (web: 507)."""


class WriterBusyError(KBError):
    """Another process is already writing to this data directory."""


class VectorIndexError(KBError):
    """The vector index is unusable or disagrees with the catalog."""


class IndexDamaged(VectorIndexError):
    """The embedded vector index cannot be read (damaged or half-written files); it is rebuilt from the catalog."""


class IndexUnavailable(VectorIndexError):
    """The vector index is being rebuilt from the catalog; search is back when it is done."""


class ReportNotFound(KBError):
    """No report has the given id."""


REJECTION_REASONS = {
    "not_pdf": "not a PDF",
    "encrypted": "encrypted",
    "no_text": "no text layer",
    "too_large": "too large",
    "too_many_pages": "too many pages",
    "broken": "broken file",
    "timeout": "took too long",
}


class ReportRejected(KBError):
    """A file cannot be ingested; ``reason`` is one of ``REJECTION_REASONS``."""

    def __init__(self, reason: str, detail: str = ""):
        if reason not in REJECTION_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        self.reason = reason
        self.detail = detail
        super().__init__(REJECTION_REASONS[reason] + (f": {detail}" if detail else ""))

    @property
    def label(self) -> str:
        return REJECTION_REASONS[self.reason]


class AccountError(KBError):
    """An account cannot be created, changed or used as asked."""
