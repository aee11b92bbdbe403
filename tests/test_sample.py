"""Back-test of the sample: every year the pipeline publishes the story the generator planned."""

from __future__ import annotations

import pytest

from pipelines.sample.register import EXIT_REASONS, YEAR_PLAN
from tests.helpers import figures, query


@pytest.mark.parametrize("year", sorted(YEAR_PLAN))
def test_membership_flows_follow_the_plan(sample_build, year):
    plan = YEAR_PLAN[year]
    values = figures(sample_build, year)
    assert values["p1.new_members"] == plan.new
    for reason in EXIT_REASONS:
        assert values[f"p1.exits.{reason}"] == getattr(plan, reason), reason
    assert values["p1.exits"] == sum(getattr(plan, reason) for reason in EXIT_REASONS)
    assert values["p1.applications_refused"] == plan.refused_applications
    assert values["p1.withdrawal_requests_refused"] == plan.refused_withdrawals
    assert values["p1.members_end"] == (
        values["p1.members_start"] + values["p1.new_members"] - values["p1.exits"]
    )


def test_comebacks_and_transfer_joins_follow_the_plan(sample_build):
    rows = query(
        sample_build,
        """
        select year(start_date), count(*) filter (where spell_no > 1),
               count(*) filter (where joined_by = 'transfer')
        from core.member_spells group by 1 order by 1
        """,
    )
    assert rows == [
        (year, plan.comebacks, plan.transfer_joins) for year, plan in sorted(YEAR_PLAN.items())
    ]


def test_every_year_has_its_assembly_and_2021_needs_the_governance_file(sample_build):
    voters = {
        year: value
        for year, value in query(
            sample_build,
            "select year, value from annex.figures where figure_id = 'p2.ga_voters' order by 1",
        )
    }
    assert voters[2024] == 841
    assert all(voters[year] is not None and voters[year] > 100 for year in range(2016, 2021))
    note = query(
        sample_build,
        "select note from annex.figures where year = 2021 and figure_id = 'p2.ga_voters'",
    )
    assert "several general assemblies" in note[0][0]


def test_every_check_passes_on_the_sample_including_the_partner_warning(sample_build):
    results = dict(query(sample_build, "select check_name, passed from quality.check_results"))
    assert results["governance_partners_are_new_company_members"] is True
    assert all(results.values()), [name for name, passed in results.items() if not passed]
