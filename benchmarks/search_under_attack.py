"""Search latency over HTTP against a running `kb serve`, idle and while hostile PDFs are being uploaded and read.

Usage: python benchmarks/search_under_attack.py [--queries ../shared/eval/queries.jsonl] [--n 60]
The attack keeps the upload queue busy with files that keep a reader busy until its time limit,
decompression bombs and a thousand empty pages; searches run meanwhile. Prints p50, p95 and max
for both, and how many searches ran while a hostile file was being read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import client, start  # noqa: E402
from tests.pdfs import raw_pdf, slow_pdf  # noqa: E402

FALLBACK = [
    "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?",
    "Hur minskar vi läkemedelsrester i avloppsvatten?",
    "bredband på landsbygden med fiberföreningar",
    "digital support in home care for older people",
]


def hostile_files(folder: Path) -> list[Path]:
    bomb = zlib.compress(b"0" * (200 * 1024 * 1024), 9)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"
    stream = f"<< /Length {len(bomb)} /Filter /FlateDecode >>\nstream\n".encode() + bomb + b"\nendstream"
    (folder / "bomb.pdf").write_bytes(
        raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, stream])
    )
    kids = " ".join(f"{n} 0 R" for n in range(3, 1003)).encode()
    empty = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count 1000 >>"]
    empty += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * 1000
    (folder / "empty.pdf").write_bytes(raw_pdf(empty))
    return [slow_pdf(folder / "slow.pdf"), folder / "bomb.pdf", folder / "empty.pdf"]


def measure(session: httpx.Client, queries: list[str], n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        answer = session.get("/api/search", params={"q": queries[i % len(queries)]})
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return times


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


class Attack(threading.Thread):
    """Uploads hostile files one after another (each with new bytes, so none is a duplicate)."""

    def __init__(self, url: str, files: list[Path]):
        super().__init__(daemon=True)
        self.url, self.files = url, files
        self.stop = threading.Event()
        self.reading = threading.Event()
        self.verdicts: list[str] = []

    def run(self) -> None:
        with client(self.url, 180) as session:
            n = 0
            while not self.stop.is_set():
                path = self.files[n % len(self.files)]
                body = path.read_bytes() + f"\n% {n}\n".encode()
                n += 1
                answer = session.post("/api/uploads", files={"file": (path.name, body, "application/pdf")})
                if answer.status_code != 202:
                    time.sleep(0.5)
                    continue
                job = answer.json()
                while job["state"] not in ("done", "failed", "duplicate"):
                    (self.reading.set if job["state"] == "reading" else self.reading.clear)()
                    time.sleep(0.05)
                    job = session.get(f"/api/jobs/{job['id']}").json()
                self.reading.clear()
                self.verdicts.append(f"{path.name}: {job['message'] or job['state']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "eval" / "queries.jsonl")
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    queries = FALLBACK
    if args.queries.is_file():
        from kb.search.evaluation import load_queries

        queries = [q.text for q in load_queries(args.queries)]
    with tempfile.TemporaryDirectory(prefix="kb-attack-") as tmp:
        process, url = start(Path(tmp) / "data")
        try:
            files = hostile_files(Path(tmp))
            with client(url, 120) as session:
                measure(session, queries, 5)  # warm up
                idle = measure(session, queries, args.n)
                attack = Attack(url, files)
                attack.start()
                attack.reading.wait(timeout=120)
                during, while_reading = [], 0
                for i in range(args.n):
                    reading = attack.reading.is_set()
                    during += measure(session, queries[i % len(queries) :] + queries, 1)
                    while_reading += reading
                attack.stop.set()
                attack.join(timeout=200)
        finally:
            process.terminate()
            process.wait(timeout=60)
    print(f"search, idle: {figures(idle)} ({len(idle)} queries)")
    print(f"search, hostile uploads in progress: {figures(during)} ({while_reading} of {len(during)} during a read)")
    print(f"hostile uploads processed meanwhile: {len(attack.verdicts)}: {', '.join(sorted(set(attack.verdicts)))}")
    print(f"server alive throughout: {process.returncode in (0, -15)}")


if __name__ == "__main__":
    main()
