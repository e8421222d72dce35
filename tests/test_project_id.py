"""A report's project (ingest.project_id): acronym, name, programme, grant number, and reports grouped by project."""

from __future__ import annotations

import itertools

import pytest

from ingest.project_id import ProjectIdentity, group_projects, join_project, project_identity
from tests.conftest import CORPUS
from tests.test_report_people import pages_of

FUNDING_LINE = (
    "The project “Full scale demonstration of energy positive sewage treatment plant concepts towards market "
    "penetration” (POWERSTEP) has received funding under the European Union HORIZON 2020 – Innovation Actions - "
    "Grant agreement° 641661"
)


def test_a_funding_line_gives_acronym_name_programme_and_grant():
    """The stock funding sentence of a Horizon 2020 deliverable names the whole project."""
    identity = project_identity([FUNDING_LINE, "Grant Agreement Number: n° 641661\nInstrument: Horizon 2020"])
    assert identity.acronym == "POWERSTEP"
    assert identity.name.startswith("Full scale demonstration")
    assert identity.programme == "Horizon 2020"
    assert identity.grant == "641661"
    assert identity.key == "grant:641661"


def test_a_grant_number_cited_on_the_back_pages_is_not_the_reports():
    """Numbers are read on the front pages only: the references cite other projects' contracts."""
    pages = ["Project acronym: OXERAM 2"] + ["text"] * 6 + ["[12] DEMEAU project, EU-FP6 Contract No. 036845."]
    identity = project_identity(pages)
    assert identity.grant is None and identity.acronym == "OXERAM 2"


def test_the_organisations_project_is_not_the_project():
    """ "the KWB project" names who runs it; the project is the one the front pages name."""
    pages = ["Kompetenzzentrum Wasser Berlin gGmbH", "the KWB project on X-ray media", "the KWB project again"]
    assert project_identity(pages).acronym is None


def test_reports_join_by_any_shared_key():
    """A grant number links a report with an acronym to one without, and the acronym links a third."""
    identities = {
        "a": ProjectIdentity(acronym="PowerStep", grant="641661"),
        "b": ProjectIdentity(grant="641661"),
        "c": ProjectIdentity(acronym="POWERSTEP"),
        "d": ProjectIdentity(acronym="DEMOWARE"),
        "e": ProjectIdentity(),
    }
    keys = group_projects(identities)
    assert keys["a"] == keys["b"] == keys["c"] == "grant:641661"
    assert keys["d"] == "acronym:demoware" and keys["e"] is None


def test_a_report_that_names_no_project_joins_the_one_whose_acronym_it_uses():
    """ "REEF 2W" written through a report that prints no project field joins the project Reef2W."""
    known = {"acronym:reef2w": [ProjectIdentity(acronym="Reef2W")]}
    assert join_project(ProjectIdentity(mentions=("wwtp", "reef2w")), known) == "acronym:reef2w"
    assert join_project(ProjectIdentity(mentions=("wwtp",)), known) is None
    assert join_project(ProjectIdentity(acronym="REEF 2W"), known) == "acronym:reef2w"


ARCHIVE = [
    "Remy-2018-1069.pdf",
    "Schubert-2018-1092.pdf",
    "Thomas-2013-724.pdf",
    "Menz-2014-726.pdf",
    "Remy-2012-475.pdf",
    "Seis-2012-548.pdf",
    "Kraus-2016-1035.pdf",
    "Van_Houtte-2016-1034.pdf",
]


@pytest.mark.corpus
def test_archive_reports_group_as_their_publisher_catalogued_them():
    """Pairs of KWB archive reports are in one project exactly when KWB's catalogue says so."""
    import json

    gold_path = CORPUS / "archive" / "gold.json"
    if not gold_path.exists():
        pytest.skip("the archive's gold.json is not available")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    keys = group_projects({f: project_identity(list(pages_of(CORPUS / "archive" / "reports" / f))) for f in ARCHIVE})
    for a, b in itertools.combinations(ARCHIVE, 2):
        assert (keys[a] == keys[b]) == bool(set(gold[a]["projects"]) & set(gold[b]["projects"])), (a, b, keys)
