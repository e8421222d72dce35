"""Precision and recall of partner and contact extraction against hand-written expectations.

Usage: python benchmarks/partners.py   (reads tests/fixtures/partners_expected.json; corpus files
are looked up in ../shared/corpus/reports and skipped when absent)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.partners import extract  # noqa: E402
from ingest.sandbox import read_pdf  # noqa: E402
from kb.settings import Settings  # noqa: E402

EXPECTED_FILE = ROOT / "tests" / "fixtures" / "partners_expected.json"


def source(key: str) -> Path:
    folder, name = key.split("/", 1)
    return ROOT / "samples" / name if folder == "samples" else ROOT.parent / "shared" / "corpus" / "reports" / name


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("-", "").split())


def score(path: Path, expected: dict, settings: Settings) -> dict[str, tuple[int, int, int]]:
    """(correct, found, expected) for partners (name and country) and contacts (name and e-mail)."""
    partners, contacts = extract(read_pdf(path, settings).pages)
    want_p = {(_norm(n), c) for n, c in expected["partners"]}
    got_p = {(_norm(p.name), p.country) for p in partners}
    want_c = {(_norm(n), e.lower()) for n, e in expected["contacts"]}
    got_c = {(_norm(c.name), (c.email or "").lower()) for c in contacts}
    return {
        "partners": (len(want_p & got_p), len(got_p), len(want_p)),
        "contacts": (len(want_c & got_c), len(got_c), len(want_c)),
    }


def main() -> None:
    expected = {k: v for k, v in json.loads(EXPECTED_FILE.read_text(encoding="utf-8")).items() if "/" in k}
    settings = Settings.from_env(data_dir=ROOT / ".cache" / "bench-partners")
    totals = {"partners": [0, 0, 0], "contacts": [0, 0, 0]}
    for key, want in expected.items():
        path = source(key)
        if not path.exists():
            print(f"skipped {key} (not available)")
            continue
        figures = score(path, want, settings)
        for kind, (hit, found, wanted) in figures.items():
            totals[kind] = [a + b for a, b in zip(totals[kind], (hit, found, wanted), strict=True)]
        print(f"{key[:70]:<72} partners {figures['partners']}  contacts {figures['contacts']}")
    for kind, (hit, found, wanted) in totals.items():
        precision, recall = hit / max(found, 1), hit / max(wanted, 1)
        print(f"{kind}: precision {precision:.2f} ({hit}/{found}), recall {recall:.2f} ({hit}/{wanted})")


if __name__ == "__main__":
    main()
