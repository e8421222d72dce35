"""Schemathesis over the app's OpenAPI schema: no 500, no response outside its schema, no stack trace."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import positive_data_acceptance

from web.app import create_app

MAX_EXAMPLES = 30  # per operation: enough to find the classic failures, small enough for CI


def test_every_api_operation_conforms_to_its_schema(tmp_path, indexed_settings, embedder):
    """Every generated request gets a documented status and a body matching the schema, never a 500 or a trace."""
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    app = create_app(replace(indexed_settings, data_dir=data, max_file_mb=1, parse_timeout_s=10.0), embedder)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # runs the app's lifespan itself
    examples: Counter[str] = Counter()
    try:
        _fuzz(schema, examples)
    finally:
        shutdown_lifespans()  # closes the store the lifespan opened
    print("schemathesis examples:", dict(examples), "total", sum(examples.values()))
    assert len(examples) == 5 and all(n >= 5 for n in examples.values())


def _fuzz(schema, examples: Counter[str]) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            # An upload's content is checked by signature, which no schema can say: a generated file is
            # well formed yet refused (400 "not a PDF"), so acceptance of valid data is not checked there.
            excluded = [positive_data_acceptance] if case.operation.path == "/api/uploads" else []
            response = case.call_and_validate(excluded_checks=excluded)
            assert "Traceback" not in response.text and 'File "' not in response.text
            examples[case.operation.label] += 1

        conforms()
