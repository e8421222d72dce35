"""What the reading understands of each report, measured offline from the PDFs.

Usage: python benchmarks/understanding.py [--shared ../shared] [--only titles,kinds,...] [--verbose] [--out FILE]

- titles: token F1 >= 0.6 between our title and the publisher's, for the 38 archive reports of
  SHARED/corpus/archive (gold.json), with score_metadata.py's own f1 (imported from SHARED/eval).
- kinds: share of the hand-labelled passages of eval/passage_kinds.jsonl whose stored chunk has the
  labelled section kind; the chunk is the one holding the label's first words on its page.
- authors: the publisher's authors (by surname) found among the report's contacts and people, as
  score_metadata.py counts them.
- projects-precision / projects-recall: over pairs of archive reports, same publisher project <-> same
  project key (the analysis' project id when there is one, else its acronym), as score_metadata.py counts.
- partners-recall / partners-precision, contacts-recall / contacts-precision: against
  SHARED/eval/partners_gold.json with score_partners.py's own matching (``same``), offline.

Every figure is given for the tuning half, the checking half and both. The halves split by PROJECT, so that
rules tuned on one project's house style are checked on other projects: a project is in the tuning half
when crc32 of its slug is even (``split_of``), fixed before any figure was measured.

More measures plug in beside these: write ``def measure_x(readings: list[Reading], shared: Path,
verbose: bool) -> dict[str, Figures]`` (keys "tune", "check", "all") and add it to MEASURES. The people,
partner and project measures read ``Analysis.contacts``/``partners`` and, once they exist, ``people`` and
``project_id`` (by getattr), so they follow the pipeline as it grows.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.pipeline import Analysis, analyse  # noqa: E402
from kb.errors import ReportRejected  # noqa: E402
from kb.settings import Settings  # noqa: E402

LABELS = ROOT / "eval" / "passage_kinds.jsonl"
SPLITS = ("tune", "check")
# Report files of SHARED/corpus/reports name their project after the programme: <lang>_<programme>_<project>_...
_REPORT_PROJECT = re.compile(r"^[a-z-]+_[^_]+_(?P<project>[^_]+)_")
# The same projects under the archive's slugs, so that a project sits in one half whichever folder it comes from
_SAME_PROJECT = {"circularagronomics": "circularagro", "digg": "digg", "prepared": "prepared"}


def split_of(project: str) -> str:
    """The half a project belongs to, "tune" or "check", the same in every run."""
    return SPLITS[zlib.crc32(project.encode()) % 2]


def project_of(relative: str, gold: dict) -> str:
    """The project slug of a corpus file (``archive/reports/X.pdf`` or ``reports/Y.pdf``)."""
    name = relative.rsplit("/", 1)[-1]
    if relative.startswith("archive/") and name in gold:
        return gold[name]["projects"][0]
    if name.startswith("sv_DIGG"):
        return "digg"
    match = _REPORT_PROJECT.match(name)
    slug = re.sub(r"[^a-z0-9-]", "", (match.group("project") if match else name).lower())
    return _SAME_PROJECT.get(slug, slug)


@dataclass
class Reading:
    """One corpus PDF as the pipeline read it (or why it refused it)."""

    relative: str  # e.g. "archive/reports/Remy-2018-1069.pdf"
    project: str
    analysis: Analysis | None
    error: str = ""
    seconds: float = 0.0

    @property
    def split(self) -> str:
        return split_of(self.project)


@dataclass
class Figures:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0

    def line(self) -> str:
        return f"{self.share:.2f} ({self.right}/{self.total})"


def _eval_module(shared: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, shared / "eval" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_metadata_module(shared: Path):
    """SHARED/eval/score_metadata.py, imported by path, so that our titles are scored by its f1."""
    return _eval_module(shared, "score_metadata")


def _figures() -> dict[str, Figures]:
    return {name: Figures() for name in (*SPLITS, "all")}


def _count(figures: dict[str, Figures], split: str, right: int, total: int, miss: str = "") -> None:
    for key in (split, "all"):
        figures[key].right += right
        figures[key].total += total
        if miss and right < total:
            figures[key].misses.append(miss)


def _archive_gold(shared: Path) -> dict:
    return json.loads((shared / "corpus" / "archive" / "gold.json").read_text(encoding="utf-8"))


def read_corpus(shared: Path, settings: Settings, folders: tuple[str, ...] = ("archive/reports", "reports")):
    """Every PDF of the corpus folders, read by ingest.pipeline.analyse as `kb ingest` reads it."""
    gold = json.loads((shared / "corpus" / "archive" / "gold.json").read_text(encoding="utf-8"))
    readings: list[Reading] = []
    for folder in folders:
        for path in sorted((shared / "corpus" / folder).glob("*.pdf")):
            relative = f"{folder}/{path.name}"
            started = time.perf_counter()
            try:
                analysis, error = analyse(path, settings), ""
            except ReportRejected as exc:
                analysis, error = None, exc.label
            readings.append(
                Reading(relative, project_of(relative, gold), analysis, error, time.perf_counter() - started)
            )
    return readings


def measure_titles(readings: list[Reading], shared: Path, verbose: bool = False) -> dict[str, Figures]:
    """Titles right (token F1 >= 0.6 against the publisher's, as score_metadata.py scores them)."""
    gold = json.loads((shared / "corpus" / "archive" / "gold.json").read_text(encoding="utf-8"))
    f1 = score_metadata_module(shared).f1
    figures = {name: Figures() for name in (*SPLITS, "all")}
    for reading in readings:
        name = reading.relative.rsplit("/", 1)[-1]
        if not reading.relative.startswith("archive/") or name not in gold:
            continue
        meta = reading.analysis.meta if reading.analysis else None
        title = (meta.title if meta else None) or ""
        score = f1(title, gold[name]["title"])
        for key in (reading.split, "all"):
            figures[key].total += 1
            figures[key].right += score >= 0.6
            if score < 0.6:
                figures[key].misses.append(f"{name}: {title[:80]!r}")
        if verbose:
            confidence = getattr(meta, "title_confidence", None)
            print(
                f"  {reading.split:5} {name[:28]:28} {score:.2f} {'ok ' if score >= 0.6 else 'BAD'} "
                f"conf={confidence} {title[:90]!r} | sub={getattr(meta, 'subtitle', None)!r:.60}"
            )
    return figures


def load_labels(path: Path = LABELS) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def find_chunk(analysis: Analysis, page: int, first_words: str):
    """The chunk holding a labelled passage: the one whose text holds its first words, on or near its page."""
    wanted = " ".join(_words(first_words))
    near = [c for c in analysis.chunks if c.page_start - 1 <= page <= c.page_end + 1]
    for chunk in near:
        if wanted and wanted in " ".join(_words(chunk.text)):
            return chunk
    on_page = [c for c in near if c.page_start <= page <= c.page_end]
    if not on_page:
        return None
    target = set(_words(first_words))
    return max(on_page, key=lambda c: len(target & set(_words(c.text))))


def measure_kinds(readings: list[Reading], shared: Path, verbose: bool = False) -> dict[str, Figures]:
    """Labelled passages whose chunk carries the labelled kind."""
    by_file = {r.relative: r for r in readings}
    figures = {name: Figures() for name in (*SPLITS, "all")}
    for label in load_labels():
        reading = by_file.get(label["file"])
        if reading is None:
            continue
        chunk = find_chunk(reading.analysis, label["page"], label["first_words"]) if reading.analysis else None
        got = chunk.section if chunk else "(none)"
        for key in (split_of(label["project"]), "all"):
            figures[key].total += 1
            figures[key].right += got == label["kind"]
            if got != label["kind"]:
                figures[key].misses.append(
                    f"{label['id']} want {label['kind']} got {got}: {label['first_words'][:50]!r}"
                )
    if verbose:
        for miss in figures["all"].misses:
            print("  ", miss)
    return figures


def measure_authors(readings: list[Reading], shared: Path, verbose: bool = False) -> dict[str, Figures]:
    """The publisher's authors, by surname, among the names of the report's contacts and people."""
    sm = score_metadata_module(shared)
    gold = _archive_gold(shared)
    figures = _figures()
    for reading in readings:
        name = reading.relative.rsplit("/", 1)[-1]
        if not reading.relative.startswith("archive/") or name not in gold:
            continue
        people = (
            list(reading.analysis.contacts) + list(getattr(reading.analysis, "people", [])) if reading.analysis else []
        )
        names = " | ".join(sm.fold(getattr(p, "name", "") or "") for p in people)
        surnames = [sm.fold(a.split(",")[0]).strip() for a in gold[name]["authors"] if a.strip()]
        found = [s for s in surnames if s and re.search(r"\b" + re.escape(s) + r"\b", names)]
        _count(figures, reading.split, len(found), len(surnames), f"{name}: {len(found)}/{len(surnames)}")
    return figures


def _project_key(reading: Reading) -> str | None:
    meta = reading.analysis.meta if reading.analysis else None
    key = getattr(reading.analysis, "project_id", None) or (meta.acronym if meta else None)
    return str(key).casefold() if key else None


def _project_pairs(readings: list[Reading], shared: Path, precision: bool) -> dict[str, Figures]:
    """Pairs of archive reports of one half (and of both): same publisher project <-> same project key."""
    gold = _archive_gold(shared)
    figures = _figures()
    archive = [r for r in readings if r.relative.startswith("archive/") and r.relative.rsplit("/", 1)[-1] in gold]
    for a, b in itertools.combinations(archive, 2):
        same_gold = bool(
            set(gold[a.relative.rsplit("/", 1)[-1]]["projects"]) & set(gold[b.relative.rsplit("/", 1)[-1]]["projects"])
        )
        key_a = _project_key(a)
        same_ours = key_a is not None and key_a == _project_key(b)
        counted = same_ours if precision else same_gold
        if not counted:
            continue
        right = same_gold and same_ours
        for key in {a.split, "all"} if a.split == b.split else {"all"}:
            figures[key].right += right
            figures[key].total += 1
    return figures


def measure_projects_precision(readings: list[Reading], shared: Path, verbose: bool = False) -> dict[str, Figures]:
    """Of the pairs we put in one project, the share the publisher puts in one project too."""
    return _project_pairs(readings, shared, precision=True)


def measure_projects_recall(readings: list[Reading], shared: Path, verbose: bool = False) -> dict[str, Figures]:
    """Of the pairs the publisher puts in one project, the share we put in one project too."""
    return _project_pairs(readings, shared, precision=False)


def _partner_scores(readings: list[Reading], shared: Path, what: str, precision: bool) -> dict[str, Figures]:
    """Organisations ("partners") or contacts against partners_gold.json, matched as score_partners.py does."""
    sp = _eval_module(shared, "score_partners")
    gold = json.loads((shared / "eval" / "partners_gold.json").read_text(encoding="utf-8"))
    by_name = {r.relative.rsplit("/", 1)[-1]: r for r in readings if r.relative.startswith("reports/")}
    figures = _figures()
    for name, wanted in gold.items():
        reading = by_name.get(name)
        if reading is None or reading.analysis is None:
            continue
        if what == "partners":
            items = wanted["organisations"]
            extracted = [p.name for p in reading.analysis.partners]
            match = lambda e, g: any(sp.same(e, n) for n in [g["name"], *g.get("aliases", [])])  # noqa: E731
        else:
            items = wanted.get("contacts", [])
            extracted = list(reading.analysis.contacts) + list(getattr(reading.analysis, "people", []))

            def match(e, g):
                email = (getattr(e, "email", None) or "").lower()
                return (email and email == (g.get("email") or "").lower()) or sp.same(getattr(e, "name", ""), g["name"])

        core = [g for g in items if not g.get("borderline") and not g.get("image_only")]
        if precision:
            right = sum(any(match(e, g) for g in items) for e in extracted)
            _count(figures, reading.split, right, len(extracted))
        else:
            right = sum(any(match(e, g) for e in extracted) for g in core)
            _count(figures, reading.split, right, len(core))
    return figures


MEASURES = {
    "titles": measure_titles,
    "kinds": measure_kinds,
    "authors": measure_authors,
    "projects-precision": measure_projects_precision,
    "projects-recall": measure_projects_recall,
    "partners-recall": lambda r, s, v=False: _partner_scores(r, s, "partners", precision=False),
    "partners-precision": lambda r, s, v=False: _partner_scores(r, s, "partners", precision=True),
    "contacts-recall": lambda r, s, v=False: _partner_scores(r, s, "contacts", precision=False),
    "contacts-precision": lambda r, s, v=False: _partner_scores(r, s, "contacts", precision=True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", default=",".join(MEASURES))
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--out", type=Path, help="append the figures as one JSON line")
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=ROOT / ".cache" / "bench-understanding")
    readings = read_corpus(args.shared, settings)
    print(f"read {len(readings)} PDFs in {sum(r.seconds for r in readings):.0f} s")
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    for name in args.only.split(","):
        figures = MEASURES[name](readings, args.shared, args.verbose)
        print(f"{name:18} " + "  ".join(f"{key} {f.line()}" for key, f in figures.items()))
        record[name] = {key: {"right": f.right, "total": f.total} for key, f in figures.items()}
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
