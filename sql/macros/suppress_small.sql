/*
The small-cell rule of the annex: a count of fewer than small_cell_limit() people (or responses)
is not published, and when a breakdown has exactly one such cell, the smallest of its other cells
is not published either (with the total, it would give the small one away).
*/
create or replace temp macro small_cell_limit() as 10;

-- a count too small to publish (NULL stays NULL, as a comparison would leave it)
create or replace temp macro is_small(n) as n < small_cell_limit();

-- 'small', 'complement' (the cell that would reveal the breakdown's one small cell) or NULL;
-- n: the cell's count (NULL is 0); is_total: the total, never suppressed; cell_group: the
-- breakdown the cell belongs to; cell_order: which cell is the smallest (ties broken by it)
create or replace temp macro suppress_small(n, is_total, cell_group, cell_order) as
    case
        when not is_total and is_small(coalesce(n, 0)) then 'small'
        when not is_total
             and count(*) filter (where not is_total and is_small(coalesce(n, 0)))
                 over (partition by cell_group) = 1
             and row_number() over (
                 partition by cell_group, is_total, is_small(coalesce(n, 0)) order by cell_order
             ) = 1
            then 'complement'
    end;

-- Why a cell is withheld, in words: `suppression` as suppress_small gives it ('small',
-- 'complement' or NULL: no note), `lang` 'en', 'nl' or 'fr', `counted` what the cell counts
-- ('people': a cell of a breakdown; 'responses': a group of survey respondents).
create or replace temp macro suppression_note(suppression, lang, counted) as
    format(
        case lang || ':' || suppression || ':' || counted
            when 'en:small:people' then 'suppressed: fewer than {} people'
            when 'en:complement:people'
                then 'suppressed: with the total it would reveal a cell of fewer than {} people'
            when 'nl:small:people' then 'niet gepubliceerd: minder dan {} personen'
            when 'nl:complement:people'
                then 'niet gepubliceerd: samen met het totaal zou deze cel een cel van minder '
                     || 'dan {} personen onthullen'
            when 'fr:small:people' then 'non publié : moins de {} personnes'
            when 'fr:complement:people'
                then 'non publié : avec le total, cette case révélerait une case de moins de '
                     || '{} personnes'
            when 'en:small:responses' then 'suppressed: fewer than {} responses'
            when 'en:complement:responses'
                then 'suppressed: with the total it would reveal a group of fewer than {} '
                     || 'responses'
            when 'nl:small:responses' then 'niet gepubliceerd: minder dan {} antwoorden'
            when 'nl:complement:responses'
                then 'niet gepubliceerd: samen met het totaal zou deze groep een groep van '
                     || 'minder dan {} antwoorden onthullen'
            when 'fr:small:responses' then 'non publié : moins de {} réponses'
            when 'fr:complement:responses'
                then 'non publié : avec le total, ce groupe révélerait un groupe de moins de '
                     || '{} réponses'
        end,
        small_cell_limit()
    );
