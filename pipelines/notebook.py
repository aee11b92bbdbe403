"""The notebooks' one way into the published warehouse, and the publication rules they apply.

Every call opens a fresh read-only connection to `$ANNEX_WAREHOUSE_DIR/coop.duckdb` (through
`read_publication`), reads what it needs into a pandas DataFrame and closes the connection: a
notebook left open for days never holds the file, never blocks the nightly build, and sees the
newest publication on its next query.

    from pipelines import notebook as nb
    flows = nb.query("from annex.membership_flows order by year")
    nb.figures(2024, prefix="p1.")

Charts speak the analyst's language (`ANNEX_LANG`: `nl`, the default, or `fr`) and share one
look: `use_project_charts()` registers the project's plotly template and a renderer that keeps
the charts in an HTML export; `t`, `labels` and `translate` give the texts, `survey_texts` the
codebook's question and answer texts. Every text of a chart is in `LABELS`, in one place.

The publication rules of the annex apply to what the notebooks show as well:
- `suppress_small` blanks the cells of a breakdown that cover fewer than `MIN_CELL` people, and
  the next-smallest cell of the same group when a single suppressed cell could be recomputed
  from the group's (published) total;
- `mask_small_groups` blanks every statistic of a group of fewer than `MIN_CELL` responses.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.config import PROJECT_ROOT, Settings
from pipelines.lib.warehouse import read_publication

# Smallest number of people (or survey responses) a published cell may cover.
MIN_CELL = 10

NOT_PUBLISHED = "table not yet published"

Params = Sequence[object] | Mapping[str, object] | None

LANG_VAR = "ANNEX_LANG"
NOTEBOOK_LANGS = ("nl", "fr")
TEMPLATE = "coop_annex"
# plotly's own in a kernel is the mimetype alone, which JupyterLab draws but an HTML export
# drops; `notebook` adds an HTML copy of each chart and embeds plotly.js once (works offline).
RENDERER = "plotly_mimetype+notebook"
LIKERT_CODES = ("A1", "A2", "A3", "A4", "A5", "A6")
# The single-choice answers as the codebook lists them in the question: "... (A1 x, A2 y)".
OPTIONS = re.compile(r"\s*\((A\d+\s[^()]*)\)\s*$")
OPTION = re.compile(r"(A\d+)\s+(.+)")

# Every text the notebooks' charts show, in Dutch and French: column names (`col.`), chart titles
# (`title.`) and the values of coded columns (`<column>.<value>`). One place, so that it can join
# the annex's own labels (pipelines/lib/outputs/charts.py) later.
LABELS: dict[str, dict[str, str]] = {
    # columns
    "col.year": {"nl": "Jaar", "fr": "Année"},
    "col.members": {"nl": "Vennoten", "fr": "Coopérateurs"},
    "col.category": {"nl": "Categorie", "fr": "Catégorie"},
    "col.share_of_members": {"nl": "Aandeel van de vennoten", "fr": "Part des coopérateurs"},
    "col.new_members": {"nl": "Nieuwe vennoten", "fr": "Nouveaux coopérateurs"},
    "col.exits": {"nl": "Uittredingen", "fr": "Sorties"},
    "col.net_growth": {"nl": "Nettogroei", "fr": "Croissance nette"},
    "col.members_end": {"nl": "Vennoten op 31 december", "fr": "Coopérateurs au 31 décembre"},
    "col.reason": {"nl": "Reden", "fr": "Motif"},
    "col.cohort": {"nl": "Jaar van toetreding", "fr": "Année d'adhésion"},
    "col.years_after": {"nl": "Jaren na de toetreding", "fr": "Années après l'adhésion"},
    "col.retention": {"nl": "Nog vennoot", "fr": "Toujours coopérateurs"},
    "col.spells": {"nl": "Toetredingen", "fr": "Adhésions"},
    "col.still_members": {"nl": "Nog vennoot", "fr": "Toujours coopérateurs"},
    "col.request": {"nl": "Aanvraag", "fr": "Demande"},
    "col.count": {"nl": "Aantal", "fr": "Nombre"},
    "col.assembly_date": {"nl": "Algemene vergadering", "fr": "Assemblée générale"},
    "col.voters": {"nl": "Stemmers", "fr": "Votants"},
    "col.turnout": {"nl": "Opkomst", "fr": "Participation"},
    "col.row": {"nl": "Uitkomst", "fr": "Issue"},
    "col.rows": {"nl": "Regels", "fr": "Lignes"},
    "col.channel": {"nl": "Kanaal", "fr": "Canal"},
    "col.share_of_voters": {"nl": "Aandeel van de stemmers", "fr": "Part des votants"},
    "col.hours": {"nl": "Uren", "fr": "Heures"},
    "col.trainings": {"nl": "Opleidingen", "fr": "Formations"},
    "col.participants": {"nl": "Deelnemers", "fr": "Participants"},
    "col.training_type": {"nl": "Soort opleiding", "fr": "Type de formation"},
    "col.gender": {"nl": "Gender", "fr": "Genre"},
    "col.audience": {"nl": "Doelgroep", "fr": "Public"},
    "col.sessions": {"nl": "Sessies", "fr": "Séances"},
    "col.people": {"nl": "Personen", "fr": "Personnes"},
    "col.survey": {"nl": "Bevraging", "fr": "Enquête"},
    "col.response_rate": {"nl": "Responsgraad", "fr": "Taux de réponse"},
    "col.reported": {"nl": "In de bijlage", "fr": "Dans l'annexe"},
    "col.responses": {"nl": "Volledige antwoorden", "fr": "Réponses complètes"},
    "col.members_on_first_complete_date": {
        "nl": "Vennoten op de dag van het eerste antwoord",
        "fr": "Coopérateurs le jour de la première réponse",
    },
    "col.incomplete_responses": {"nl": "Onvolledige antwoorden", "fr": "Réponses incomplètes"},
    "col.question": {"nl": "Vraag", "fr": "Question"},
    "col.answer": {"nl": "Antwoord", "fr": "Réponse"},
    "col.answers": {"nl": "Aantal antwoorden", "fr": "Nombre de réponses"},
    "col.share": {"nl": "Aandeel van de antwoorden", "fr": "Part des réponses"},
    "col.theme": {"nl": "Thema", "fr": "Thème"},
    "col.respondents": {"nl": "Respondenten", "fr": "Répondants"},
    "col.satisfaction_mean": {
        "nl": "Gemiddelde tevredenheid (1 tot 5)",
        "fr": "Satisfaction moyenne (de 1 à 5)",
    },
    "col.top2box": {
        "nl": "Aandeel tevreden of zeer tevreden",
        "fr": "Part de satisfaits ou très satisfaits",
    },
    "col.band": {"nl": "Tevredenheid", "fr": "Satisfaction"},
    "col.group": {"nl": "Groep", "fr": "Groupe"},
    "col.breakdown": {"nl": "Indeling", "fr": "Répartition"},
    "col.source_file": {"nl": "Bestand", "fr": "Fichier"},
    "col.outcome": {"nl": "Uitkomst", "fr": "Issue"},
    "col.column_name": {"nl": "Kolom", "fr": "Colonne"},
    "col.checks": {"nl": "Controles", "fr": "Contrôles"},
    "col.kind": {"nl": "Soort", "fr": "Type"},
    "col.result": {"nl": "Resultaat", "fr": "Résultat"},
    "col.figures": {"nl": "Cijfers", "fr": "Chiffres"},
    # titles
    "title.growth": {
        "nl": "Toetredingen en uittredingen per jaar",
        "fr": "Adhésions et sorties par année",
    },
    "title.growth_axis": {
        "nl": "Vennoten die toetreden (+) of uittreden (−)",
        "fr": "Coopérateurs entrés (+) ou sortis (−)",
    },
    "title.categories": {
        "nl": "Vennoten op 31 december per categorie",
        "fr": "Coopérateurs au 31 décembre par catégorie",
    },
    "title.joiners": {
        "nl": "Nieuwe vennoten per categorie bij de toetreding (cellen onder 10 weggelaten)",
        "fr": "Nouveaux coopérateurs par catégorie à l'adhésion (cellules de moins de 10 masquées)",
    },
    "title.exits": {"nl": "Uittredingen per reden", "fr": "Sorties par motif"},
    "title.retention": {
        "nl": "Aandeel van de vennoten van elk toetredingsjaar dat na n jaar nog vennoot is",
        "fr": "Part des coopérateurs de chaque année d'adhésion encore coopérateurs après n ans",
    },
    "title.requests": {
        "nl": "Aanvragen tot toetreding en tot terugneming, en hoeveel er geweigerd werden",
        "fr": "Demandes d'adhésion et de retrait, et combien ont été refusées",
    },
    "title.turnout": {
        "nl": "Stemmers en opkomst op elke algemene vergadering",
        "fr": "Votants et participation à chaque assemblée générale",
    },
    "title.voters_axis": {"nl": "Vennoten die stemden", "fr": "Coopérateurs ayant voté"},
    "title.voters_of": {"nl": "Stemmers ({kind})", "fr": "Votants ({kind})"},
    "title.vote_rows": {"nl": "Stemregels per uitkomst", "fr": "Lignes de vote par issue"},
    "title.channels": {
        "nl": "Stemmers per kanaal (cellen onder 10 weggelaten)",
        "fr": "Votants par canal (cellules de moins de 10 masquées)",
    },
    "title.staff_by_type": {
        "nl": "Opleidingsuren van de ondersteunende teams per soort opleiding",
        "fr": "Heures de formation des équipes d'appui par type de formation",
    },
    "title.staff_by_gender": {
        "nl": "Opleidingsuren van de ondersteunende teams per gender (cellen van minder dan 10 "
        "personen weggelaten)",
        "fr": "Heures de formation des équipes d'appui par genre (cellules de moins de 10 "
        "personnes masquées)",
    },
    "title.courses": {
        "nl": "Aanwezige deelnemers aan de opleidingen voor vennoten en publiek, per doelgroep",
        "fr": "Participants présents aux formations pour les membres et le public, par public",
    },
    "title.response_rate": {
        "nl": "Responsgraad van elke bevraging (volledige antwoorden / vennoten)",
        "fr": "Taux de réponse de chaque enquête (réponses complètes / coopérateurs)",
    },
    "title.answers": {
        "nl": "Antwoorden per vraag, {survey}",
        "fr": "Réponses par question, {survey}",
    },
    "title.satisfaction": {
        "nl": "Gemiddelde tevredenheid per thema (1 = zeer ontevreden, 5 = zeer tevreden)",
        "fr": "Satisfaction moyenne par thème (1 = très insatisfait, 5 = très satisfait)",
    },
    "title.top2box": {
        "nl": "Aandeel tevreden of zeer tevreden antwoorden per thema",
        "fr": "Part de réponses satisfaites ou très satisfaites par thème",
    },
    "title.by_group": {
        "nl": "Gemiddelde tevredenheid per groep van respondenten, {survey}",
        "fr": "Satisfaction moyenne par groupe de répondants, {survey}",
    },
    "title.survey": {"nl": "bevraging van {month} {year}", "fr": "enquête de {month} {year}"},
    "title.files": {
        "nl": "Gebruikte regels en regels in quarantaine per bestand",
        "fr": "Lignes utilisées et lignes en quarantaine par fichier",
    },
    "title.quarantine": {
        "nl": "Regels in quarantaine per bestand en reden",
        "fr": "Lignes en quarantaine par fichier et par motif",
    },
    "title.checks": {
        "nl": "Gegevenscontroles van de laatste verwerking",
        "fr": "Contrôles des données du dernier traitement",
    },
    "title.coverage": {"nl": "Berekende cijfers per jaar", "fr": "Chiffres calculés par année"},
    # values of coded columns
    "reason.resignation": {"nl": "Ontslag", "fr": "Démission"},
    "reason.exclusion": {"nl": "Uitsluiting", "fr": "Exclusion"},
    "reason.death": {"nl": "Overlijden", "fr": "Décès"},
    "reason.bankruptcy": {"nl": "Faillissement", "fr": "Faillite"},
    "reason.winding_up": {"nl": "Vereffening", "fr": "Liquidation"},
    "reason.transfer": {"nl": "Overdracht", "fr": "Cession"},
    "reason.duplicate_vote": {"nl": "Dubbele stem", "fr": "Vote en double"},
    "reason.not_a_member": {
        "nl": "Geen vennoot op de vooravond",
        "fr": "Pas coopérateur la veille",
    },
    "reason.bad_member_number": {
        "nl": "Ongeldig vennotennummer",
        "fr": "Numéro de coopérateur invalide",
    },
    "reason.missing_value": {"nl": "Ontbrekende waarde", "fr": "Valeur manquante"},
    "reason.bad_type": {"nl": "Onleesbare waarde", "fr": "Valeur illisible"},
    "reason.not_allowed": {"nl": "Niet toegelaten waarde", "fr": "Valeur non admise"},
    "reason.out_of_range": {"nl": "Waarde buiten bereik", "fr": "Valeur hors limites"},
    "reason.bad_answer_code": {"nl": "Ongeldige antwoordcode", "fr": "Code de réponse invalide"},
    "reason.not_positive": {"nl": "Geen positief aantal uren", "fr": "Nombre d'heures non positif"},
    "reason.unknown_training": {
        "nl": "Opleiding niet in de lijst van het werkboek",
        "fr": "Formation absente de la liste du classeur",
    },
    "reason.outside_scale": {
        "nl": "Antwoordcode buiten de schaal van de vraag",
        "fr": "Code de réponse hors de l'échelle de la question",
    },
    "reason.end_before_start": {
        "nl": "Einddatum vóór begindatum",
        "fr": "Date de fin avant la date de début",
    },
    "request.applications": {"nl": "Aanvragen tot toetreding", "fr": "Demandes d'adhésion"},
    "request.applications_refused": {
        "nl": "Geweigerde aanvragen tot toetreding",
        "fr": "Demandes d'adhésion refusées",
    },
    "request.withdrawal_requests": {
        "nl": "Aanvragen tot terugneming",
        "fr": "Demandes de retrait",
    },
    "request.withdrawal_requests_refused": {
        "nl": "Geweigerde terugtrekkingsaanvragen",
        "fr": "Demandes de retrait refusées",
    },
    "kind.ordinary": {"nl": "gewone algemene vergadering", "fr": "assemblée générale ordinaire"},
    "kind.other": {"nl": "andere of onbekende", "fr": "autre ou inconnue"},
    "row.voters": {"nl": "Geteld", "fr": "Comptées"},
    "row.duplicate_votes": {"nl": "Dubbele stem", "fr": "Vote en double"},
    "row.non_member_votes": {"nl": "Stem van een niet-vennoot", "fr": "Vote d'un non-coopérateur"},
    "channel.onsite": {"nl": "Ter plaatse", "fr": "Sur place"},
    "channel.online": {"nl": "Online", "fr": "En ligne"},
    "channel.proxy": {"nl": "Volmacht", "fr": "Procuration"},
    "training_type.formeel": {"nl": "Formeel", "fr": "Formelle"},
    "training_type.informeel": {"nl": "Informeel", "fr": "Informelle"},
    "training_type.initieel": {"nl": "Initieel", "fr": "Initiale"},
    "gender.M": {"nl": "Man", "fr": "Homme"},
    "gender.V": {"nl": "Vrouw", "fr": "Femme"},
    "gender.X": {"nl": "X", "fr": "X"},
    "audience.membres": {"nl": "Vennoten", "fr": "Membres"},
    "audience.grand public": {"nl": "Breed publiek", "fr": "Grand public"},
    "audience.membres et grand public": {
        "nl": "Vennoten en publiek",
        "fr": "Membres et grand public",
    },
    "reported.True": {"nl": "Ja", "fr": "Oui"},
    "reported.False": {"nl": "Nee", "fr": "Non"},
    "theme.working_conditions": {"nl": "Arbeidsomstandigheden", "fr": "Conditions de travail"},
    "theme.social_protection": {
        "nl": "Toegang tot sociale bescherming",
        "fr": "Accès à la protection sociale",
    },
    "theme.overall": {"nl": "Alle vragen", "fr": "Toutes les questions"},
    "theme.profile": {"nl": "Profiel", "fr": "Profil"},
    "band.low": {"nl": "laag", "fr": "faible"},
    "band.moderate": {"nl": "middelmatig", "fr": "moyenne"},
    "band.high": {"nl": "hoog", "fr": "élevée"},
    "breakdown.language": {"nl": "Taal van de antwoorden", "fr": "Langue des réponses"},
    "group.nl": {"nl": "Nederlands", "fr": "Néerlandais"},
    "group.fr": {"nl": "Frans", "fr": "Français"},
    "group.(no answer)": {"nl": "Geen antwoord", "fr": "Pas de réponse"},
    # the likert scale of the survey spec (raw-exports.md), as the annex's charts word it
    "answer.A1": {"nl": "Zeer ontevreden", "fr": "Très insatisfait"},
    "answer.A2": {"nl": "Ontevreden", "fr": "Insatisfait"},
    "answer.A3": {"nl": "Neutraal", "fr": "Neutre"},
    "answer.A4": {"nl": "Tevreden", "fr": "Satisfait"},
    "answer.A5": {"nl": "Zeer tevreden", "fr": "Très satisfait"},
    "answer.A6": {"nl": "Weet niet of niet van toepassing", "fr": "Ne sait pas ou sans objet"},
    "outcome.rows_kept": {"nl": "Gebruikt", "fr": "Utilisées"},
    "outcome.quarantined_on_reading": {
        "nl": "In quarantaine bij het inlezen",
        "fr": "En quarantaine à la lecture",
    },
    "outcome.quarantined_later": {
        "nl": "In quarantaine na het inlezen",
        "fr": "En quarantaine après la lecture",
    },
    "kind.blocking": {"nl": "Blokkerend", "fr": "Bloquant"},
    "kind.warning": {"nl": "Waarschuwing", "fr": "Avertissement"},
    "result.passed": {"nl": "Geslaagd", "fr": "Réussi"},
    "result.failed": {"nl": "Mislukt", "fr": "Échoué"},
    "figures.computed": {"nl": "Berekend", "fr": "Calculés"},
    "figures.not_computed": {"nl": "Niet berekend", "fr": "Non calculés"},
    "annotation.moderate": {"nl": "middelmatig", "fr": "moyenne"},
}
MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}


def publication_path() -> Path:
    """The published warehouse the notebooks read (honours ANNEX_WAREHOUSE_DIR)."""
    return Settings.from_env().publication_path


def query(sql: str, params: Params = None) -> pd.DataFrame:
    """Run one query on the publication, through a read-only connection closed on return.

    `params` are DuckDB parameters: a list for `?` placeholders or a dict for `$name` ones.
    """
    with read_publication(Settings.from_env()) as con:
        return con.execute(sql, params).df()


def published_tables(schema: str | None = None) -> pd.DataFrame:
    """Every published table (optionally of one schema), its size and its description."""
    return query(
        "select schema_name as schema, table_name as table, estimated_size as rows, "
        "comment as description from duckdb_tables() "
        "where $schema is null or schema_name = $schema order by all",
        {"schema": schema},
    )


def table_exists(table: str) -> bool:
    """True when `schema.table` is in the publication."""
    schema, _, name = table.partition(".")
    found = query(
        "select count(*) as n from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    )
    return bool(found["n"].iloc[0])


def columns(table: str) -> pd.DataFrame:
    """The columns of a published `schema.table`, their types and their documentation."""
    schema, _, name = table.partition(".")
    return query(
        "select column_name as column, data_type as type, comment as description "
        "from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    )


def read_table(table: str, *, order_by: str | None = None) -> pd.DataFrame | None:
    """The whole of a published `schema.table`; None, with a printed notice, when it is absent.

    Sections still being built are not in every publication: a notebook reads them with this
    and skips the charts that need them, rather than failing.
    """
    if not table_exists(table):
        print(f"{table}: {NOT_PUBLISHED} (rebuild with `annex build` once it exists).")
        return None
    order = f" order by {order_by}" if order_by else ""
    return query(f"from {table}{order}")


def figures(year: int | None = None, prefix: str | None = None) -> pd.DataFrame:
    """The published figures (annex.figures), optionally of one year and/or an id prefix."""
    return query(
        "select year, figure_id, value, value_text, qualifier, unit, label_nl, label_fr, "
        "source, note from annex.figures "
        "where ($year is null or year = $year) "
        "and ($prefix is null or starts_with(figure_id, $prefix)) "
        "order by year, figure_id",
        {"year": year, "prefix": prefix},
    )


def suppress_small(
    frame: pd.DataFrame,
    count: str,
    *,
    by: str | Iterable[str] | None = None,
    threshold: int = MIN_CELL,
    others: Iterable[str] = (),
) -> pd.DataFrame:
    """Blank the cells of a breakdown that cover fewer than `threshold` people.

    `count` holds the people of each cell; `by` names the columns of a group whose cells add up
    to a published total (e.g. the assembly, for a breakdown of its voters by channel). When a
    group has exactly one suppressed cell, its next-smallest cell is suppressed too, so that the
    first cannot be recomputed from the total. `others` are further columns derived from the
    count (shares, rates), blanked along with it. Returns a copy with a boolean `suppressed`
    column; suppressed counts are <NA>.
    """
    out = frame.copy()
    small = out[count].fillna(0) < threshold
    if by is not None:
        keys = [by] if isinstance(by, str) else list(by)
        for _, group in out.groupby(keys, dropna=False, sort=False):
            hidden = small.loc[group.index]
            if hidden.sum() == 1 and len(group) > 1:
                shown = group.loc[~hidden, count]
                small.loc[shown.idxmin()] = True
    out["suppressed"] = small
    out[count] = out[count].astype("Int64").mask(small)
    for column in others:
        out[column] = out[column].astype("Float64").mask(small)
    return out


def mask_small_groups(
    frame: pd.DataFrame, size: str, statistics: Iterable[str], *, threshold: int = MIN_CELL
) -> pd.DataFrame:
    """Blank every statistic of a group of fewer than `threshold` responses (its `size`)."""
    out = frame.copy()
    small = out[size].fillna(0) < threshold
    for column in statistics:
        out[column] = out[column].mask(small)
    out["suppressed"] = small
    return out


# --- charts: language, texts and the project's look ---------------------------------------------


def lang() -> str:
    """The analyst's language for chart texts: `ANNEX_LANG` (`nl`, the default, or `fr`)."""
    value = (os.environ.get(LANG_VAR) or "nl").strip().lower()
    if value not in NOTEBOOK_LANGS:
        raise ValueError(
            f"{LANG_VAR}={value!r}: the notebooks' charts speak Dutch or French; set "
            f"{LANG_VAR}=nl or {LANG_VAR}=fr"
        )
    return value


def t(key: str, **values: object) -> str:
    """The text of `key` (see LABELS) in the analyst's language, its {fields} filled in."""
    return LABELS[key][lang()].format(**values)


def labels() -> dict[str, str]:
    """Every column's label, for plotly express's `labels=` (unused ones are ignored)."""
    return {key.removeprefix("col."): t(key) for key in LABELS if key.startswith("col.")}


def translate(values: pd.Series, kind: str) -> pd.Series:
    """The values of a coded column (`kind`: reason, channel, theme…) as texts; a value
    without a text in LABELS is kept as it is."""
    language = lang()
    return values.map(
        lambda value: (
            LABELS.get(f"{kind}.{value}", {}).get(language, value) if pd.notna(value) else value
        )
    )


def texts(kind: str, codes: Iterable[object]) -> list[str]:
    """`codes` of a coded column as texts, in order (for `category_orders`)."""
    return translate(pd.Series(list(codes), dtype="object"), kind).tolist()


def survey_name(survey_id: str) -> str:
    """`2024-03_arbeidsomstandigheden` → "bevraging van maart 2024" (its reference month)."""
    found = re.match(r"(\d{4})-(\d{2})", survey_id)
    if not found:
        return survey_id
    year, month = int(found[1]), int(found[2])
    return t("title.survey", month=MONTHS[lang()][month - 1], year=year)


def question_text(text: str) -> str:
    """A codebook question without the list of its answers: "Hoe werkt u via Smart?"."""
    return OPTIONS.sub("", text)


def answer_options(text: str) -> dict[str, str]:
    """The answers a single-choice question lists in its codebook text, by code."""
    found = OPTIONS.search(text)
    if not found:
        return {}
    options = (OPTION.match(part.strip()) for part in found[1].split(","))
    return {option[1]: option[2].strip() for option in options if option}


def survey_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the codebook's texts to a survey table in the analyst's language: `question` (from
    `text_nl`/`text_fr`, its answers left out) and `answer` (the likert scale's words, or those the
    codebook lists for a single-choice question). A code without a text is kept as it is."""
    out = frame.copy()
    text = out[f"text_{lang()}"].fillna(out["question_column"])
    out["question"] = text.map(question_text)
    if "answer_code" in out:
        likert = translate(out["answer_code"], "answer")
        listed = [
            answer_options(question).get(code, code)
            for question, code in zip(text, out["answer_code"], strict=True)
        ]
        out["answer"] = likert.where(out["question_type"] == "likert5", listed)
    return out


def group_texts(satisfaction: pd.DataFrame, questions: pd.DataFrame | None) -> pd.DataFrame:
    """Add `breakdown_text` and `group` to annex.survey_satisfaction: the language, or the
    single-choice question and its answer as the codebook words them (from `questions`, a table
    with `question_column` and `text_nl`/`text_fr`, e.g. annex.survey_distribution)."""
    out = satisfaction.copy()
    by_column = (
        {}
        if questions is None
        else questions.drop_duplicates("question_column")
        .set_index("question_column")[f"text_{lang()}"]
        .to_dict()
    )
    breakdown, group = [], []
    for kind, value in zip(out["breakdown"], out["group_value"], strict=True):
        question = by_column.get(kind)
        if question is None:
            breakdown.append(translate(pd.Series([kind]), "breakdown").iloc[0])
            group.append(translate(pd.Series([value]), "group").iloc[0])
        else:
            breakdown.append(question_text(question))
            options = answer_options(question)
            group.append(options.get(value, translate(pd.Series([value]), "group").iloc[0]))
    out["breakdown_text"] = breakdown
    out["group"] = group
    out["theme"] = translate(out["theme"], "theme")
    return out


def use_project_charts() -> None:
    """The project's look for every chart of this kernel, and a renderer that an HTML export
    keeps: plotly's `coop_annex` template over `plotly_white` (the annex's font and colours,
    the separators of the analyst's language). `PLOTLY_RENDERER`, when set, is left alone."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from pipelines.lib.outputs.charts import COLORS, FONT
    from pipelines.lib.outputs.formatting import plotly_separators

    pio.templates[TEMPLATE] = go.layout.Template(
        layout={
            "font": {"family": FONT, "size": 13, "color": "#222"},
            "title": {"font": {"size": 18}, "x": 0.01, "xanchor": "left"},
            "colorway": [
                COLORS["bar"],
                COLORS["down"],
                COLORS["total"],
                "#e9c46a",
                "#8ab17d",
                "#6d597a",
                "#b5838d",
                "#a8dadc",
            ],
            "separators": plotly_separators(lang()),  # type: ignore[arg-type]
            "legend": {"title": {"font": {"size": 12}}},
        }
    )
    pio.templates.default = f"plotly_white+{TEMPLATE}"
    if not os.environ.get("PLOTLY_RENDERER"):
        pio.renderers.default = RENDERER


def answer_colours() -> dict[str, str]:
    """The colour of each likert answer, by its text in the analyst's language: the annex's
    scale from A1 (very dissatisfied, red) to A5 (very satisfied, blue), A6 grey."""
    from pipelines.lib.outputs.charts import LIKERT_COLORS

    colours = (*LIKERT_COLORS, "#bdbdbd")
    return {t(f"answer.{code}"): colour for code, colour in zip(LIKERT_CODES, colours, strict=True)}


def clean_facets(figure: Any) -> Any:
    """Facet titles without plotly express's `column=` prefix."""
    return figure.for_each_annotation(lambda note: note.update(text=note.text.split("=")[-1]))


# --- the analyst's commands: JupyterLab with the project's settings, and HTML exports -----------

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# Read by JupyterLab through JUPYTER_CONFIG_PATH: a double click opens a notebooks/*.py as a
# notebook (jupytext's viewer), without touching the analyst's own settings.
JUPYTER_CONFIG_DIR = PROJECT_ROOT / ".jupyter"


def notebook_paths(names: Sequence[str] = ()) -> list[Path]:
    """The notebooks named (a stem, a file name or a path), or all of them in name order."""
    everything = sorted(NOTEBOOKS_DIR.glob("*.py"))
    if not names:
        return everything
    by_stem = {path.stem: path for path in everything}
    chosen = []
    for name in names:
        stem = Path(name).stem
        if stem not in by_stem:
            raise ValueError(
                f"{name}: no such notebook in {NOTEBOOKS_DIR}; the notebooks are "
                + ", ".join(by_stem)
            )
        chosen.append(by_stem[stem])
    return chosen


def jupyter_env(language: str | None = None) -> dict[str, str]:
    """The environment JupyterLab and its kernels get: the project's Jupyter settings first on
    JUPYTER_CONFIG_PATH (the analyst's own settings still win), and ANNEX_LANG when given."""
    env = dict(os.environ)
    paths = [
        str(JUPYTER_CONFIG_DIR),
        *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)),
    ]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    if language:
        env[LANG_VAR] = language
    return env


def lab_command(extra: Sequence[str] = ()) -> list[str]:
    """JupyterLab in notebooks/, started by this environment's Python (so its kernel)."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
        *extra,
    ]


def export_commands(path: Path, out_dir: Path, language: str) -> list[list[str]]:
    """What an analyst runs to mail a notebook: execute it with jupytext, export it with
    nbconvert. Returns the two commands; the executed notebook stays beside the HTML."""
    executed = out_dir / f"{path.stem}.{language}.ipynb"
    return [
        [sys.executable, "-m", "jupytext", "--to", "ipynb", "--execute", "-o", str(executed),
         str(path)],
        [sys.executable, "-m", "nbconvert", "--to", "html", "--output-dir", str(out_dir),
         str(executed)],
    ]  # fmt: skip


def export_html(
    names: Sequence[str], out_dir: Path, language: str, *, parallel: int = 2
) -> tuple[list[Path], dict[str, str]]:
    """Execute the notebooks named (all by default) on the current publication and write each
    as `<out_dir>/<name>.<language>.html`, charts included, beside the executed notebook
    (`<name>.<language>.ipynb`, to open with its outputs). Runs `parallel` notebooks at once.

    Returns the HTML files written and, by notebook file name, the error of each that failed
    (its last line: the cell's exception, or the command's complaint).
    """
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    env = jupyter_env(language)

    def run(path: Path) -> tuple[Path, str | None]:
        for command in export_commands(path, out_dir, language):
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                return path, _last_error(done.stderr)
        return path, None

    written, failed = [], {}
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for path, error in pool.map(run, notebook_paths(names)):
            if error is None:
                written.append(out_dir / f"{path.stem}.{language}.html")
            else:
                failed[path.name] = error
    return written, failed


def _last_error(stderr: str) -> str:
    """The line of a failed command's output that says what went wrong (not the traceback)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", line):
            return line
    return lines[-1] if lines else "failed without a message"
