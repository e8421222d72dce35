"""What the web app keeps open for its lifetime (on app.state.kb): the store, the searcher, the upload jobs
and the index repair. Each guards itself; request handlers take no lock."""

from __future__ import annotations

from dataclasses import dataclass

from kb.search.ranking import Searcher
from kb.settings import Settings
from kb.store.jobs import Jobs
from kb.store.repair import IndexRepair
from kb.store.writer import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    searcher: Searcher
    jobs: Jobs
    repair: IndexRepair
