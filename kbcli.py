"""The `kb` command: the composition root that wires kb (domain) and ingest (reading reports)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from kb.errors import KBError
from kb.settings import Settings


class KBGroup(click.Group):
    """Turns a KBError into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KBError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=KBGroup)
@click.option(
    "--data-dir",
    envvar="KB_DATA_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory (catalog, index, original PDFs). Env: KB_DATA_DIR; default ./data.",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Lärdomsbanken: lessons from completed EU projects, searchable in Swedish and English.

    Example: kb ingest samples/ && kb search "Hur minskar vi läkemedelsrester i avloppsvatten?"
    """
    ctx.obj = Settings.from_env(data_dir=data_dir)


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--replace", is_flag=True, help="Re-read files already stored; a changed file replaces its older version."
)
@click.option("--verbose", "-v", is_flag=True, help="Print a line for each report as soon as it is stored.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], replace: bool, verbose: bool) -> None:
    """Read PDF reports (files or folders) into the knowledge base.

    Example: kb ingest reports/ final-report.pdf
    """
    from tqdm import tqdm

    from ingest.pipeline import find_pdfs, ingest_paths

    settings = _settings(ctx)
    files = find_pdfs(paths)
    bar = tqdm(total=len(files), unit="file", file=sys.stderr, disable=None, dynamic_ncols=True)

    def progress(outcome) -> None:
        bar.update(1)
        bar.set_postfix_str(outcome.file.name[-40:])
        if outcome.status == "rejected":
            bar.write(f"skipped {outcome.file.name}: {outcome.reason}", file=sys.stderr)
        elif verbose and outcome.status in ("added", "replaced"):
            click.echo(f"{outcome.status} {outcome.file.name}: report {outcome.report_id}, {outcome.chunks} chunks")

    try:
        summary = ingest_paths(files or list(paths), settings, replace=replace, on_file=progress)
    finally:
        bar.close()
    click.echo(f"Took {summary.seconds:.0f} s, of which {summary.embed_seconds:.0f} s embedding.", err=True)
    click.echo(summary.line())
    if summary.rejected and not summary.count("added", "replaced", "unchanged"):
        ctx.exit(1)


@main.command()
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, help="Number of passages.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see README for the shape).")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, as_json: bool) -> None:
    """Find the passages that answer a question or match a described initiative, with a short answer on top.

    Example: kb search "Vad lärde man sig om gemensam upphandling av elbussar?" -k 5
    """
    from kb.search.reader import open_reader
    from kb.search.sentences import answer, question_terms

    with open_reader(_settings(ctx)) as reader:
        for warning in reader.warnings:
            click.echo(f"Warning: {warning}", err=True)
        result = reader.searcher.run(query, k=k)
    hits = result.hits
    said = [] if result.weak else answer(hits, question_terms(query, result.lang or "sv", result.terms), result.lang)
    if as_json:
        shape = {"query": query, "weak": result.weak, "answer": said, "hits": [h.as_json() for h in hits]}
        click.echo(json.dumps(shape, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No passage found; ingest reports first (`kb ingest PATH`).")
        return
    if result.weak:
        click.echo("No lesson matches this well; the closest passages follow.\n")
    elif said:
        click.echo("What earlier projects learned:")
        for sentence in said:
            click.echo(textwrap.fill(f"- {sentence['text']} ({sentence['title']}, p. {sentence['page']})", 100))
        click.echo()
    for rank, hit in enumerate(hits, start=1):
        pages = f"p. {hit.page_start}" if hit.page_start == hit.page_end else f"pp. {hit.page_start}-{hit.page_end}"
        click.echo(f"{rank:>2}. {hit.score:.3f}  {hit.title}  [{hit.section}, {hit.lang}]")
        click.echo(f"    {hit.file}, {pages}")
        snippet = textwrap.shorten(hit.text, 300, placeholder=" …")
        click.echo(textwrap.indent(textwrap.fill(snippet, 96), "    "))


@main.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option(
    "--runs", type=click.Path(dir_okay=False, path_type=Path), help="Also write each query's ranked hits here."
)
@click.option(
    "--split", is_flag=True, help="Also score the tuning half (odd ids) and the checking half (even ids) apart."
)
@click.pass_context
def evaluate(ctx: click.Context, queries: Path, as_json: bool, runs: Path | None, split: bool) -> None:
    """Score the search on judged queries (success@1/5, MRR@10, nDCG@10); ingests nothing.

    Example: kb eval ../shared/eval/queries.jsonl --split --runs runs.jsonl
    """
    from kb.search.evaluation import evaluate_queries, format_table, load_queries
    from kb.search.reader import open_reader

    judged = load_queries(queries)
    with open_reader(_settings(ctx)) as reader:
        report = evaluate_queries(reader.searcher, judged, split=split)
    if runs:
        with open(runs, "w", encoding="utf-8") as out:
            for line in report.runs:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    if as_json:
        click.echo(json.dumps(report.figures, ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(report.figures))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def reports(ctx: click.Context, as_json: bool) -> None:
    """List the stored reports.

    Example: kb reports --json
    """
    from kb.catalog.database import Catalog

    catalog = Catalog.open(_settings(ctx).check())
    try:
        rows = catalog.reports()
    finally:
        catalog.close()
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        programme = r.meta.programme or "-"
        click.echo(f"{r.id:>4}  {r.chunk_count:>5} chunks  {r.pages:>4} pp.  {r.lang}  {programme:<28} {r.filename}")


@main.command()
@click.argument("report_id", type=int)
@click.pass_context
def delete(ctx: click.Context, report_id: int) -> None:
    """Remove one report with its chunks, vectors and original PDF.

    Example: kb delete 3
    """
    import getpass

    from kb.store.writer import Store

    with Store.open(_settings(ctx)) as store:
        title = store.catalog.report(report_id).filename
        removed = store.delete_report(report_id)
        store.catalog.audit(getpass.getuser(), "delete", f"report {report_id} ({title})")
    click.echo(f"Deleted report {report_id} ({title}) and its {removed} chunks.")


@main.command()
@click.option("--report", "report_ids", multiple=True, type=int, help="Only this report id (may be repeated).")
@click.pass_context
def reanalyse(ctx: click.Context, report_ids: tuple[int, ...]) -> None:
    """Read the stored original PDFs again with today's extraction (titles, people, passage kinds).

    Unchanged passages keep their vectors; what a person corrected in the review form is kept.
    Example: kb reanalyse --report 12
    """
    from tqdm import tqdm

    from ingest.reanalyse import reanalyse as reread_reports
    from kb.store.writer import Store

    with Store.open(_settings(ctx)) as store, store.batch():
        total = len(report_ids) or sum(1 for r in store.catalog.reports() if r.kind == "report")
        with tqdm(total=total, unit="report", disable=None) as bar:

            def advance(_: object) -> None:
                bar.update()

            summary = reread_reports(store, list(report_ids) or None, on_report=advance)
    click.echo(summary.line())


@main.command()
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Counts of reports, pages and chunks, and whether the index agrees with the catalog.

    Example: kb stats
    """
    from kb.catalog.database import Catalog
    from kb.catalog.index import VectorIndex
    from kb.errors import DiskFull

    settings = _settings(ctx).check()
    catalog = Catalog.open(settings)
    try:
        figures = catalog.stats()
        figures["embedding_model"] = catalog.get_meta("embedding_model")
    finally:
        catalog.close()
    try:
        figures["vectors"] = VectorIndex.open(settings).count()
    except DiskFull as exc:
        figures["vectors"] = None
        click.echo(f"Warning: the vector index could not be opened to count its vectors. {exc}", err=True)
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2))


@main.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the vector index from the catalog with the configured model.

    Example: KB_MODEL=intfloat/multilingual-e5-small kb reindex
    """
    from kb.store.writer import Store

    with Store.open(_settings(ctx), check_model=False) as store:
        count = store.reindex()
    click.echo(f"Re-embedded {count} chunks.")


@main.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, target: Path) -> None:
    """Copy the catalog (consistently, even while the server runs), the original PDFs and a manifest.

    Example: kb backup /srv/backups/kb-2026-11-27
    """
    from kb.catalog.backup import backup

    manifest = backup(_settings(ctx).check(), target)
    counts = manifest["counts"]
    click.echo(f"Backed up {counts['reports']} reports, {counts['chunks']} chunks, {len(manifest['files'])} PDFs.")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def restore_command(ctx: click.Context, source: Path) -> None:
    """Restore a backup into an empty data directory and rebuild the vector index from it.

    Example: KB_DATA_DIR=/srv/kb-new kb restore /srv/backups/kb-2026-11-27
    """
    from kb.catalog.backup import restore_files
    from kb.store.writer import Store

    settings = _settings(ctx).check()
    manifest = restore_files(source, settings)
    with Store.open(settings, check_model=False) as store:
        count = store.reindex()
    click.echo(f"Restored {manifest['counts']['reports']} reports and re-embedded {count} chunks.")


@main.group()
def person() -> None:
    """Personal data of contact persons: export or erase everything stored about one person."""


@person.command("export")
@click.argument("email")
@click.pass_context
def person_export(ctx: click.Context, email: str) -> None:
    """Print as JSON everything stored about the person with this e-mail address.

    Example: kb person export anna.lindqvist@norrvik.example.org
    """
    import getpass

    from kb.store.people import export_person
    from kb.store.writer import Store

    with Store.open(_settings(ctx)) as store:
        data = export_person(store, email, getpass.getuser())
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@person.command("erase")
@click.argument("email")
@click.pass_context
def person_erase(ctx: click.Context, email: str) -> None:
    """Erase the person with this e-mail address from contacts, passages, the index and the original PDFs.

    Example: kb person erase anna.lindqvist@norrvik.example.org
    """
    import getpass

    from ingest.erasure import erase_person
    from kb.store.writer import Store

    with Store.open(_settings(ctx)) as store:
        done = erase_person(store, email, getpass.getuser())
    click.echo(
        f"Erased person {done.key}: {done.passages_redacted} passages redacted and re-embedded, "
        f"{len(done.originals_redacted)} original PDFs redacted"
        + (f", {len(done.originals_withheld)} withheld (upload a redacted copy)" if done.originals_withheld else "")
        + "."
    )


@main.command()
@click.option("--limit", default=50, show_default=True, help="How many of the latest entries.")
@click.pass_context
def audit(ctx: click.Context, limit: int) -> None:
    """Show the audit log: who changed what, when, and how it went.

    Example: kb audit --limit 20
    """
    from kb.catalog.database import Catalog

    catalog = Catalog.open(_settings(ctx).check())
    try:
        for entry in catalog.audit_entries(limit):
            click.echo(
                f"{entry['at']}  {entry['actor']:<12} {entry['action']:<14} {entry['target']}  [{entry['outcome']}]"
            )
    finally:
        catalog.close()


@main.group()
def user() -> None:
    """Accounts that log in to the web app: add, list, change role, reset password, disable."""


def _accounts_and_audit(ctx: click.Context, action: str, target: str, change):
    """Run ``change(accounts)`` and append the outcome to the audit log, with the system user as actor."""
    import getpass

    from kb.catalog.database import Catalog

    with Catalog.open(_settings(ctx).check()) as catalog:
        try:
            result = change(catalog.accounts)
        except KBError as exc:
            catalog.audit(getpass.getuser(), action, target, f"failed: {exc}")
            raise
        catalog.audit(getpass.getuser(), action, target, "ok")
        return result


def _new_password(password_stdin: bool) -> tuple[str, bool]:
    from kb.catalog.accounts import generate_password

    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return generate_password(), True


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), default="reader", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create a local account; a generated password is printed once.

    Example: kb user add anna --role editor
    """
    from kb.models import Role

    password, generated = _new_password(password_stdin)
    _accounts_and_audit(ctx, "add account", name, lambda a: a.add(name, Role.parse(role), password))
    click.echo(f"Created {role} {name}." + (f" Password (shown once): {password}" if generated else ""))


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """List the accounts with their role and state.

    Example: kb user list
    """
    from kb.catalog.database import Catalog

    with Catalog.open(_settings(ctx).check()) as catalog:
        rows = [a.as_json() for a in catalog.accounts.all()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in rows:
        state = "disabled" if a["disabled"] else "active"
        click.echo(f"{a['name']:<24} {a['role']:<7} {a['source']:<6} {state:<9} since {a['created_at']}")


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reader", "editor", "admin"]))
@click.pass_context
def user_role(ctx: click.Context, name: str, role: str) -> None:
    """Change an account's role; its sessions end.

    Example: kb user role anna admin
    """
    from kb.models import Role

    _accounts_and_audit(ctx, "change role", name, lambda a: a.set_role(name, Role.parse(role)))
    click.echo(f"{name} is now {role}.")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.pass_context
def user_passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once, unless read from stdin); sessions end.

    Example: kb user passwd admin
    """
    password, generated = _new_password(password_stdin)
    _accounts_and_audit(ctx, "reset password", name, lambda a: a.set_password(name, password))
    click.echo(f"New password for {name}" + (f" (shown once): {password}" if generated else " set."))


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Let a disabled account log in again.")
@click.pass_context
def user_disable(ctx: click.Context, name: str, enable: bool) -> None:
    """Stop an account from logging in (its sessions end at once), or --enable it again.

    Example: kb user disable anna
    """
    action = "enable account" if enable else "disable account"
    _accounts_and_audit(ctx, action, name, lambda a: a.set_disabled(name, not enable))
    click.echo(f"{name} is {'enabled' if enable else 'disabled'}.")


@main.command("import-register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["projektbanken", "interreg-se", "cordis", "csv"]),
    required=True,
    help="projektbanken (Tillväxtverket JSON), interreg-se (Interreg partners JSON), cordis (organization CSV), "
    "csv (any project list, with --map or --map-file).",
)
@click.option(
    "--map", "mapping", default="", help="csv: Column=field pairs, comma-separated, e.g. 'Projektnamn=title'."
)
@click.option(
    "--map-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="csv: a file with one Column=field pair per line (# comments).",
)
@click.pass_context
def import_register(ctx: click.Context, file: Path, fmt: str, mapping: str, map_file: Path | None) -> None:
    """Import a project register: its projects become searchable next to the reports. Safe to re-run.

    Example: kb import-register projektbanken.json --format projektbanken
    """
    from tqdm import tqdm

    from ingest.register_csv import parse_mapping
    from ingest.registers import import_entries, read_register
    from kb.store.writer import Store

    columns = None
    if fmt == "csv":
        text = (map_file.read_text(encoding="utf-8") + "\n" if map_file else "") + mapping
        columns = parse_mapping(text)
    elif mapping or map_file:
        raise click.UsageError("--map and --map-file are for --format csv only.")
    entries = read_register(file, fmt, columns)
    with Store.open(_settings(ctx)) as store:
        store.reconcile()
        with tqdm(total=len(entries), unit="project", file=sys.stderr, disable=None, dynamic_ncols=True) as bar:
            summary = import_entries(entries, store, progress=lambda done, _: bar.update(done - bar.n))
    click.echo(summary.line())


@main.group()
def model() -> None:
    """The embedding model: build its folder ahead of time (e.g. into a container image)."""


@model.command("build")
@click.pass_context
def model_build(ctx: click.Context) -> None:
    """Build and check the model folder and its language-direction cache in KB_MODEL_CACHE; later starts only read them.

    Example: KB_MODEL_CACHE=/opt/kb/models kb model build
    """
    from kb.model.embedder import Embedder

    settings = _settings(ctx)
    embedder = Embedder.load(settings)
    click.echo(f"{embedder.index_id} ({embedder.dim} dimensions) ready in {settings.model_cache_dir}.")


@main.command()
@click.argument("action", type=click.Choice(["build"]))
@click.pass_context
def directory(ctx: click.Context, action: str) -> None:
    """Rebuild the partner directory (organisations de-duplicated across reports and registers) now.

    Example: kb directory build
    """
    from kb.catalog.database import Catalog
    from kb.catalog.lock import WriterLock
    from kb.directory import organisations as partner_directory

    settings = _settings(ctx).check()
    with WriterLock(settings.lock_path):
        catalog = Catalog.open(settings)
        try:
            clusters = partner_directory.build(catalog)
            names = sum(len(c.aliases) for c in clusters)
            click.echo(f"{len(clusters)} organisations from {names} distinct names")
        finally:
            catalog.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="KB_HOST", help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, envvar="KB_PORT", help="Port to listen on.")
@click.option("--no-samples", is_flag=True, help="Do not ingest the sample reports into an empty knowledge base.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, no_samples: bool) -> None:
    """Start the web app (search, reports, upload) on the embedded default.

    Example: kb serve --port 8000
    """
    import uvicorn

    from kb.catalog.database import Catalog
    from web.app import create_app
    from web.server import check_plain_http, uvicorn_config

    settings = _settings(ctx).check()
    check_plain_http(settings, host)
    with Catalog.open(settings) as catalog:
        password = catalog.accounts.bootstrap_admin()
    if password:
        _audit_startup(settings, "add account", "admin", "ok: first start, password printed once")
        click.echo(
            f"First start: created the account `admin` with password {password}\n"
            "  (shown only now; log in and change it under My account, or run `kb user passwd admin`).",
            err=True,
        )
    click.echo(f"Lärdomsbanken on http://{host}:{port} (data in {settings.data_dir})", err=True)
    uvicorn.Server(uvicorn_config(create_app(settings, seed_samples=not no_samples), settings, host, port)).run()


def _audit_startup(settings: Settings, action: str, target: str, outcome: str) -> None:
    from kb.catalog.database import Catalog

    catalog = Catalog.open(settings)
    try:
        catalog.audit("kb serve", action, target, outcome)
    finally:
        catalog.close()


if __name__ == "__main__":
    main()
