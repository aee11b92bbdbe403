"""Sample governance facts: the file the secretariat keeps by hand for what no system exports.

The 2024 facts are those of the annex the sample imitates. The file is a hand-written template
(not a yaml dump) because that is what a secretariat writes: comments that point to the source
of each fact, flow-style mappings, and a qualifier where the annex only says "about" or "more
than".
"""

from __future__ import annotations

from pathlib import Path

GOVERNANCE_2024_YAML = """\
# Governance facts 2024, kept by the secretariat (source: the 2024 annex).
# A count known only roughly carries a qualifier: about / more_than.
year: 2024
cooperative: {name: SmartCoop, founded: 2016, founders: 3}
general_assemblies:
  # "een twintigtal workshops" on the day of the assembly
  - {date: 2024-06-18, kind: ordinary, workshops: {value: 20, qualifier: about}}
board: {elected: 2, coopted: 3, mandate_years: 4, unpaid: true}
ethics_committee:
  new_cases: 7
  handled_cases: 3
  meetings: 8
  new_members: 2
  composition: {support_staff: 3, external_experts: 2, user_members: 6}
participation:
  smartlabs:
    groups: {value: 10, qualifier: about}          # "een tiental"
    interested: {value: 300, qualifier: more_than}  # "meer dan 300"
    regular: 200
    meeting_hours: {value: 150, qualifier: more_than}
  workers_assembly: {date: 2024-11-14, action_points: 35, debated: 8}
  # survey_id is optional: needed only when a year has several surveys
  survey_id: 2024-03_arbeidsomstandigheden
education:
  conferences: 9
  cine_club_screenings: 10
  events:
    - {name: "Rapoûlaedje", participants: {value: 70, qualifier: about}, workshops: 9}
cooperation:
  new_partner_members: [Coopcity, "Prométhéa"]
  networks: [Febecoop, Coopkracht, SAW-B, Concertes, CECOP, ICA]
# The statutes' articles the annex cites (principles 2, 3 and 4).
statutes:
  one_member_one_vote_article: 37
  board_mandate_article: 24
  unpaid_mandate_article: 23
  statutory_director: false
  founders_special_status: false
  result_allocation_article: 43
  share_repayment_article: 20
  liquidation_surplus_article: 46
autonomy:
  agreements_limiting_autonomy: false
"""


def write_governance(out_dir: Path) -> list[Path]:
    """Write `out_dir/governance/2024.yaml` (UTF-8) and return its path in a list."""
    folder = Path(out_dir) / "governance"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2024.yaml"
    path.write_text(GOVERNANCE_2024_YAML, encoding="utf-8")
    return [path]
