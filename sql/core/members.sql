/*
group: core
materialized: view  # published as a table; in the working database a view saves a copy
description: >
  Every member ever registered, by pseudonym, with the attributes the annex may break figures
  down by. No direct identifier (name, contact, address, birth date, national number, member
  number) is kept.
columns:
  member_key: HMAC-SHA-256 pseudonym of the member number.
  is_company: True for a legal person.
  gender: male, female, other or NULL.
  lang: Preferred language (nl_BE, fr_BE, en_US, de_DE).
  country_id: Country (ISO 3166-1 alpha-2).
*/
select k.member_key, c.is_company, c.gender, c.lang, c.country_id
from ingest.cooperators c
join ingest.member_keys k on k.member_number = c.cooperator_register_number
