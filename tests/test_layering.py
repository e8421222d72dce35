"""The domain package stays free of web and PDF libraries."""

from __future__ import annotations

import subprocess
import sys


def test_kb_imports_no_pypdf_fastapi_or_jinja():
    """Importing every kb module pulls in neither pypdf, fastapi, jinja2 nor click."""
    code = (
        "import pkgutil, importlib, sys, kb\n"
        "for m in pkgutil.iter_modules(kb.__path__): importlib.import_module('kb.' + m.name)\n"
        "print(sorted(x for x in ('pypdf', 'fastapi', 'jinja2', 'click') if x in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_ingest_does_not_import_pypdf_in_the_parent():
    """pypdf is only imported in the sandboxed child, never by the process that ingests."""
    code = "import sys, ingest.pipeline; print('pypdf' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
