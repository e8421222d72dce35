"""Partner organisations and contact persons from a report's text, each with the page it came from.

Three shapes are read: labelled lines ("Lead partner: X (Sweden)", "Projektledare: Namn, Org, e-post"),
numbered beneficiary tables whose rows end with a country, and contact blocks around e-mail
addresses. Countries are recognised in English and Swedish (pycountry), e-mail addresses are
validated (email-validator) and phone numbers parsed (phonenumbers).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import replace
from functools import cache

from kb.models import Contact, Partner

ROLE_WORDS = {
    "lead partner": "lead partner",
    "lead beneficiary": "lead partner",
    "coordinator": "lead partner",
    "projektägare": "lead partner",
    "huvudpartner": "lead partner",
    "huvudsökande": "lead partner",
    "stödmottagare": "lead partner",
    "associated partner": "associated",
    "associerad partner": "associated",
    "partner": "partner",
    "project partner": "partner",
    "beneficiary": "partner",
    "samverkanspart": "partner",
    "medsökande": "partner",
    "projektpartner": "partner",
}
CONTACT_ROLES = (
    "contact person",
    "contact",
    "project manager",
    "project coordinator",
    "project leader",
    "procurement lead",
    "kontaktperson",
    "projektledare",
    "projektkoordinator",
    "samordnare",
    "data protection officer",
    "dpo",
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LABEL = re.compile(r"^(?P<label>[A-Za-zÅÄÖåäö ]{3,30}?)\s*[:\-–]\s+(?P<rest>.+)$")
_ROW = re.compile(r"^(?P<no>\d{1,2})(?:\s+(?P<rest>.*))?$")  # a row number may stand alone above its wrapped cells
_DATES = re.compile(r"(\s+\d{2}/\d{2}/\d{4})+\s*$")
_TABLE_CONTEXT = re.compile(r"beneficiar|partner|consorti|participant|deltagare|parter\b", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(mr|mrs|ms|dr|prof)\.?\s+", re.IGNORECASE)


@cache
def _countries() -> dict[str, str]:
    """Lower-case country names, English and Swedish, to ISO 3166 alpha-2 codes."""
    import pycountry

    swedish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sv"], fallback=True)
    names: dict[str, str] = {"uk": "GB", "great britain": "GB", "czech republic": "CZ", "russia": "RU"}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", country.name), swedish.gettext(country.name)}:
            names[name.lower()] = country.alpha_2
    return names


def country_in(text: str) -> str | None:
    """The ISO code of a country named in ``text`` (longest name wins), or None."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for name, code in _countries().items():
        if len(name) > 3 and re.search(rf"\b{re.escape(name)}\b", lowered) and (best is None or len(name) > best[0]):
            best = (len(name), code)
    return best[1] if best else None


def _ends_with_country(text: str) -> tuple[str, str] | None:
    stripped = _DATES.sub("", text).strip()
    lowered = stripped.lower()
    for name in sorted(_countries(), key=len, reverse=True):
        if len(name) > 3 and lowered.endswith(" " + name):
            return stripped[: -len(name)].strip(), _countries()[name]
    return None


def _email(candidate: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(candidate.strip(".,;"), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _phone(text: str) -> str | None:
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(text, "SE"):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return None


def _clean_name(text: str) -> str:
    return _HONORIFIC.sub("", " ".join(text.split())).strip(" ,.;")


def _looks_like_person(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(c.isdigit() for c in name)


def extract(pages: list[str]) -> tuple[list[Partner], list[Contact]]:
    """The report's partner organisations and the people it names (ingest.people, ingest.organisations),
    with the labelled partner lines, beneficiary tables and contact lines read here."""
    from ingest.organisations import extract_organisations
    from ingest.people import extract_people, reference_pages

    partners: dict[str, Partner] = {}
    contacts: dict[str, Contact] = {}
    for number, page in enumerate(pages, start=1):
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        _labelled(_unwrap(lines), number, partners, contacts)
        if _TABLE_CONTEXT.search(page):
            _table_rows(lines, number, partners)
    references = reference_pages(pages)
    people = extract_people(pages, references=references)
    organisations = extract_organisations(pages, people, references=references)
    return _join_partners(list(partners.values()), organisations), _join_contacts(list(contacts.values()), people)


def _join_partners(labelled: list[Partner], found: list[Partner]) -> list[Partner]:
    from kb.directory.names import looks_like_organisation, normalise

    out: dict[str, Partner] = {}
    for candidate in labelled + found:
        partner = _without_person(candidate)
        if partner is None:
            continue
        bracket = re.match(r"^(?P<name>.+?)\s*\((?P<acr>[A-ZÅÄÖ][\w&-]{1,11})\)$", partner.name)
        if bracket and sum(c.isupper() for c in bracket.group("acr")) >= 2:
            partner = replace(partner, name=bracket.group("name"), acronym=partner.acronym or bracket.group("acr"))
        if not looks_like_organisation(partner.name) or country_in(partner.name) and len(partner.name.split()) <= 2:
            continue
        keys = {normalise(partner.name)} | ({normalise(partner.acronym)} if partner.acronym else set())
        same = next(
            (k for k, p in out.items() if keys & ({k} | ({normalise(p.acronym)} if p.acronym else set()))), None
        )
        if same is None:
            out[normalise(partner.name)] = partner
            continue
        kept = out[same]
        out[same] = replace(
            kept,
            country=kept.country or partner.country,
            acronym=kept.acronym or partner.acronym,
            pages=tuple(sorted(set(kept.pages or (kept.page,)) | set(partner.pages or (partner.page,)))),
        )
    return list(out.values())


def _without_person(partner: Partner) -> Partner | None:
    """ "Ass. Prof. Greg LESLIE University of New South Wales" -> the university; "Bernd Heinzmann (BWB)" -> BWB."""
    from ingest.names import HONORIFIC, person_name

    text = HONORIFIC.sub("", partner.name)
    words = text.split()
    for n in (3, 2):
        if len(words) > n and person_name(" ".join(words[:n])) or len(words) == n and person_name(text):
            rest = " ".join(words[n:]).strip(" ,;()")
            return replace(partner, name=rest) if rest else None
    return partner


def _join_contacts(labelled: list[Contact], people: list[Contact]) -> list[Contact]:
    """People found by ingest.people, completed by the labelled contact lines (their role, phone, e-mail)."""
    from ingest.names import Vocabulary, same_person
    from ingest.people import scan_names

    out = list(people)
    for contact in labelled:
        named = scan_names(contact.name, Vocabulary())
        if not named:
            continue  # "EC Giuseppe La Ciura": the person inside the label's text, or nobody
        contact = replace(contact, name=named[0][0])
        index = next(
            (
                i
                for i, p in enumerate(out)
                if same_person(p.name, contact.name) or (contact.email and p.email == contact.email)
            ),
            None,
        )
        if index is None:
            out.append(replace(contact, pages=(contact.page,), roles=(contact.role,) if contact.role else ()))
            continue
        person = out[index]
        out[index] = replace(
            person,
            role=contact.role or person.role,
            organisation=person.organisation or contact.organisation,
            email=person.email or contact.email,
            phone=person.phone or contact.phone,
        )
    return out


def _unwrap(lines: list[str]) -> list[str]:
    """Join a labelled line with its wrapped continuation ("..., +46 13 555 01" + "23.")."""
    out: list[str] = []
    for line in lines:
        if (
            out
            and _LABEL.match(out[-1])
            and not _LABEL.match(line)
            and (out[-1].endswith(",") or line[:1].islower() or line[:1].isdigit() or _EMAIL.match(line))
        ):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _labelled(lines: list[str], page: int, partners: dict, contacts: dict) -> None:
    for line in lines:
        match = _LABEL.match(line)
        label = match.group("label").strip().lower() if match else ""
        if not match:
            for role in ("contact person", "kontaktperson"):
                if line.lower().startswith(role + " "):
                    label, rest = role, line[len(role) + 1 :]
                    break
            else:
                continue
        else:
            rest = match.group("rest")
        if label in ROLE_WORDS:
            name = re.split(r"\s*\(|,", rest, maxsplit=1)[0].strip(" .")
            country = country_in(rest)
            if 2 < len(name) < 150 and name.lower() not in partners:
                partners[name.lower()] = Partner(name=name, country=country, role=ROLE_WORDS[label], page=page)
        elif label in CONTACT_ROLES:
            parts = [p.strip() for p in rest.split(",")]
            name = _clean_name(parts[0])
            if not _looks_like_person(name):
                continue
            email = next((e for e in (_email(m) for m in _EMAIL.findall(rest)) if e), None)
            organisation = next((p for p in parts[1:] if p and "@" not in p and not _phone(p)), None)
            key = (email or name).lower()
            if key not in contacts:
                contacts[key] = Contact(
                    name=name,
                    role=label.capitalize(),
                    organisation=organisation,
                    email=email,
                    phone=_phone(rest),
                    page=page,
                )


def _table_rows(lines: list[str], page: int, partners: dict) -> None:
    """Numbered rows of a beneficiary table, possibly wrapped over several lines, ending with a country."""
    i = 0
    while i < len(lines):
        match = _ROW.match(lines[i])
        if not match:
            i += 1
            continue
        text = match.group("rest") or ""
        for extra in range(0, 5):
            found = _ends_with_country(text) if text else None
            if found:
                name = found[0]
                words = name.split()
                short = words[-1] if len(words) >= 2 else ""
                acronym = None
                if short.isalnum() and (
                    short.isupper()
                    or any(c.isupper() for c in short[1:])
                    or short.lower() in {w.lower() for w in words[:-1]}
                ):
                    name, acronym = " ".join(words[:-1]), short  # the short-name column
                if 2 < len(name) < 150 and name.lower() not in partners:
                    partners[name.lower()] = Partner(
                        name=name, country=found[1], role="partner", page=page, acronym=acronym, pages=(page,)
                    )
                i += extra
                break
            if i + extra + 1 >= len(lines) or _ROW.match(lines[i + extra + 1]):
                break
            text = (text + " " + lines[i + extra + 1]).strip()
        i += 1


def _email_blocks(lines: list[str], page: int, contacts: dict) -> None:
    """A person named next to an e-mail address: "Boris Lesjean ... / boris.lesjean@kwb.de"."""
    for index, line in enumerate(lines):
        for raw in _EMAIL.findall(line):
            email = _email(raw)
            if email is None or email.lower() in contacts:
                continue
            local = email.split("@")[0]
            guess = " ".join(part.capitalize() for part in re.split(r"[._-]", local) if part)
            window = " ".join(lines[max(0, index - 2) : index + 1])
            if not _looks_like_person(guess):
                continue
            named = contacts.get(guess.lower())
            if named is not None and named.email is None:  # "Contact person Mr X" a few lines above
                contacts[guess.lower()] = replace(named, email=email, phone=named.phone or _phone(line))
                continue
            if guess.lower() not in window.lower():
                continue
            position = window.lower().index(guess.lower())
            name = window[position : position + len(guess)]
            after = window[position + len(guess) :].split(raw)[0].strip(" ,:;")
            role = after if after and len(after) < 80 and "@" not in after else None
            contacts[email.lower()] = Contact(
                name=name,
                role=role,
                organisation=None,
                email=email,
                phone=_phone(" ".join(lines[index : index + 2])),
                page=page,
            )
