"""Reading reports: PDF text and layout (PDFium, in a sandboxed child), sections, passages, metadata, people.
Public entry points for web/ and the CLI: ingest.pipeline, ingest.registers, ingest.register_csv, ingest.erasure
and ingest.sandbox.starts_like_pdf; everything else is internal. It imports kb, never web."""
