"""Child process entry point: limit yourself, read one PDF, answer in JSON on stdout."""

from __future__ import annotations

import json
import os
import resource
import sys


def main() -> int:
    request = json.loads(sys.stdin.read())
    memory = int(request["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (int(request["cpu_s"]), int(request["cpu_s"]) + 1))
    os.nice(int(request.get("niceness", 0)))
    from pathlib import Path

    from ingest.pdf import Limits, extract_pages
    from kb.errors import ReportRejected

    try:
        text = extract_pages(Path(request["path"]), Limits(int(request["max_pages"]), int(request["max_chars"])))
        answer = {
            "status": "ok",
            "pages": text.pages,
            "title": text.title,
            "layout": [page.as_json() for page in text.layout],
            "niceness": os.nice(0),
        }
    except ReportRejected as exc:
        answer = {"status": "error", "reason": exc.reason, "detail": exc.detail}
    except MemoryError:
        os._exit(3)
    try:
        sys.stdout.write(json.dumps(answer))
        sys.stdout.flush()
    except MemoryError:
        os._exit(3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
