"""The demo loader gives the Salvadoran directorate DNA databases, family references at several
custody steps, a personal effect, post-mortem samples of the demo remains and one match report."""

from __future__ import annotations

from sqlalchemy import select

from casework import demo
from casework.auth import queries as auth_queries
from casework.dna.models import DnaDatabase, DnaMatchReport, DnaReference, SampleKind
from casework.remains.models import Remains


def _with_remains_in_us_and_pa(monkeypatch):
    """The remains demo (another domain's) provides remains found in the US and Panama; until it
    does, a stand-in adds them after it ran."""
    from casework.db import new_time_uuid
    from casework.keys import create_data_key
    from casework.remains import demo as remains_demo

    real = remains_demo.load_demo_remains

    def loader(session, organisations, users):
        real(session, organisations, users)
        for n, country in enumerate(("US", "PA")):
            stmt = select(Remains).where(
                Remains.organisation_id == organisations[0].id, Remains.found_country == country
            )
            if session.scalar(stmt) is None:
                session.add(
                    Remains(
                        id=new_time_uuid(),
                        reference=f"UR-DEMO-TEST-{n}",
                        organisation_id=organisations[0].id,
                        found_country=country,
                        data_key=create_data_key(session, "remains"),
                    )
                )
        session.flush()

    monkeypatch.setattr(remains_demo, "load_demo_remains", loader)


def test_demo_dna(app, database, settings, monkeypatch):
    _with_remains_in_us_and_pa(monkeypatch)
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        databases = {d.name: (d.country, d.kind.value) for d in s.scalars(select(DnaDatabase))}
        assert databases == {
            "Banco Nacional de Datos Genéticos": ("SV", "national_genetic_bank"),
            "ICMP": ("NL", "icmp"),
            "Interpol I-Familia": ("FR", "interpol_ifamilia"),
        }
        refs = list(s.scalars(select(DnaReference)))
        family = {
            r.case.family_names: r for r in refs if r.sample_kind is SampleKind.family_reference
        }
        assert family["Rivera Campos"].custody_status.value == "received"
        assert family["Rivera Campos"].relative.full_name == "Óscar Rivera"
        assert family["Rivera Campos"].donor_relationship == "father"
        assert family["Rivera Campos"].consent_id is not None
        assert family["Tesfaye"].custody_status.value == "uploaded"
        assert family["Tesfaye"].relative.full_name == "Dawit Tesfaye"
        assert [h["status"] for h in family["Tesfaye"].custody_history] == [
            "collected",
            "shipped",
            "received",
            "profiled",
            "uploaded",
        ]
        focal = auth_queries.user_by_email(s, "focal@sv.demo")
        assert {h["by"] for h in family["Tesfaye"].custody_history} == {focal.email}
        (effect,) = [r for r in refs if r.sample_kind is SampleKind.personal_effect]
        assert effect.custody_status.value == "collected"
        assert effect.case.family_names not in family

        post_mortem = {
            r.remains.found_country: r for r in refs if r.sample_kind is SampleKind.post_mortem
        }
        assert post_mortem["PA"].custody_status.value == "uploaded"
        assert post_mortem["US"].custody_status.value == "profiled"
        forensic = auth_queries.user_by_email(s, "forensic@sv.demo")
        assert {h["by"] for h in post_mortem["PA"].custody_history} == {forensic.email}
        (report,) = s.scalars(select(DnaMatchReport))
        assert report.family_reference_id == family["Tesfaye"].id
        assert report.post_mortem_reference_id == post_mortem["PA"].id
        assert report.lab_report_reference == "ICMP-LR-2026-0193"
        assert report.likelihood_ratio == 1.2e12
        # Reported here; the identification demo confirms it.
        assert report.status.value in ("reported", "confirmed")
    # Loading again reuses what exists.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        assert len(list(s.scalars(select(DnaReference)))) == len(refs)
