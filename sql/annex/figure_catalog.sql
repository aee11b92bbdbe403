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
  section_column: >
    Column of that table; for a table with one row per group, the column and the group's row
    in brackets (hours[gender=M], sessions[audience=all], hours[total] for the total row); for
    annex.governance_facts, the key path in the governance file.
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
    ('p2.ga_turnout', 2, 'ratio', 'Opkomst op de gewone algemene vergadering', 'Participation à l''assemblée générale ordinaire', 'annex.general_assemblies', 'turnout'),
    ('p2.survey.responses', 2, 'responses', 'Antwoorden op de ledenbevraging', 'Réponses à l''enquête auprès des membres', 'annex.survey_responses', 'responses'),
    ('p2.survey.response_rate', 2, 'ratio', 'Responsgraad van de ledenbevraging', 'Taux de réponse à l''enquête auprès des membres', 'annex.survey_responses', 'response_rate'),
    ('p2.survey.satisfaction_mean.overall', 2, 'mean', 'Gemiddelde tevredenheid (1 tot 5)', 'Satisfaction moyenne (de 1 à 5)', 'annex.survey_satisfaction', 'satisfaction_mean[theme=overall]'),
    ('p2.survey.satisfaction_mean.working_conditions', 2, 'mean', 'Gemiddelde tevredenheid over de arbeidsomstandigheden (1 tot 5)', 'Satisfaction moyenne quant aux conditions de travail (de 1 à 5)', 'annex.survey_satisfaction', 'satisfaction_mean[theme=working_conditions]'),
    ('p2.survey.satisfaction_mean.social_protection', 2, 'mean', 'Gemiddelde tevredenheid over de toegang tot sociale bescherming (1 tot 5)', 'Satisfaction moyenne quant à l''accès à la protection sociale (de 1 à 5)', 'annex.survey_satisfaction', 'satisfaction_mean[theme=social_protection]'),
    ('p2.survey.top2box.overall', 2, 'ratio', 'Aandeel tevreden of zeer tevreden antwoorden', 'Part de réponses satisfaites ou très satisfaites', 'annex.survey_satisfaction', 'top2box[theme=overall]'),
    ('p2.survey.top2box.working_conditions', 2, 'ratio', 'Aandeel tevreden of zeer tevreden antwoorden over de arbeidsomstandigheden', 'Part de réponses satisfaites ou très satisfaites quant aux conditions de travail', 'annex.survey_satisfaction', 'top2box[theme=working_conditions]'),
    ('p2.survey.top2box.social_protection', 2, 'ratio', 'Aandeel tevreden of zeer tevreden antwoorden over de toegang tot sociale bescherming', 'Part de réponses satisfaites ou très satisfaites quant à l''accès à la protection sociale', 'annex.survey_satisfaction', 'top2box[theme=social_protection]'),
    ('p2.survey.band', 2, 'text', 'Tevredenheid (laag, middelmatig, hoog)', 'Satisfaction (faible, moyenne, élevée)', 'annex.survey_satisfaction', 'band[theme=overall]'),
    ('p2.survey.band.working_conditions', 2, 'text', 'Tevredenheid over de arbeidsomstandigheden (laag, middelmatig, hoog)', 'Satisfaction quant aux conditions de travail (faible, moyenne, élevée)', 'annex.survey_satisfaction', 'band[theme=working_conditions]'),
    ('p2.survey.band.social_protection', 2, 'text', 'Tevredenheid over de toegang tot sociale bescherming (laag, middelmatig, hoog)', 'Satisfaction quant à l''accès à la protection sociale (faible, moyenne, élevée)', 'annex.survey_satisfaction', 'band[theme=social_protection]'),
    ('p2.board_elected', 2, 'count', 'Nieuw verkozen bestuurders', 'Administrateurs nouvellement élus', 'annex.governance_facts', 'board.elected'),
    ('p2.board_coopted', 2, 'count', 'Gecoöpteerde bestuurders', 'Administrateurs cooptés', 'annex.governance_facts', 'board.coopted'),
    ('p2.ethics.new_cases', 2, 'count', 'Nieuwe cases voor het ethisch comité', 'Nouveaux cas soumis au comité d''éthique', 'annex.governance_facts', 'ethics_committee.new_cases'),
    ('p2.ethics.handled_cases', 2, 'count', 'Door het ethisch comité behandelde cases', 'Cas traités par le comité d''éthique', 'annex.governance_facts', 'ethics_committee.handled_cases'),
    ('p2.ethics.meetings', 2, 'count', 'Vergaderingen van het ethisch comité', 'Réunions du comité d''éthique', 'annex.governance_facts', 'ethics_committee.meetings'),
    ('p2.ethics.new_members', 2, 'count', 'Nieuwe leden van het ethisch comité', 'Nouveaux membres du comité d''éthique', 'annex.governance_facts', 'ethics_committee.new_members'),
    ('p2.smartlabs.groups', 2, 'count', 'SmartLab-groepen', 'Groupes SmartLab', 'annex.governance_facts', 'participation.smartlabs.groups'),
    ('p2.smartlabs.interested', 2, 'count', 'Personen die interesse toonden voor de SmartLabs', 'Personnes ayant manifesté leur intérêt pour les SmartLabs', 'annex.governance_facts', 'participation.smartlabs.interested'),
    ('p2.smartlabs.regular', 2, 'count', 'Personen die regelmatig samenkwamen in de SmartLabs', 'Personnes s''étant réunies régulièrement dans les SmartLabs', 'annex.governance_facts', 'participation.smartlabs.regular'),
    ('p2.smartlabs.meeting_hours', 2, 'hours', 'Uren SmartLab-ontmoetingen', 'Heures de rencontres des SmartLabs', 'annex.governance_facts', 'participation.smartlabs.meeting_hours'),
    ('p2.workers_assembly.action_points', 2, 'count', 'Actiepistes van de werkersvergadering', 'Pistes d''action de l''assemblée des travailleurs', 'annex.governance_facts', 'participation.workers_assembly.action_points'),
    ('p2.workers_assembly.debated', 2, 'count', 'Actiepistes waarover gedebatteerd werd', 'Pistes d''action débattues', 'annex.governance_facts', 'participation.workers_assembly.debated'),
    ('p5.staff_trainings', 5, 'count', 'Opleidingen voor de ondersteunende teams', 'Formations des équipes de soutien', 'annex.staff_training', 'trainings[total]'),
    ('p5.staff_training_hours', 5, 'hours', 'Opleidingsuren van de ondersteunende teams', 'Heures de formation des équipes de soutien', 'annex.staff_training', 'hours[total]'),
    ('p5.staff_training_hours.formeel', 5, 'hours', 'Opleidingsuren: formele opleiding', 'Heures de formation : formation formelle', 'annex.staff_training', 'hours[type=formeel]'),
    ('p5.staff_training_hours.informeel', 5, 'hours', 'Opleidingsuren: minder formele of informele opleiding', 'Heures de formation : formation moins formelle ou informelle', 'annex.staff_training', 'hours[type=informeel]'),
    ('p5.staff_training_hours.initieel', 5, 'hours', 'Opleidingsuren: initiële opleiding', 'Heures de formation : formation initiale', 'annex.staff_training', 'hours[type=initieel]'),
    ('p5.staff_training_hours.gender.M', 5, 'hours', 'Opleidingsuren: mannen', 'Heures de formation : hommes', 'annex.staff_training', 'hours[gender=M]'),
    ('p5.staff_training_hours.gender.V', 5, 'hours', 'Opleidingsuren: vrouwen', 'Heures de formation : femmes', 'annex.staff_training', 'hours[gender=V]'),
    ('p5.staff_training_hours.gender.X', 5, 'hours', 'Opleidingsuren: genderneutraal (X)', 'Heures de formation : genre neutre (X)', 'annex.staff_training', 'hours[gender=X]'),
    ('p5.staff_training_participants', 5, 'participants', 'Personeelsleden die een opleiding volgden', 'Membres du personnel ayant suivi une formation', 'annex.staff_training', 'participants[total]'),
    ('p5.member_trainings', 5, 'sessions', 'Opleidingen voor vennoten en publiek', 'Formations pour les coopérateurs et le public', 'annex.member_courses', 'sessions[audience=all]'),
    ('p5.member_training_participants', 5, 'participants', 'Deelnemers aan de opleidingen voor vennoten en publiek', 'Participants aux formations pour les coopérateurs et le public', 'annex.member_courses', 'participants[audience=all]'),
    ('p5.conferences', 5, 'count', 'Conferenties en debatten', 'Conférences et débats', 'annex.governance_facts', 'education.conferences'),
    ('p5.cine_club_screenings', 5, 'count', 'Vertoningen van de ciné-club', 'Projections du ciné-club', 'annex.governance_facts', 'education.cine_club_screenings'),
    ('p6.new_partner_members', 6, 'count', 'Nieuwe partners die vennoot werden', 'Nouveaux partenaires devenus coopérateurs', 'annex.governance_facts', 'cooperation.new_partner_members')
) as catalog(figure_id, principle, unit, label_nl, label_fr, section_table, section_column)
