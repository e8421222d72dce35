"""The domain package stays free of web and PDF libraries."""

from __future__ import annotations

import subprocess
import sys


def test_kb_imports_no_pdf_reader_fastapi_or_jinja():
    """Importing every kb module pulls in neither the PDF reader, fastapi, jinja2 nor click."""
    code = (
        "import pkgutil, importlib, sys, kb\n"
        "for m in pkgutil.walk_packages(kb.__path__, 'kb.'): importlib.import_module(m.name)\n"
        "print(sorted(x for x in ('pypdfium2', 'fastapi', 'jinja2', 'click') if x in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_ingest_does_not_import_the_pdf_reader_in_the_parent():
    """PDFium is only loaded in the sandboxed child, never by the process that ingests."""
    code = "import sys, ingest.pipeline, ingest.sandbox; print('pypdfium2' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
