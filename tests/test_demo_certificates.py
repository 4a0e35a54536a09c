"""The demo issues certificates, so a newcomer sees one: one valid, one replaced by a
reissue, one revoked; loading the demo again issues none."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.certificates.models import Certificate
from movetrack.demo import demo_command
from movetrack.extensions import db


def test_the_demo_issues_a_valid_a_replaced_and_a_revoked_certificate_once(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    assert "Certificates: 4 new." in first.output
    issued = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
    by_name = {}
    for certificate in issued:
        by_name.setdefault(certificate.content["participant"]["name"], []).append(certificate)
    assert sorted(by_name) == ["Anna Karlsson", "Lena Persson", "Peter Lundgren"]

    earlier, newer = by_name["Anna Karlsson"]
    assert newer.replaces_id == earlier.id and not earlier.revoked
    assert earlier.content["period"]["end"] < newer.content["period"]["end"]
    [revoked] = by_name["Peter Lundgren"]
    assert revoked.revoked and revoked.revocation_reason
    [valid] = by_name["Lena Persson"]
    assert not valid.revoked and valid.replaced_by is None
    for certificate in issued:
        assert certificate.agreement_recorded_by_id == certificate.issued_by_id
        assert all(m["area"] not in ("fysiskt", "mentalt") for m in certificate.content["modules"])

    assert 'data-verdict="replaced"' in client.get(f"/verify/{earlier.code}").text
    assert 'data-verdict="genuine"' in client.get(f"/verify/{newer.code}").text
    assert 'data-verdict="revoked"' in client.get(f"/verify/{revoked.code}").text

    second = runner.invoke(demo_command)
    assert second.exit_code == 0, second.output
    assert "Certificates: 0 new." in second.output
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == len(issued)
