"""The certificate as an Open Badges 3.0 credential (JSON-LD), built from the frozen content.

Shape: one OpenBadgeCredential whose achievement is the certificate itself. OB 3.0 puts
exactly one achievement in a credential, so the modules are the achievement's result
descriptions (one per module, a 1–10 rubric) and the subject's results say the step
reached on each, with that step's title and meaning as the achieved rubric level.

Unsigned: there is no `proof`, because movetrack holds no signing key yet. A reader
trusts it the same way as the paper: by opening the verification page it names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from movetrack.certificates.models import Certificate
from movetrack.modules.models import AREA_LABELS

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _result_description(base: str, index: int, module: dict, language: str) -> dict[str, Any]:
    with force_locale(language):  # the credential's language, not the visitor's
        area = str(AREA_LABELS.get(module["area"], module["area"]))
    return {
        "id": f"{base}#module-{index}",
        "type": ["ResultDescription"],
        "name": f"{module['title']} ({area})",
        "resultType": "RubricCriterionLevel",
        "valueMin": "1",
        "valueMax": str(module["steps"]),
        "rubricCriterionLevel": [
            {
                "id": f"{base}#module-{index}-step-{module['step']}",
                "type": ["RubricCriterionLevel"],
                "level": str(module["step"]),
                "name": module["step_title"],
                "description": module["step_meaning"],
            }
        ],
    }


def _result(base: str, index: int, module: dict) -> dict[str, Any]:
    return {
        "type": ["Result"],
        "resultDescription": f"{base}#module-{index}",
        "achievedLevel": f"{base}#module-{index}-step-{module['step']}",
        "value": str(module["step"]),
    }


def open_badge_credential(
    certificate: Certificate, badge_url: str, verify_url: str, issuer_url: str
) -> dict[str, Any]:
    content = certificate.content
    modules = content["modules"]
    with force_locale(content.get("language", "sv")):
        title = _("Certificate of competence development")
        description = _(
            "Steps reached on MOVE modules from %(start)s to %(end)s, as assessed "
            "by staff at %(unit)s.",
            start=content["period"]["start"],
            end=content["period"]["end"],
            unit=content["unit"],
        )
        narrative = _(
            "Each module is a skill described as ten steps. The step reached is the "
            "latest staff assessment on or before the end of the period. Check the "
            "certificate at %(url)s.",
            url=verify_url,
        )
        evidence_name = _("Verification page")
    return {
        "@context": CONTEXT,
        "id": badge_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": {
            "id": issuer_url,
            "type": ["Profile"],
            "name": f"{content['organisation']}, {content['unit']}",
        },
        "validFrom": _iso(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": content["participant"]["name"],
                }
            ],
            "achievement": {
                "id": f"{badge_url}#achievement",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": title,
                "description": description,
                "criteria": {"narrative": narrative},
                "inLanguage": content.get("language", "sv"),
                "resultDescription": [
                    _result_description(badge_url, index, module, content.get("language", "sv"))
                    for index, module in enumerate(modules, 1)
                ],
            },
            "result": [
                _result(badge_url, index, module) for index, module in enumerate(modules, 1)
            ],
        },
        "evidence": [
            {
                "id": verify_url,
                "type": ["Evidence"],
                "name": evidence_name,
                "description": f"SHA-256 {certificate.content_sha256}",
            }
        ],
    }
