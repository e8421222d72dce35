"""Read every file of a folder of broken PDFs the way ingestion does; print counts, slowest file, peak memory.

Usage: python benchmarks/malformed.py [../shared/corpus/malformed]
Each file is read in the sandboxed child (memory, CPU and wall limits) and cut into chunks; nothing is
embedded or stored. Peak memory is the largest resident size any child reached.
"""

from __future__ import annotations

import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.pipeline import analyse  # noqa: E402
from kb.errors import ReportRejected  # noqa: E402
from kb.settings import Settings  # noqa: E402


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "malformed"
    settings = Settings.from_env(data_dir=ROOT / ".cache" / "bench-malformed")
    outcomes: Counter[str] = Counter()
    slowest = (0.0, "")
    started = time.perf_counter()
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for path in files:
        began = time.perf_counter()
        try:
            analyse(path, settings)
            outcomes["ingested"] += 1
        except ReportRejected as exc:
            outcomes[exc.label] += 1
        elapsed = time.perf_counter() - began
        slowest = max(slowest, (elapsed, path.name))
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{len(files)} files in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{n} {what}" for what, n in outcomes.most_common())
    )
    print(
        f"slowest: {slowest[1]} ({slowest[0]:.1f} s); peak memory of a reader: {peak_mib:.0f} MiB "
        f"(limit {settings.parse_memory_mb} MiB)"
    )


if __name__ == "__main__":
    main()
