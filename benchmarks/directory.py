"""The partner directory on real data: raw organisation names -> organisations, and why names were joined.

Usage: python benchmarks/directory.py [--all-cordis] [--show N]
Copies the catalog of an ingested corpus (default /tmp/corpus_final; read only, never written), adds
the partners of the three registers in ../shared/corpus/registers (without embedding them: the
directory needs only partner rows) and builds the directory. Prints counts, the number of names
joined by each kind of link, timings, and N sample merges of each kind to check by hand.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from kb.models import NewReport

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.registers import read_cordis, read_interreg_se, read_projektbanken  # noqa: E402
from kb.catalog.database import Catalog  # noqa: E402
from kb.directory import organisations as directory  # noqa: E402
from kb.settings import Settings  # noqa: E402

REGISTERS = ROOT.parent / "shared" / "corpus" / "registers"


def copy_catalog(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API, the source opened read-only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/corpus_final"))
    parser.add_argument("--all-cordis", action="store_true", help="the whole CORDIS table instead of the Swedish one")
    parser.add_argument("--show", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-directory-"))
    try:
        settings = Settings(data_dir=work)
        if (args.corpus / "catalog.sqlite3").exists():
            copy_catalog(args.corpus / "catalog.sqlite3", settings.catalog_path)
        catalog = Catalog.open(settings)
        direct = sqlite3.connect(settings.catalog_path)  # counts of the catalog's own tables
        report_partners = direct.execute("SELECT COUNT(*) FROM partners").fetchone()[0]
        cordis = (
            "cordis_horizon_europe_organizations_ALL.csv.gz"
            if args.all_cordis
            else ("cordis_horizon_europe_organizations_SE.csv")
        )
        sources = [
            (read_projektbanken, "tillvaxtverket_projektbanken_eruf_2014-2020.json"),
            (read_interreg_se, "se_interreg_svenska_partners_2021-2027.json"),
            (read_cordis, cordis),
        ]
        seen = {}
        for reader, name in sources:
            for entry in reader(REGISTERS / name):
                rid = catalog.next_report_id()
                catalog.add_report(
                    rid,
                    NewReport(
                        sha256=entry.sha256,
                        filename=entry.external_id,
                        meta=entry.meta,
                        pages=0,
                        lang="sv",
                        chunks=[],
                        kind="register",
                        external_id=entry.external_id,
                        partners=entry.partners,
                        contacts=entry.contacts,
                    ),
                )
                seen[rid] = entry.details
        catalog.record_sources(seen)
        mentions = directory.mentions(catalog)
        started = time.perf_counter()
        clusters = directory.build(catalog)
        took = time.perf_counter() - started
        raw = {m.name.strip() for m in mentions}
        aliases = {m.alias for m in mentions}
        joined = [c for c in clusters if len(c.aliases) > 1]
        kinds = Counter(r.split(":", 1)[0].split(" ")[0] for c in clusters for r in c.reasons)
        print(
            f"partner rows: {len(mentions)} ({report_partners} from reports, {len(mentions) - report_partners} "
            f"from registers)"
        )
        print(
            f"raw names (distinct spellings): {len(raw)}; normalised name+country: {len(aliases)}; "
            f"organisations: {len(clusters)}"
        )
        print(f"organisations with more than one name: {len(joined)}; links by kind: {dict(kinds)}")
        print(f"build time: {took:.1f} s")
        from_reports = {m.ref for m in mentions} & {
            r[0]
            for r in direct.execute(
                "SELECT p.id FROM partners p JOIN reports r ON r.id = p.report_id WHERE r.kind = 'report'"
            )
        }
        bridged = [
            c
            for c in clusters
            if any(m.ref in from_reports for m in c.mentions) and any(m.ref not in from_reports for m in c.mentions)
        ]
        print(f"organisations named both in a report and in a register: {len(bridged)}")
        rng = random.Random(5)
        for kind in sorted(kinds):
            sample = [(c, r) for c in clusters for r in c.reasons if r.startswith(kind)]
            print(f"\n-- {kind} ({len(sample)}), {min(args.show, len(sample))} at random:")
            for c, reason in rng.sample(sample, min(args.show, len(sample))):
                print(f"   {c.name!r}: {reason}")
        print("\n-- report partners joined with register names:")
        for c in bridged[: args.show]:
            print(f"   {c.name!r}: {sorted({m.name for m in c.mentions})[:4]}")
        catalog.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
