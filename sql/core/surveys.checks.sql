/*
name: survey_of_each_year_known
description: >
  Each year with surveys has one survey to report: the only one, or the one named by
  participation.survey_id in the year's governance file.
fix: >
  Several surveys start with this year: name the one the annex reports as
  participation.survey_id in governance/<year>.yaml (or correct the survey id named there).
severity: error
*/
select year, list(survey_id order by survey_id) as surveys,
       any_value(named_in_governance) as named_in_governance
from core.surveys
group by year
having count(*) filter (where is_survey_of_year) <> 1;
