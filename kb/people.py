"""Personal data of contact persons: export everything stored about a person, or erase it.

Erasing removes the person's contact rows and redacts their name, e-mail address and phone
number from every passage that shows them; the redacted passages are re-embedded, so neither
the catalog, the keyword index nor the vector index holds them afterwards. Both actions go to
the audit log.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace

from kb.collections import forget_contact
from kb.errors import KBError
from kb.passages import passage_text, vector_metadata
from kb.store import Store

REDACTED = "[borttaget]"


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
    store.catalog.audit(actor, "export person", email)
    return {
        "email": email,
        "contacts": [{"report_id": rid, **asdict(c)} for rid, c in contacts],
        "mentioned_in": [
            {"report_id": rid, "chunk_id": c.id, "page_start": c.page_start, "text": c.text} for rid, c in mentions
        ],
    }


def erase_person(store: Store, email: str, actor: str) -> int:
    """Erase the person with this e-mail address everywhere; returns how many passages were redacted."""
    contacts = store.catalog.contacts_by_email(email)
    if not contacts:
        store.catalog.audit(actor, "erase person", email, "not found")
        raise KBError(f"No contact person has the e-mail address {email}.")
    needles = {email} | {c.name for _, c in contacts}
    phones = [_phone_pattern(c.phone) for _, c in contacts if c.phone]
    words = [re.escape(n) for n in sorted(needles, key=len, reverse=True)]
    pattern = re.compile("|".join(words + [p for p in phones if p]), re.IGNORECASE)
    mentions = [m for m in store.catalog.chunks_mentioning(sorted(needles)) if pattern.search(m[1].text)]
    mentions += [
        m
        for m in store.catalog.chunks_mentioning([c.name.split()[-1] for _, c in contacts])
        if m not in mentions and pattern.search(m[1].text)
    ]
    redacted = {c.id: pattern.sub(REDACTED, c.text) for _, c in mentions}
    store.catalog.erase_contact(email, redacted)
    forget_contact(store.catalog, email)
    updated = [(rid, replace(c, text=redacted[c.id])) for rid, c in mentions]
    store.relearn_words([c for _, c in mentions], [c for _, c in updated])
    if updated:
        vectors = store.embedder.passages([passage_text(c) for _, c in updated])
        store.index.add([c.id for _, c in updated], vectors, [vector_metadata(rid, c) for rid, c in updated])
    store.catalog.audit(actor, "erase person", email, f"{len(contacts)} contact rows, {len(updated)} passages")
    return len(updated)
