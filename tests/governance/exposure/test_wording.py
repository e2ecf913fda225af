"""Findings in words: masking said as what happened to the value, never a bare label."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from governance.exposure.wording import finding_sentence, hop_masking, leak_phrase, reason_words
from governance.models import Finding


def hop(transform, subtype, masking, level="column"):
    return {"transform": transform, "subtype": subtype, "masking": masking, "level": level}


@pytest.mark.parametrize(
    ("edge", "pii", "words"),
    [
        (hop("identity", "IDENTITY", False), True, "copied unmasked"),
        (
            hop("identity", "AGGREGATION", False),
            True,
            "aggregated, returns real values (MIN, MAX…)",
        ),
        (
            hop("transformed", "TRANSFORMATION", False),
            True,
            "transformed, the value still readable",
        ),
        (
            hop("aggregated", "AGGREGATION", False),
            False,
            "aggregated (a SUM or AVG) — masks PII, carries financial values",
        ),
        (hop("aggregated", "AGGREGATION", True), False, "counted"),
        (hop("hashed", "TRANSFORMATION", True), True, "hashed"),
        (hop("redacted", "TRANSFORMATION", True), True, "redacted"),
        (hop("identity", None, None, level="dataset"), True, "unknown (table-level lineage only)"),
        (
            hop("unknown", None, None),
            True,
            "unknown (the statement's column lineage says nothing of it)",
        ),
    ],
)
def test_a_hop_says_what_it_did_to_the_value(edge, pii, words):
    assert hop_masking(edge, pii=pii) == words


WHEN = datetime(2026, 6, 1, tzinfo=UTC)


def finding(**fields) -> Finding:
    defaults = {
        "kind": Finding.Kind.UNMASKED_PII_PATH,
        "risk_level": "HIGH",
        "source": "snowflake://prod_db.raw.customers#email",
        "target": "snowflake://prod_db.marts.export#email",
        "classification": "restricted",
        "tags": ["gdpr", "pii"],
        "masking": "unmasked",
        "hops": 1,
        "readers": [],
        "first_detected": WHEN,
        "last_detected": WHEN,
    }
    return Finding(**{**defaults, **fields})


def test_an_exposure_with_unknown_masking_may_reach_and_says_why():
    sentence = finding_sentence(finding(masking="unknown", hops=3))

    assert sentence == (
        "raw.customers.email (restricted, GDPR, PII) may reach marts.export.email with masking "
        "unknown (table-level lineage only), in 3 hops; no reads recorded in the last 90 days"
    )


def test_gaps_read_as_sentences_too():
    overdue = finding(
        kind=Finding.Kind.REVIEW_OVERDUE,
        source="snowflake://prod_db.raw.customers",
        details={"due": "2026-11-23"},
    )
    missing = finding(kind=Finding.Kind.STEWARD_MISSING, source="snowflake://prod_db.raw.events")

    assert finding_sentence(overdue, today=date(2026, 12, 3)) == (
        "The review of raw.customers (restricted, GDPR, PII) is 10 days overdue (was due 2026-11-23)"
    )
    assert finding_sentence(missing) == (
        "raw.events (restricted, GDPR, PII) has no active steward accountable for it"
    )


def test_a_leak_is_copied_only_when_every_hop_copies():
    copied = finding(paths=[{"readable": True, "hops": [hop("identity", "IDENTITY", False)]}])
    changed = finding(
        paths=[
            {
                "readable": True,
                "hops": [
                    hop("identity", "IDENTITY", False),
                    hop("transformed", "TRANSFORMATION", False),
                ],
            }
        ]
    )

    assert leak_phrase(copied) == "is copied unmasked to marts.export.email"
    assert leak_phrase(changed) == "reaches marts.export.email unmasked"


def test_the_reason_names_levels_and_tags_as_the_pages_do():
    lower = finding(reason="unclassified, below confidential; without gdpr, pii")

    assert reason_words(lower) == "unclassified, below confidential; without GDPR, PII"
