"""Who sees and edits which report: a published report is for every reader; a draft only for the editor who
uploaded it, and for admins, who also edit every report."""

from __future__ import annotations

from kb.models import Role


def may_edit(role: Role, name: str | None, report: dict) -> bool:
    """``report`` as Report.as_json gives it."""
    if role >= Role.ADMIN:
        return True
    owner = report.get("uploaded_by")
    return role >= Role.EDITOR and bool(owner and name) and str(owner).casefold() == str(name).casefold()


def may_see(role: Role, name: str | None, report: dict) -> bool:
    return role >= Role.READER and (report["status"] == "published" or may_edit(role, name, report))
