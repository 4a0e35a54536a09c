"""Issuing and revoking certificates. Each writing function checks the rules, writes,
audits and flushes (the request commits).

Freezing: `build_content` copies into plain JSON everything the paper prints (names,
unit, period, each module's title and the reached step's title and meaning in the wording
of the version it was rated under, pictogram keys, issuer, date). The PDFs, the public
page and the Open Badge are drawn from that JSON alone, so editing a module, correcting a
rating or renaming a unit afterwards changes none of them. The SHA-256 of the canonical
JSON (sorted keys, no spaces, UTF-8) is stored beside it and printed on the paper.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.certificates import queries
from movetrack.certificates.models import CODE_BYTES, Certificate
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.languages import SOURCE_LANGUAGE
from movetrack.modules import translated
from movetrack.modules.models import STEP_COUNT
from movetrack.participants.models import Assignment, Participant
from movetrack.progress.queries import steps_with_pictures
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import refused_as

REISSUED_MEANWHILE = _l("Someone reissued this certificate just now. Look at the list again.")

LANGUAGES = ("sv", "en")
# The language the module library is written in: module titles and steps are frozen in it,
# and beside it (under each module's "texts") in the certificate's language and the
# participant's where the library has an up-to-date translation (modules/translated.py).
LIBRARY_LANGUAGE = SOURCE_LANGUAGE
FROZEN_TEXTS = ("title", "step_title", "step_meaning")
# 2: module texts in more languages ("texts", "easy_read_language"); schema 1 has neither
# and is read in Swedish.
CONTENT_SCHEMA = 2  # bump when the shape of `content` changes; renderers read old shapes too
MAX_REASON_LENGTH = 2000
MAX_PICTOGRAMS_PER_STEP = 3

# Modules of these MOVE areas are health data, a special category under GDPR art. 9:
# "Fysiskt" (Fysisk hälsa, Sömn och vila, Lyfta och bära…) and "Mentalt" (Psykisk hälsa,
# Stresshantering, Självförtroende…) rate how the person's body and mind are doing, so a
# step on them tells an employer about the person's physical or mental health (recital 35).
# The other six areas describe work, activities, social and learning skills. Health
# modules are never pre-ticked: staff tick them one by one, after a warning, and only with
# the participant's agreement, which every certificate records.
HEALTH_AREAS = frozenset({"fysiskt", "mentalt"})


@dataclass(frozen=True)
class IssueChoices:
    """What staff choose on the issue form."""

    period_start: dt.date | None
    period_end: dt.date | None
    assignment_ids: tuple[int, ...]
    include_pictures: bool = False
    language: str = "sv"
    participant_agreed: bool = False


def canonical_json(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def content_intact(certificate: Certificate) -> bool:
    """The stored content still hashes to the stored hash (the triggers forbid changing
    either; this catches a change made around them)."""
    return secrets.compare_digest(content_sha256(certificate.content), certificate.content_sha256)


def new_code() -> str:
    """192 random bits. A collision is so unlikely (2^-96 after 2^48 codes) that the unique
    index, not a retry loop, is the answer to it."""
    return secrets.token_urlsafe(CODE_BYTES)


def is_health_module(assignment: Assignment) -> bool:
    return assignment.module.area.key in HEALTH_AREAS


def default_choices(participant: Participant, assignments: list[Assignment]) -> IssueChoices:
    """Every rated module except health ones, from the day the first of them was assigned to
    today, in the participant's language when it is one the certificate speaks, else
    Swedish. The participant's agreement is never assumed."""
    ids = tuple(assignment.id for assignment in assignments if not is_health_module(assignment))
    return IssueChoices(
        period_start=min((a.assigned_on for a in assignments), default=local_today()),
        period_end=local_today(),
        assignment_ids=ids,
        include_pictures=participant.needs_pictures,
        language=participant.language if participant.language in LANGUAGES else "sv",
    )


def _require_staff(user: User) -> None:
    if not may_change(user, Kind.CERTIFICATE):
        raise RuleViolation(_l("Only staff issue certificates."))


def _checked_period(choices: IssueChoices) -> tuple[dt.date, dt.date]:
    start, end = choices.period_start, choices.period_end
    if start is None:
        raise RuleViolation(_l("Choose the first day of the period."), field="period_start")
    if end is None:
        raise RuleViolation(_l("Choose the last day of the period."), field="period_end")
    if end < start:
        raise RuleViolation(_l("The period ends before it starts."), field="period_end")
    if end > local_today():
        raise RuleViolation(_l("The period cannot end after today."), field="period_end")
    return start, end


def _checked_language(language: str) -> str:
    if language not in LANGUAGES:
        raise RuleViolation(_l("Choose Swedish or English."), field="language")
    return language


def _chosen_assignments(participant: Participant, ids: tuple[int, ...]) -> list[Assignment]:
    if not ids:
        raise RuleViolation(_l("Choose at least one module."), field="modules")
    assignments = queries.assignments_for_certificate(participant, list(set(ids)))
    if len(assignments) != len(set(ids)):
        raise RuleViolation(_l("Choose among the participant's own modules."), field="modules")
    return assignments


def module_language_note(modules: list[dict], language: str, paper_language: str | None = None,
                         names: tuple[str, ...] = FROZEN_TEXTS):
    """What a paper or page in `paper_language` (default: `language`), whose module texts
    `names` are read in `language`, says about those read in Swedish, if any."""
    in_swedish = [
        translated.frozen_text(module, name, language).language == LIBRARY_LANGUAGE
        for module in modules for name in names
    ]
    if (paper_language or language) == LIBRARY_LANGUAGE or not any(in_swedish):
        return None
    if all(in_swedish):
        return _l("The module titles and steps are in Swedish, the language of the module library.")
    return _l("Module texts without a translation are in Swedish, the language of the module library.")


def _translations_to_freeze(step, languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """{language: {text: translation}} of the texts that have an up-to-date translation.
    Frozen at issue like the rest: a translation corrected later changes no certificate."""
    frozen = {}
    for language in languages:
        step_texts = translated.step_texts(step, language, ("title", "meaning"))
        texts = {"title": translated.version_title(step.version, language),
                 "step_title": step_texts["title"], "step_meaning": step_texts["meaning"]}
        kept = {name: text.value for name, text in texts.items() if text.language == language}
        if kept:
            frozen[language] = kept
    return frozen


def _module_entry(
    assignment: Assignment, reached: queries.ReachedStep, step, pictures: bool,
    languages: tuple[str, ...] = (),
) -> dict:
    entry = {
        "title": step.version.title,
        "area": assignment.module.area.key,
        "version": step.version.number,
        "step": reached.step,
        "steps": STEP_COUNT,
        "step_title": step.title,
        "step_meaning": step.meaning,
        "assessed_on": reached.assessed_on.isoformat(),
    }
    if texts := _translations_to_freeze(step, languages):
        entry["texts"] = texts
    if pictures:
        keys = [picture.pictogram_key for picture in step.pictures if picture.pictogram_key]
        entry["pictograms"] = keys[:MAX_PICTOGRAMS_PER_STEP]
    return entry


def _module_entries(
    participant: Participant, choices: IssueChoices, period_end: dt.date
) -> list[dict]:
    assignments = _chosen_assignments(participant, choices.assignment_ids)
    reached = queries.reached_steps([a.id for a in assignments], period_end)
    unrated = [a.module.title for a in assignments if a.id not in reached]
    if unrated:
        raise RuleViolation(
            lazy_text(
                "No step was recorded by the end of the period for: %(modules)s.",
                modules=", ".join(sorted(unrated)),
            ),
            field="modules",
        )
    wordings = steps_with_pictures({(r.version_id, r.step) for r in reached.values()})
    worded = [
        (a, reached[a.id], wordings.get((reached[a.id].version_id, reached[a.id].step)))
        for a in assignments
    ]
    unworded = [a.module.title for a, _reached, step in worded if step is None]
    if unworded:  # a library with a step missing; cannot happen through the library's forms
        raise RuleViolation(
            lazy_text(
                "The library has no words for the step reached on: %(modules)s.",
                modules=", ".join(sorted(unworded)),
            ),
            field="modules",
        )
    languages = _text_languages(participant, choices.language)
    entries = [_module_entry(a, r, step, choices.include_pictures, languages) for a, r, step in worded]
    area_order = {a.module.area.key: a.module.area.position for a in assignments}
    return sorted(entries, key=lambda entry: (area_order[entry["area"]], entry["title"].casefold()))


def _text_languages(participant: Participant, language: str) -> tuple[str, ...]:
    """The certificate's language (the formal paper) and the participant's (the easy-read
    one, which is theirs), where they are not the library's own."""
    return tuple(sorted({language, participant.language} - {LIBRARY_LANGUAGE}))


def build_content(user: User, participant: Participant, choices: IssueChoices) -> dict[str, Any]:
    """Everything the certificate will print, checked and frozen into JSON; writes nothing
    (the preview shows exactly this). The caller has checked the participant is in scope."""
    _require_staff(user)
    start, end = _checked_period(choices)
    language = _checked_language(choices.language)
    unit = participant.unit
    return {
        "schema": CONTENT_SCHEMA,
        "organisation": unit.organisation.name,
        "unit": unit.name,
        "participant": {"name": participant.name},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "modules": _module_entries(participant, choices, end),
        "pictures": choices.include_pictures,
        "issuer": {"name": user.name},
        "issued_on": local_today().isoformat(),
        "language": language,
        # The easy-read paper reads module texts in the participant's own language. Not on
        # the public page nor in the Open Badge: a language can tell someone's origin.
        "easy_read_language": participant.language,
    }


def _check_replaceable(participant: Participant, replaces: Certificate | None) -> None:
    if replaces is None:
        return
    if replaces.participant_id != participant.id:
        raise RuleViolation(_l("A certificate can only be reissued to the same participant."))
    if replaces.replaced_by is not None:
        raise RuleViolation(
            _l("This certificate has already been reissued. Reissue the newest one instead.")
        )


def _check_agreed(choices: IssueChoices) -> None:
    if not choices.participant_agreed:
        raise RuleViolation(
            _l("Ask the participant whether they agree to what the certificate shows."),
            field="participant_agreed",
        )


def issue_certificate(
    user: User, participant: Participant, choices: IssueChoices, replaces: Certificate | None = None
) -> Certificate:
    """Freeze the content, give it a new code and store it with who recorded the
    participant's agreement; a reissue points at the certificate it replaces, which stays
    as it was (revoke it separately if it was wrong)."""
    _check_replaceable(participant, replaces)
    _check_agreed(choices)
    content = build_content(user, participant, choices)
    now = utcnow()
    certificate = Certificate(
        code=new_code(),
        participant_id=participant.id,
        unit_id=participant.unit_id,
        issued_at=now,
        issued_by_id=user.id,
        content=content,
        content_sha256=content_sha256(content),
        replaces_id=replaces.id if replaces else None,
        agreement_recorded_at=now,
        agreement_recorded_by_id=user.id,
    )
    # Someone may have reissued the same certificate a moment ago (replaces_id is unique).
    with refused_as(partial(RuleViolation, REISSUED_MEANWHILE)):
        db.session.add(certificate)
        audit.record(
            user,
            "certificate.issued",
            certificate,
            participant.id,
            modules=len(content["modules"]),
            health_modules=sum(m["area"] in HEALTH_AREAS for m in content["modules"]),
            participant_agreed=True,
            replaces=certificate.replaces_id,
        )
    current_app.logger.info("certificate %s issued by %s", certificate.id, user.username)
    return certificate


def revoke_certificate(user: User, certificate: Certificate, reason: str | None) -> Certificate:
    """Mark the certificate revoked, once, with who and why. The reason stays internal:
    the public page shows only that and when it was revoked."""
    if not may_change(user, Kind.REVOCATION):
        raise RuleViolation(_l("Only an administrator revokes certificates."))
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Write why the certificate is revoked."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise RuleViolation(
            _l("Keep the reason under %(count)d characters.", count=MAX_REASON_LENGTH),
            field="reason",
        )
    if certificate.revoked:
        raise RuleViolation(_l("This certificate is already revoked."))
    # Conditional, so two admins revoking at once cannot both succeed.
    revoked = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=user.id, revocation_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        raise RuleViolation(_l("Someone revoked this certificate just now."))
    audit.record(
        user, "certificate.revoked", certificate, certificate.participant_id, reason=reason
    )
    db.session.flush()
    db.session.refresh(certificate)
    return certificate
