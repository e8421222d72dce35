"""Text per page with pypdf: the only module that imports it. Runs inside the sandbox child."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ReportRejected


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_chars: int


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    title: str | None


def extract_pages(path: Path, limits: Limits) -> PdfText:
    """Every page's text (1-based page N is ``pages[N-1]``); any pypdf failure becomes ReportRejected."""
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    try:
        from pypdf import PdfReader
        from pypdf.errors import FileNotDecryptedError, PdfReadError

        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ReportRejected("encrypted", "the PDF needs a password")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise ReportRejected("encrypted", str(exc)) from exc
        count = len(reader.pages)
        if count > limits.max_pages:
            raise ReportRejected("too_many_pages", f"{count} pages, the limit is {limits.max_pages}")
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            try:
                text = page.extract_text() or ""
            except MemoryError:
                raise
            except RecursionError:
                text = ""
            except Exception:  # noqa: BLE001 - one unreadable page must not lose the others
                text = ""
            total += len(text)
            if total > limits.max_chars:
                raise ReportRejected("too_large", f"more than {limits.max_chars:,} characters of text")
            pages.append(text)
        return PdfText(pages=pages, title=_title(reader))
    except ReportRejected:
        raise
    except MemoryError as exc:
        raise ReportRejected("too_large", "reading it needs more memory than allowed") from exc
    except FileNotDecryptedError as exc:
        raise ReportRejected("encrypted", str(exc)) from exc
    except PdfReadError as exc:
        raise ReportRejected("broken", str(exc)[:200]) from exc
    except RecursionError as exc:
        raise ReportRejected("broken", "its structure nests too deeply") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises plain TypeError/KeyError/... on broken files
        raise ReportRejected("broken", f"{type(exc).__name__}: {str(exc)[:200]}") from exc


def _title(reader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta else None
    except Exception:  # noqa: BLE001 - a broken info dictionary only costs us the title
        return None
    return str(title).strip() if title else None
