"""Report metadata read from the front pages, in English and Swedish."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.metadata import extract_meta, parse_amount
from ingest.sandbox import read_pdf
from kb.models import ReportMeta
from tests.conftest import sample


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "example_greenfleet_final_report_en.pdf",
            ReportMeta(
                "GreenFleet BSR - Final report",
                "GreenFleet",
                "Interreg Baltic Sea Region",
                2019,
                2022,
                2_450_000,
                1_960_000,
                "EUR",
            ),
        ),
        (
            "exempel_bredband_landsbygd_slutrapport_sv.pdf",
            ReportMeta(
                "Bredband på landsbygden - slutrapport", "ByaFiber", "ERDF", 2016, 2019, 12_400_000, 6_200_000, "SEK"
            ),
        ),
    ],
)
def test_sample_metadata_is_extracted(settings, name, expected):
    """Title, acronym, programme, period, budget and EU funding come out of the cover page."""
    text = read_pdf(sample(name), settings)
    meta = extract_meta(text.pages, text.title, text.layout)
    assert replace(meta, subtitle=None, title_confidence=None) == expected


@pytest.mark.parametrize(
    ("number", "scale", "value"),
    [("3,417,378", None, 3_417_378), ("2 450 000", None, 2_450_000), ("2,4", "MEUR", 2_400_000), ("12", "mnkr", 12e6)],
)
def test_amounts_are_parsed(number, scale, value):
    """Thousands separators and scale words in both languages."""
    assert parse_amount(number, scale) == value


def test_missing_fields_stay_unknown():
    """A text without metadata gives None, not guesses."""
    meta = extract_meta(["Some notes from a meeting about nothing in particular."])
    assert (meta.programme, meta.budget_total, meta.period_start) == (None, None, None)
