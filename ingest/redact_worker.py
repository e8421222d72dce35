"""Child process entry point for a redaction: limit yourself, write the redacted copy, answer in JSON on stdout."""

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

    from ingest.redaction import person_pattern, redact
    from kb.errors import ReportRejected

    pattern = person_pattern(request["literals"], request["patterns"])
    try:
        answer = {"status": "ok", **redact(Path(request["path"]), Path(request["target"]), pattern)}
    except ReportRejected as exc:
        answer = {"status": "error", "reason": exc.reason, "detail": exc.detail}
    except MemoryError:
        os._exit(3)
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
