"""The `kb` command as a user runs it: real processes, real data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import MODEL_CACHE, SAMPLES, copy_samples
from tests.pdfs import textless_pdf


def kb(*args: str, data_dir, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_MODEL_CACHE": str(MODEL_CACHE)}
    done = subprocess.run([sys.executable, "-m", "kbcli", *args], capture_output=True, text=True, env=env, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"kb {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory, embedder):
    """A data directory filled by `kb ingest` with the samples plus one text-less PDF."""
    data = tmp_path_factory.mktemp("cli") / "data"
    folder = copy_samples(tmp_path_factory.mktemp("in"))
    textless_pdf(folder / "scan.pdf")
    done = kb("ingest", str(folder), data_dir=data)
    return data, done


def test_ingest_summarises_and_names_skipped_files(cli_data):
    """The last line counts reports and chunks and names what was skipped, with why."""
    _, done = cli_data
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(f"{len(list(SAMPLES.glob('*.pdf')))} reports, ")
    assert last.endswith("1 skipped: scan.pdf (no text layer)")


def test_search_json_has_the_documented_shape(cli_data):
    """`kb search --json` prints {query, weak, answer, hits: [...]} with the contract's fields."""
    data, _ = cli_data
    out = json.loads(kb("search", "läkemedelsrester i avloppsvatten", "-k", "3", "--json", data_dir=data).stdout)
    assert out["query"] == "läkemedelsrester i avloppsvatten"
    assert len(out["hits"]) == 3
    assert set(out["hits"][0]) == {
        "chunk_id",
        "report_id",
        "file",
        "title",
        "page_start",
        "page_end",
        "section",
        "lang",
        "text",
        "score",
    }
    assert out["hits"][0]["file"] == "example_aquaclean_final_report_en.pdf"
    assert out["weak"] is False and out["answer"][0]["report_id"] == out["hits"][0]["report_id"]
    assert set(out["answer"][0]) == {"text", "report_id", "page", "chunk_id", "title"}


def test_reports_and_stats_agree(cli_data):
    """`kb reports --json` and `kb stats` describe the same catalog, and the index matches it."""
    data, _ = cli_data
    listed = json.loads(kb("reports", "--json", data_dir=data).stdout)
    stats = json.loads(kb("stats", data_dir=data).stdout)
    assert stats["reports"] == len(listed)
    assert stats["chunks"] == sum(r["chunks"] for r in listed) == stats["vectors"]


def test_eval_split_scores_both_halves(cli_data, tmp_path):
    """`kb eval --split --json` scores the odd-numbered (tuning) and even-numbered (checking) queries apart."""
    data, _ = cli_data
    queries = tmp_path / "queries.jsonl"
    lines = [
        {"id": f"q{n}", "lang": lang, "kind": "lesson", "query": text, "relevant": [{"file": name, "pages": [1]}]}
        for n, (lang, text, name) in enumerate(
            [
                ("en", "electric bus procurement", "example_greenfleet_final_report_en.pdf"),
                ("sv", "bredband på landsbygden", "exempel_bredband_landsbygd_slutrapport_sv.pdf"),
                ("en", "pharmaceutical residues in wastewater", "example_aquaclean_final_report_en.pdf"),
            ],
            start=1,
        )
    ]
    queries.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    figures = json.loads(kb("eval", str(queries), "--split", "--json", data_dir=data).stdout)
    assert figures["groups"]["all"]["n"] == 3
    assert figures["halves"]["tuning"]["groups"]["all"]["n"] == 2
    assert set(figures["halves"]["checking"]["groups"]) == {"all", "kind:lesson", "lang:sv"}


def test_nothing_ingestible_exits_non_zero(tmp_path):
    """Only when nothing at all could be ingested is the exit status non-zero."""
    textless_pdf(tmp_path / "scan.pdf")
    done = kb("ingest", str(tmp_path / "scan.pdf"), data_dir=tmp_path / "data", check=False)
    assert done.returncode == 1
    assert "0 reports, 0 chunks, 1 skipped: scan.pdf (no text layer)" in done.stdout


def test_a_missing_folder_is_one_clear_line(tmp_path):
    """User mistakes get one line, no traceback."""
    done = kb("ingest", str(tmp_path / "nowhere"), data_dir=tmp_path / "data", check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "nowhere" in done.stderr


def test_delete_unknown_report_is_a_clear_error(tmp_path):
    """Deleting an id that does not exist says so and points at `kb reports`."""
    done = kb("delete", "4242", data_dir=tmp_path / "data", check=False)
    assert done.returncode == 1
    assert "No report has id 4242" in done.stderr
