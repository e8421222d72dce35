"""Personal data of contact persons: export everything stored about a person, or erase it.

Erasing removes the person's contact rows and redacts their name, e-mail address and phone
number from every passage that shows them; the redacted passages are re-embedded, so neither
the catalog, the keyword index nor the vector index holds them afterwards. The original PDFs that
name them are withheld until a redacted copy replaces them (ingest.erasure makes one). Both actions
go to the audit log under the person's pseudonymous key (kb.directory.organisations.person_key), never their
address, and an erasure rewrites the address to that key in the entries written before it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from kb.directory.organisations import person_key
from kb.errors import KBError
from kb.library.collections import forget_contact
from kb.store.passages import passage_text, vector_metadata
from kb.store.writer import Store

REDACTED = "[borttaget]"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, and what ingest.erasure needs to redact the original PDFs."""

    key: str  # the person's pseudonymous key, as the audit log and the person's page name them
    passages: int  # passages redacted and re-embedded
    reports: list[int]  # reports that named the person; their originals are withheld until redacted
    literals: list[str]  # the e-mail address and names, to find in the originals
    patterns: list[str]  # regular expressions (phone numbers as printed)


def _phone_pattern(phone: str) -> str | None:
    """A pattern for a phone number however it is written: +46 13 555 01 23, 013-555 01 23, 0135550123."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return None
    national = digits[2:] if phone.strip().startswith("+46") else digits.lstrip("0")
    body = r"[\s-]*".join(national)
    return rf"(?:\+\s*46[\s-]*(?:\(0\))?[\s-]*|0)?{body}"


def export_person(store: Store, email: str, actor: str) -> dict:
    """Everything stored about the person with this e-mail address."""
    contacts = store.catalog.contacts_by_email(email)
    if not contacts:
        raise KBError(f"No contact person has the e-mail address {email}.")
    names = sorted({c.name for _, c in contacts})
    mentions = store.catalog.chunks_mentioning([email, *names])
    store.catalog.audit(actor, "export person", person_key(email, ""))
    return {
        "email": email,
        "contacts": [{"report_id": rid, **asdict(c)} for rid, c in contacts],
        "mentioned_in": [
            {"report_id": rid, "chunk_id": c.id, "page_start": c.page_start, "text": c.text} for rid, c in mentions
        ],
    }


def erase_person(store: Store, email: str, actor: str) -> Erasure:
    """Erase the person with this e-mail address from the catalog and the index, and withhold the
    originals that name them."""
    with store.writing():
        return _erase(store, email, actor)


def _erase(store: Store, email: str, actor: str) -> Erasure:
    key = person_key(email, "")
    contacts = store.catalog.contacts_by_email(email)
    if not contacts:
        store.catalog.audit(actor, "erase person", key, "not found")
        raise KBError(f"No contact person has the e-mail address {email}.")
    needles = {email} | {c.name for _, c in contacts}
    phones = [p for p in (_phone_pattern(c.phone) for _, c in contacts if c.phone) if p]
    words = [re.escape(n) for n in sorted(needles, key=len, reverse=True)]
    pattern = re.compile("|".join(words + phones), re.IGNORECASE)
    mentions = [m for m in store.catalog.chunks_mentioning(sorted(needles)) if pattern.search(m[1].text)]
    mentions += [
        m
        for m in store.catalog.chunks_mentioning([c.name.split()[-1] for _, c in contacts])
        if m not in mentions and pattern.search(m[1].text)
    ]
    redacted = {c.id: pattern.sub(REDACTED, c.text) for _, c in mentions}
    reports = sorted({rid for rid, _ in contacts} | {rid for rid, _ in mentions})
    store.catalog.erase_contact(email, redacted)
    store.catalog.withhold_originals(reports)
    forget_contact(store.catalog, email)
    updated = [(rid, replace(c, text=redacted[c.id])) for rid, c in mentions]
    store.relearn_words([c for _, c in mentions], [c for _, c in updated])
    if updated:
        vectors = store.embedder.passages([passage_text(c) for _, c in updated])
        store.index.add([c.id for _, c in updated], vectors, [vector_metadata(rid, c) for rid, c in updated])
    store.catalog.pseudonymise_audit(sorted(needles), key)
    store.catalog.audit(actor, "erase person", key, f"{len(contacts)} contact rows, {len(updated)} passages")
    return Erasure(key, len(updated), reports, sorted(needles), phones)
