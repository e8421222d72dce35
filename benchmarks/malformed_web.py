"""Upload every file of a folder of broken PDFs through a running `kb serve` (real HTTP on loopback).

Usage: python benchmarks/malformed_web.py [../shared/corpus/malformed]
Prints the verdicts (stored as drafts, or a listed reason), the slowest file from upload to verdict,
the peak memory of the server and of its reader children, whether the server ever went down, and
whether a stored report's search results are the same before and after.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import MemoryWatch, client, start  # noqa: E402
from tests.upload_corpus import VERDICTS, search_snapshot, upload_and_wait  # noqa: E402

QUERY = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "malformed"
    files = sorted(p for p in folder.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory(prefix="kb-malformed-web-") as tmp:
        process, url = start(Path(tmp) / "data")
        watch = MemoryWatch(process.pid)
        verdicts: Counter[str] = Counter()
        slowest, slowest_read, unlisted, crashes = (0.0, ""), (0.0, ""), [], 0
        started = time.perf_counter()
        try:
            with client(url, 180) as session, client(url, 180, role="reader") as staff:
                before = search_snapshot(staff, QUERY)  # what staff see: published reports, not the new drafts
                for number, path in enumerate(files, start=1):
                    verdict, read, seconds = upload_and_wait(session, path)
                    verdicts[verdict] += 1
                    slowest = max(slowest, (seconds, path.name))
                    slowest_read = max(slowest_read, (read, path.name))
                    if verdict not in VERDICTS:
                        unlisted.append((path.name, verdict))
                    if process.poll() is not None:
                        crashes += 1
                        break
                    if number % 25 == 0:
                        print(
                            f"{number}/{len(files)} files, {time.perf_counter() - started:.0f} s: {dict(verdicts)}; "
                            f"slowest reading {slowest_read[0]:.1f} s, server peak {watch.server_peak_kib >> 10} MiB, "
                            f"reader peak {watch.child_peak_kib >> 10} MiB",
                            flush=True,
                        )
                after = search_snapshot(staff, QUERY)
        finally:
            watch.stop()
            server_peak = watch.server_peak_kib
            process.terminate()
            process.wait(timeout=60)
    print(
        f"{len(files)} files through the web upload in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{n} {what}" for what, n in verdicts.most_common())
    )
    print(
        f"slowest reading: {slowest_read[1]} ({slowest_read[0]:.1f} s); slowest from upload to verdict "
        f"(with embedding): {slowest[1]} ({slowest[0]:.1f} s); server crashes: {crashes}"
    )
    print(
        f"peak memory: server {server_peak / 1024:.0f} MiB, a reader child {watch.child_peak_kib / 1024:.0f} MiB "
        "(sampled every 50 ms)"
    )
    print(f"verdicts outside the listed reasons: {unlisted or 'none'}")
    passages = lambda snapshot: {cid for _, ids in snapshot for cid in ids}  # noqa: E731
    print(
        f"published search results unchanged: {before == after} ({len(before)} reports in the answer); "
        f"the same passages: {passages(before) == passages(after)} ({len(passages(before))} before, "
        f"{len(passages(after))} after, {len(passages(before) & passages(after))} in both)"
    )


if __name__ == "__main__":
    main()
