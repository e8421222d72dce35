"""Many searchers at once over HTTP against a running `kb serve`: idle, then while a long report is embedded.

Usage: python benchmarks/load.py [--clients 20] [--seconds 60] [--report PDF] [--queries ../shared/eval/queries.jsonl]
Starts `kb serve` on the sample reports in a temporary data directory, logs ``--clients`` readers in (a
session each) and has each ask /api/search, one question after another, for ``--seconds``. Then an editor
uploads ``--report`` (default: CWPharma's 108-page take-back report from ../shared, else a generated
108-page one) and the searchers run again while it is read and embedded. Prints requests per second, p50,
p95 and max latency and the errors of both phases: the figures of the outside probe in issue #17 (31.6 req/s,
p95 917 ms idle; 17.2 req/s, p95 1.6 s while embedding; no errors), to be measured again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import client, start  # noqa: E402
from tests.pdfs import text_pdf  # noqa: E402

REPORT = (
    ROOT.parent
    / "shared/corpus/reports/en_Interreg-BSR_CWPharma_Good-practices-take-back-unused-pharmaceuticals_SYKE_2020.pdf"
)
FALLBACK = [
    "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?",
    "Hur minskar vi läkemedelsrester i avloppsvatten?",
    "bredband på landsbygden med fiberföreningar",
    "digital support in home care for older people",
]


def questions(path: Path) -> list[str]:
    if not path.exists():
        return FALLBACK
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def phase(url: str, clients: int, seconds: float, asked: list[str], busy: threading.Event | None = None) -> dict:
    """``clients`` threads searching for ``seconds`` (or while ``busy`` is set); latencies and errors."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sessions = [client(url, 120, role="reader") for _ in range(clients)]
    opened = [s.__enter__() for s in sessions]
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    def search(session: httpx.Client, offset: int) -> None:
        n = offset
        while time.monotonic() < deadline and (busy is None or busy.is_set()):
            began = time.perf_counter()
            try:
                answer = session.get("/api/search", params={"q": asked[n % len(asked)]})
                ok = answer.status_code == 200
                failure = "" if ok else f"{answer.status_code} {answer.text[:80]}"
            except httpx.HTTPError as exc:
                failure = type(exc).__name__
            with lock:
                times.append((time.perf_counter() - began) * 1000)
                if failure:
                    errors.append(failure)
            n += 1

    threads = [threading.Thread(target=search, args=(s, i * 7)) for i, s in enumerate(opened)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for session in sessions:
        session.__exit__(None, None, None)
    ordered = sorted(times) or [0.0]
    return {
        "requests": len(times),
        "per_second": len(times) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": ordered[-1],
        "errors": len(errors),
        "first_errors": errors[:3],
        "seconds": elapsed,
    }


def upload_and_wait(url: str, report: Path, busy: threading.Event, verdict: list[str]) -> None:
    with client(url, 600, role="editor") as session:
        sent = session.post("/api/uploads", files={"file": (report.name, report.read_bytes(), "application/pdf")})
        job = sent.json()
        busy.set()
        while job.get("state") not in ("done", "failed", "duplicate"):
            time.sleep(0.5)
            job = session.get(f"/api/jobs/{job['id']}").json()
        verdict.append(f"{job.get('state')} {job.get('message', '')}".strip())
        busy.clear()


def _line(figures: dict) -> str:
    return json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared/eval/queries.jsonl")
    args = parser.parse_args()
    asked = questions(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        report = args.report
        if not report.exists():
            page = "5 Lessons learned\n" + "Take-back campaigns need regular follow-up and a clear message. " * 40
            report = text_pdf(Path(tmp) / "long.pdf", ["A long report"] + [page] * 107)
        process, url = start(Path(tmp) / "data")
        try:
            idle = phase(url, args.clients, args.seconds, asked)
            print("idle:", _line(idle))
            busy, verdict = threading.Event(), []
            uploader = threading.Thread(target=upload_and_wait, args=(url, report, busy, verdict))
            uploader.start()
            while not busy.is_set() and uploader.is_alive():
                time.sleep(0.1)
            loaded = phase(url, args.clients, args.seconds, asked, busy)
            uploader.join()
            print(
                "while embedding:",
                json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in loaded.items()}),
            )
            print(f"upload of {report.name}: {verdict[0] if verdict else 'no answer'}")
        finally:
            process.terminate()
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
