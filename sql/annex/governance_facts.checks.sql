/*
name: governance_partners_are_new_company_members
description: >
  Every new partner member of the governance file is a company (legal person) of the register
  whose membership started that year (a warning: names are matched as written, ignoring case
  and accents).
fix: >
  Check the spelling of the partner's name against the register's company_name, or the year
  the partner became a member; the figure p6.new_partner_members counts the names listed
  either way.
severity: warn
*/
with partners as (
    select year, key_path, strip_accents(lower(trim(value_text))) as name
    from ingest.governance_facts
    where key_path like 'cooperation.new_partner_members[%'
),
companies as (
    select strip_accents(lower(trim(c.company_name))) as name,
           year(s.start_date) as joined
    from ingest.cooperators c
    join staging.member_spells s on s.member_number = c.cooperator_register_number
    where c.is_company and c.company_name is not null
)
select p.year, p.key_path,
       case when not exists (select 1 from companies c where c.name = p.name)
            then 'no company member of that name in the register'
            else 'a company member of that name, but it did not join in that year'
       end as problem
from partners p
where not exists (
    select 1 from companies c where c.name = p.name and c.joined = p.year
)
order by p.year, p.key_path;
