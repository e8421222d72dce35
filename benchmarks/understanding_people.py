"""People, partner organisations and projects read from the real reports, scored offline with the
definitions of ../shared/eval/score_partners.py and score_metadata.py (imported from there by path).

Usage: python benchmarks/understanding_people.py [--half tune|check|all] [--verbose] [--misses]

Page texts are read once through the sandboxed reader and kept as JSON under KB_BENCH_CACHE
(default /work/cache/understanding-people/pages), so later runs take seconds.

The fixed split (never tuned on "check"):
- partners_gold.json: its files in the gold's order, the 1st, 3rd, 5th, 7th and 9th are "tune",
  the 2nd, 4th, 6th, 8th and 10th "check";
- archive gold.json: its projects in alphabetical order, every other one (circularagro, cosma, demeau, ...)
  is "tune", the others "check"; authors and project pairs are scored within each half.
- the 26 corpus reports: projects from their file names (programme_PROJECT_...), pairs scored (no tuning).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.metadata import acronym_of  # noqa: E402
from ingest.partners import extract  # noqa: E402
from ingest.project_id import group_projects, project_identity  # noqa: E402

SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").exists() else Path("/work/shared")
REPORTS = SHARED / "corpus" / "reports"
ARCHIVE = SHARED / "corpus" / "archive"
EVAL = SHARED / "eval"
CACHE = Path(os.environ.get("KB_BENCH_CACHE", "/work/cache/understanding-people/pages"))


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, EVAL / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_texts(path: Path) -> tuple[list[str], str | None]:
    """The page texts of a PDF, from the cache or read (sandboxed) and cached."""
    cached = CACHE / f"{path.name}.json"
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
        return data["pages"], data.get("title")
    from ingest.sandbox import read_pdf
    from kb.settings import Settings

    text = read_pdf(path, Settings(data_dir=CACHE.parent / "data"))
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({"pages": text.pages, "title": text.title}, ensure_ascii=False), encoding="utf-8")
    return text.pages, text.title


def partners_halves(gold: dict) -> dict[str, list[str]]:
    files = list(gold)
    return {"tune": files[0::2], "check": files[1::2]}


def archive_halves(gold: dict) -> dict[str, list[str]]:
    projects = sorted({p for g in gold.values() for p in g["projects"]})
    tune = set(projects[0::2])
    return {
        "tune": [f for f, g in gold.items() if set(g["projects"]) & tune],
        "check": [f for f, g in gold.items() if not set(g["projects"]) & tune],
    }


def score_partners(files: list[str], gold: dict, verbose: bool, misses: bool) -> dict[str, int]:
    sp = _script("score_partners")
    tot = dict(org_core=0, org_found=0, org_ext=0, org_right=0, con_core=0, con_found=0, con_ext=0, con_right=0)
    for f in files:
        g = gold[f]
        partners, contacts = extract(page_texts(REPORTS / f)[0])
        ext_orgs = [p.name for p in partners]
        ext_cons = [{"name": c.name, "email": c.email} for c in contacts]
        orgs = g["organisations"]
        core = [o for o in orgs if not o.get("borderline") and not o.get("image_only")]

        def names(o):
            return [o["name"]] + o.get("aliases", [])

        found = [o for o in core if any(sp.same(e, n) for e in ext_orgs for n in names(o))]
        wrong = [e for e in ext_orgs if not any(sp.same(e, n) for o in orgs for n in names(o))]
        cons = g.get("contacts", [])
        ccore = [c for c in cons if not c.get("borderline") and not c.get("image_only")]

        def cmatch(e, c):
            em = (e.get("email") or "").lower()
            return (em and em == (c.get("email") or "").lower()) or sp.same(e.get("name", ""), c["name"])

        cfound = [c for c in ccore if any(cmatch(e, c) for e in ext_cons)]
        cwrong = [e for e in ext_cons if not any(cmatch(e, c) for c in cons)]
        row = (
            len(core),
            len(found),
            len(ext_orgs),
            len(ext_orgs) - len(wrong),
            len(ccore),
            len(cfound),
            len(ext_cons),
            len(ext_cons) - len(cwrong),
        )
        for k, v in zip(tot, row, strict=True):
            tot[k] += v
        if verbose:
            print(
                f"  {f[:60]:60s} orgs {row[1]}/{row[0]} found {row[3]}/{row[2]} right; "
                f"contacts {row[5]}/{row[4]} found {row[7]}/{row[6]} right"
            )
        if misses:
            for o in core:
                if o not in found:
                    print(f"      missed org: {o['name']} {o.get('aliases')}")
            for e in wrong:
                print(f"      wrong org: {e}")
            for c in ccore:
                if c not in cfound:
                    print(f"      missed contact: {c['name']}")
            for e in cwrong:
                print(f"      wrong contact: {e['name']}")
    return tot


def partners_line(tot: dict[str, int]) -> str:
    def r(a, b):
        return a / b if b else 0.0

    return (
        f"partners recall {r(tot['org_found'], tot['org_core']):.2f} ({tot['org_found']}/{tot['org_core']}) "
        f"precision {r(tot['org_right'], tot['org_ext']):.2f} ({tot['org_right']}/{tot['org_ext']}); "
        f"contacts recall {r(tot['con_found'], tot['con_core']):.2f} ({tot['con_found']}/{tot['con_core']}) "
        f"precision {r(tot['con_right'], tot['con_ext']):.2f} ({tot['con_right']}/{tot['con_ext']})"
    )


def score_archive(files: list[str], gold: dict, verbose: bool, misses: bool) -> str:
    sm = _script("score_metadata")
    found = total = 0
    identities = {}
    before: dict[str, str | None] = {}
    for f in files:
        pages, title = page_texts(ARCHIVE / "reports" / f)
        _, contacts = extract(pages)
        people = " | ".join(sm.fold(c.name) for c in contacts)
        surnames = [sm.fold(a.split(",")[0]).strip() for a in gold[f]["authors"] if a.strip()]
        hit = [s for s in surnames if s and re.search(r"\b" + re.escape(s) + r"\b", people)]
        found += len(hit)
        total += len(surnames)
        identities[f] = project_identity(pages, title)
        before[f] = (acronym_of(pages[0] if pages else "", "\n".join(pages)) or "").casefold() or None
        if verbose:
            print(
                f"  {f:28s} authors {len(hit)}/{len(surnames)} people {len(contacts)} "
                f"project {identities[f].key!r} (KWB {gold[f]['projects']})"
            )
        if misses:
            for s in surnames:
                if s not in hit:
                    print(f"      missed author: {s}")
    keys = group_projects(identities)

    def same(a, b):
        return bool(set(gold[a]["projects"]) & set(gold[b]["projects"]))

    tp, fp, fn = _pairs(files, keys, same)
    btp, bfp, bfn = _pairs(files, before, same)
    return (
        f"authors recall {found / max(total, 1):.2f} ({found}/{total}); projects precision "
        f"{tp / max(tp + fp, 1):.2f} recall {tp / max(tp + fn, 1):.2f} ({tp} of {tp + fn} pairs, {fp} wrong) "
        f"[metadata acronym alone: precision {btp / max(btp + bfp, 1):.2f} recall {btp / max(btp + bfn, 1):.2f}]"
    )


def _pairs(files, keys, same_gold) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(files, 2):
        gold_same = same_gold(a, b)
        ours = keys.get(a) is not None and keys.get(a) == keys.get(b)
        tp += gold_same and ours
        fp += ours and not gold_same
        fn += gold_same and not ours
    return tp, fp, fn


def score_corpus_projects(verbose: bool) -> str:
    files = sorted(p.name for p in REPORTS.glob("*.pdf"))
    identities = {f: project_identity(*page_texts(REPORTS / f)) for f in files}
    keys = group_projects(identities)
    before = {f: (acronym_of(*_cover_and_text(REPORTS / f)) or "").casefold() or None for f in files}
    project = {f: f.split("_")[2].casefold() for f in files}
    if verbose:
        for f in files:
            print(f"  {f[:70]:70s} {identities[f].key!r} -> {keys.get(f)!r}")
    tp, fp, fn = _pairs(files, keys, lambda a, b: project[a] == project[b])
    btp, bfp, bfn = _pairs(files, before, lambda a, b: project[a] == project[b])
    return (
        f"corpus projects precision {tp / max(tp + fp, 1):.2f} recall {tp / max(tp + fn, 1):.2f} ({tp} of {tp + fn}) "
        f"[metadata acronym alone: precision {btp / max(btp + bfp, 1):.2f} recall {btp / max(btp + bfn, 1):.2f}]"
    )


def _cover_and_text(path: Path) -> tuple[str, str]:
    pages = page_texts(path)[0]
    return (pages[0] if pages else ""), "\n".join(pages)


def directory_of_corpus() -> None:
    """The partner directory the 26 corpus reports' partners make (kb.dedupe, as kb.directory builds it)."""
    from kb.directory.dedupe import Mention, cluster
    from kb.directory.names import looks_like_organisation

    mentions = [
        Mention(p.name, p.country, acronym=p.acronym, ref=f)
        for f in sorted(x.name for x in REPORTS.glob("*.pdf"))
        for p in extract(page_texts(REPORTS / f)[0])[0]
        if looks_like_organisation(p.name)
    ]
    clusters = cluster(mentions)
    print(f"directory of the corpus: {len(mentions)} partner rows -> {len(clusters)} organisations")
    for c in clusters:
        print(
            f"  {c.name} [{c.country or '-'}] {len(c.mentions)} rows, {len({m.ref for m in c.mentions})} reports"
            + (f"; names {sorted({m.name for m in c.mentions})}" if len({m.name for m in c.mentions}) > 1 else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--half", choices=("tune", "check", "all"), default="all")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--only", choices=("partners", "archive", "corpus"), default=None)
    parser.add_argument("--names", action="store_true", help="compare ways of recognising a person's name")
    parser.add_argument("--directory", action="store_true", help="the partner directory of the corpus reports")
    args = parser.parse_args()
    if args.directory:
        directory_of_corpus()
        return
    if args.names:
        compare_name_methods()
        return
    halves = ("tune", "check") if args.half == "all" else (args.half,)
    if args.only in (None, "partners"):
        gold = json.loads((EVAL / "partners_gold.json").read_text(encoding="utf-8"))
        split = partners_halves(gold)
        for half in halves:
            tot = score_partners(split[half], gold, args.verbose, args.misses)
            print(f"partners_gold {half}: {partners_line(tot)}")
    if args.only in (None, "archive"):
        gold = json.loads((ARCHIVE / "gold.json").read_text(encoding="utf-8"))
        split = archive_halves(gold)
        for half in halves:
            print(f"archive {half}: {score_archive(split[half], gold, args.verbose, args.misses)}")
        if args.half == "all":
            print(f"archive all: {score_archive(list(gold), gold, False, False)}")
    if args.only in (None, "corpus"):
        print(score_corpus_projects(args.verbose))


# -- ways to recognise a person's name, compared on the same pipeline ------------------------------------
def _capitalised_word(token: str) -> bool:
    return token[:1].isupper() and token.strip(".,;:").isalpha() and not token.isupper()


def _probablepeople_name(text, common=None, strict=False):
    import probablepeople

    from ingest.names import HONORIFIC, repair

    text = repair(HONORIFIC.sub("", " ".join(text.split()))).strip(" ,;:.")
    words = text.split()
    if not 2 <= len(words) <= 5 or not all(w[:1].isupper() or w.islower() and len(w) <= 3 for w in words):
        return None
    try:
        parsed, kind = probablepeople.tag(text)
    except Exception:  # probablepeople raises on strings it cannot label consistently
        return None
    return text if kind == "Person" and ("Surname" in parsed or "LastInitial" in parsed) else None


NAME_METHODS = ("capitalised", "probablepeople", "gazetteer", "gazetteer+vocabulary")


@contextlib.contextmanager
def name_method(method: str):
    """Run the pipeline with another way of telling a name (an experiment; the default is the last one)."""
    import ingest.names as names
    import ingest.people as people

    saved = {
        (m, k): getattr(m, k)
        for m in (names, people)
        for k in ("is_given_name", "person_name", "common_words")
        if hasattr(m, k)
    }
    try:
        if method == "capitalised":
            for m in (names, people):
                m.is_given_name = _capitalised_word
        if method == "probablepeople":
            for m in (names, people):
                m.person_name = _probablepeople_name
                m.is_given_name = _capitalised_word
        if method in ("capitalised", "probablepeople", "gazetteer"):
            people.common_words = lambda pages: names.Vocabulary()
        yield
    finally:
        for (m, k), v in saved.items():
            setattr(m, k, v)


def compare_name_methods() -> None:
    partners_gold = json.loads((EVAL / "partners_gold.json").read_text(encoding="utf-8"))
    archive_gold = json.loads((ARCHIVE / "gold.json").read_text(encoding="utf-8"))
    for method in NAME_METHODS:
        with name_method(method):
            for half, files in partners_halves(partners_gold).items():
                tot = score_partners(files, partners_gold, False, False)
                print(
                    f"{method:22s} partners_gold {half}: contacts recall {tot['con_found'] / tot['con_core']:.2f} "
                    f"precision {tot['con_right'] / max(tot['con_ext'], 1):.2f} ({tot['con_right']}/{tot['con_ext']})"
                )
            others = [p for p in sorted(REPORTS.glob("*.pdf")) if p.name not in partners_gold]
            others += sorted((ARCHIVE / "reports").glob("*.pdf"))
            count = sum(len(extract(page_texts(p)[0])[1]) for p in others)
            print(
                f"{method:22s} archive: {score_archive(list(archive_gold), archive_gold, False, False).split(';')[0]}; "
                f"people named in the {len(others)} reports outside partners_gold: {count}"
            )


if __name__ == "__main__":
    main()
