/*
description: >
  Every figure the annex publishes: its id, unit, Dutch and French label, and the section table
  and column it is read from. annex.figures has one row per figure in this catalog and year.
columns:
  figure_id: Figure id (see docs/figures.md), e.g. p1.members_end.A.
  principle: ICA principle (1-7) the figure belongs to.
  unit: members, requests, ratio, sessions, hours, participants, responses, mean, text, count.
  label_nl: Label in Dutch.
  label_fr: Label in French.
  section_table: Published table the value is read from.
  section_column: Column of that table.
*/
select * from (values
    ('p1.members_start', 1, 'members', 'Vennoten op 1 januari', 'Coopérateurs au 1er janvier', 'annex.membership_flows', 'members_start'),
    ('p1.new_members', 1, 'members', 'Nieuwe vennoten', 'Nouveaux coopérateurs', 'annex.membership_flows', 'new_members'),
    ('p1.exits', 1, 'members', 'Vennoten die de coöperatie verlieten', 'Coopérateurs sortis', 'annex.membership_flows', 'exits'),
    ('p1.exits.resignation', 1, 'members', 'Uittredingen: ontslag', 'Sorties : démission', 'annex.membership_flows', 'exits_resignation'),
    ('p1.exits.exclusion', 1, 'members', 'Uittredingen: uitsluiting', 'Sorties : exclusion', 'annex.membership_flows', 'exits_exclusion'),
    ('p1.exits.death', 1, 'members', 'Uittredingen: overlijden', 'Sorties : décès', 'annex.membership_flows', 'exits_death'),
    ('p1.exits.bankruptcy', 1, 'members', 'Uittredingen: faillissement', 'Sorties : faillite', 'annex.membership_flows', 'exits_bankruptcy'),
    ('p1.exits.winding_up', 1, 'members', 'Uittredingen: vereffening', 'Sorties : liquidation', 'annex.membership_flows', 'exits_winding_up'),
    ('p1.exits.transfer', 1, 'members', 'Uittredingen: overdracht van alle aandelen', 'Sorties : cession de toutes les parts', 'annex.membership_flows', 'exits_transfer'),
    ('p1.resignations', 1, 'members', 'Ontslagen vennoten', 'Coopérateurs démissionnaires', 'annex.membership_flows', 'exits_resignation'),
    ('p1.exclusions', 1, 'members', 'Uitgesloten vennoten', 'Coopérateurs exclus', 'annex.membership_flows', 'exits_exclusion'),
    ('p1.members_end', 2, 'members', 'Vennoten op 31 december', 'Coopérateurs au 31 décembre', 'annex.membership_flows', 'members_end'),
    ('p1.members_end.A', 2, 'members', 'Vennoten van categorie A op 31 december', 'Coopérateurs de catégorie A au 31 décembre', 'annex.membership_flows', 'members_end_a'),
    ('p1.members_end.B', 2, 'members', 'Vennoten van categorie B op 31 december', 'Coopérateurs de catégorie B au 31 décembre', 'annex.membership_flows', 'members_end_b'),
    ('p1.members_end.C', 2, 'members', 'Vennoten van categorie C op 31 december', 'Coopérateurs de catégorie C au 31 décembre', 'annex.membership_flows', 'members_end_c'),
    ('p1.applications', 1, 'requests', 'Aanvragen tot aansluiting', 'Demandes d''adhésion', 'annex.membership_flows', 'applications'),
    ('p1.applications_refused', 1, 'requests', 'Geweigerde aanvragen tot aansluiting', 'Demandes d''adhésion refusées', 'annex.membership_flows', 'applications_refused'),
    ('p1.withdrawal_requests', 1, 'requests', 'Terugtrekkingsaanvragen', 'Demandes de retrait', 'annex.membership_flows', 'withdrawal_requests'),
    ('p1.withdrawal_requests_refused', 1, 'requests', 'Geweigerde terugtrekkingsaanvragen', 'Demandes de retrait refusées', 'annex.membership_flows', 'withdrawal_requests_refused'),
    ('p2.ga_voters', 2, 'members', 'Vennoten die stemden op de gewone algemene vergadering', 'Coopérateurs ayant voté à l''assemblée générale ordinaire', 'annex.general_assemblies', 'voters'),
    ('p2.ga_turnout', 2, 'ratio', 'Opkomst op de gewone algemene vergadering', 'Participation à l''assemblée générale ordinaire', 'annex.general_assemblies', 'turnout')
) as catalog(figure_id, principle, unit, label_nl, label_fr, section_table, section_column)
