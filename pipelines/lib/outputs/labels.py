"""Dutch and French words for every code the published tables hold, in one place.

The warehouse keeps codes (`moderate`, `about`, `formeel`, `A4`, `working_conditions`) so that
queries stay stable; whatever a report author reads in Dutch or French (tables, workbook, charts,
notebooks) takes its words from here, never the code. `localize` turns a published table into
the one a language's reader gets: headers, codes and notes in that language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from pipelines.lib.outputs.formatting import (
    BAND_WORDS,
    QUALIFIER_WORDS,
    Lang,
)

Words = dict[str, dict[str, str]]

EXIT_REASONS: Words = {
    "resignation": {"nl": "Ontslag", "fr": "Démission"},
    "exclusion": {"nl": "Uitsluiting", "fr": "Exclusion"},
    "death": {"nl": "Overlijden", "fr": "Décès"},
    "bankruptcy": {"nl": "Faillissement", "fr": "Faillite"},
    "winding_up": {"nl": "Vereffening", "fr": "Liquidation"},
    "transfer": {"nl": "Overdracht", "fr": "Cession"},
}
TRAINING_TYPES: Words = {
    "formeel": {"nl": "Formeel", "fr": "Formelle"},
    "informeel": {"nl": "Informeel", "fr": "Informelle"},
    "initieel": {"nl": "Initieel", "fr": "Initiale"},
}
GENDERS: Words = {
    "M": {"nl": "Man", "fr": "Homme"},
    "V": {"nl": "Vrouw", "fr": "Femme"},
    "X": {"nl": "X", "fr": "X"},
}
AUDIENCES: Words = {
    "all": {"nl": "Alle doelgroepen", "fr": "Tous les publics"},
    "membres": {"nl": "Vennoten", "fr": "Membres"},
    "grand public": {"nl": "Breed publiek", "fr": "Grand public"},
    "membres et grand public": {"nl": "Vennoten en publiek", "fr": "Membres et grand public"},
}
LIKERT_LABELS: Words = {
    "A1": {"nl": "Zeer ontevreden", "fr": "Très insatisfait"},
    "A2": {"nl": "Ontevreden", "fr": "Insatisfait"},
    "A3": {"nl": "Neutraal", "fr": "Neutre"},
    "A4": {"nl": "Tevreden", "fr": "Satisfait"},
    "A5": {"nl": "Zeer tevreden", "fr": "Très satisfait"},
}
THEMES: Words = {
    "overall": {"nl": "alle thema's", "fr": "tous les thèmes"},
    "working_conditions": {"nl": "arbeidsomstandigheden", "fr": "conditions de travail"},
    "social_protection": {
        "nl": "toegang tot sociale bescherming",
        "fr": "accès à la protection sociale",
    },
    "profile": {"nl": "profiel", "fr": "profil"},
    "comment": {"nl": "opmerkingen", "fr": "commentaires"},
}
QUESTION_TYPES: Words = {
    "likert5": {"nl": "tevredenheidsschaal", "fr": "échelle de satisfaction"},
    "single": {"nl": "één antwoord", "fr": "réponse unique"},
    "text": {"nl": "vrije tekst", "fr": "texte libre"},
}
BREAKDOWNS: Words = {
    "total": {"nl": "totaal", "fr": "total"},
    "all": {"nl": "alle", "fr": "tous"},
    "type": {"nl": "type", "fr": "type"},
    "gender": {"nl": "gender", "fr": "genre"},
    "language": {"nl": "taal", "fr": "langue"},
}
GROUPS: Words = {
    "all": {"nl": "alle", "fr": "tous"},
    "(no answer)": {"nl": "geen antwoord", "fr": "sans réponse"},
    "nl": {"nl": "Nederlandstalig", "fr": "néerlandophone"},
    "fr": {"nl": "Franstalig", "fr": "francophone"},
}
UNITS: Words = {
    "members": {"nl": "vennoten", "fr": "coopérateurs"},
    "requests": {"nl": "aanvragen", "fr": "demandes"},
    "ratio": {"nl": "verhouding", "fr": "proportion"},
    "sessions": {"nl": "sessies", "fr": "sessions"},
    "hours": {"nl": "uren", "fr": "heures"},
    "participants": {"nl": "deelnemers", "fr": "participants"},
    "responses": {"nl": "antwoorden", "fr": "réponses"},
    "mean": {"nl": "gemiddelde", "fr": "moyenne"},
    "text": {"nl": "tekst", "fr": "texte"},
    "count": {"nl": "aantal", "fr": "nombre"},
}
YES_NO: dict[bool, dict[str, str]] = {
    True: {"nl": "ja", "fr": "oui"},
    False: {"nl": "nee", "fr": "non"},
}
GOVERNANCE_VALUES: Words = {
    "ordinary": {"nl": "gewone", "fr": "ordinaire"},
    "extraordinary": {"nl": "buitengewone", "fr": "extraordinaire"},
    "true": {"nl": "ja", "fr": "oui"},
    "false": {"nl": "nee", "fr": "non"},
}
# Keys of the governance file that no figure of the catalog names (those take the figure's label).
GOVERNANCE_KEYS: Words = {
    "year": {"nl": "Jaar", "fr": "Année"},
    "cooperative.name": {"nl": "Naam van de coöperatie", "fr": "Nom de la coopérative"},
    "cooperative.founded": {"nl": "Opgericht in", "fr": "Fondée en"},
    "cooperative.founders": {"nl": "Oprichters", "fr": "Fondateurs"},
    "general_assemblies": {"nl": "Algemene vergaderingen", "fr": "Assemblées générales"},
    "general_assemblies.date": {
        "nl": "Algemene vergadering: datum",
        "fr": "Assemblée générale : date",
    },
    "general_assemblies.kind": {
        "nl": "Algemene vergadering: soort",
        "fr": "Assemblée générale : type",
    },
    "general_assemblies.workshops": {
        "nl": "Algemene vergadering: workshops",
        "fr": "Assemblée générale : ateliers",
    },
    "board.mandate_years": {
        "nl": "Mandaat van de bestuurders (jaren)",
        "fr": "Mandat des administrateurs (années)",
    },
    "board.unpaid": {"nl": "Onbezoldigd mandaat", "fr": "Mandat non rémunéré"},
    "ethics_committee.composition.support_staff": {
        "nl": "Ethisch comité: leden van de ondersteunende teams",
        "fr": "Comité d'éthique : membres des équipes d'appui",
    },
    "ethics_committee.composition.external_experts": {
        "nl": "Ethisch comité: externe experts",
        "fr": "Comité d'éthique : experts externes",
    },
    "ethics_committee.composition.user_members": {
        "nl": "Ethisch comité: gebruikers-vennoten",
        "fr": "Comité d'éthique : coopérateurs utilisateurs",
    },
    "participation.workers_assembly.date": {
        "nl": "Werkersvergadering: datum",
        "fr": "Assemblée des travailleurs : date",
    },
    "participation.survey_id": {"nl": "Ledenbevraging van het jaar", "fr": "Enquête de l'année"},
    "education.events": {"nl": "Evenementen", "fr": "Événements"},
    "education.events.name": {"nl": "Evenement: naam", "fr": "Événement : nom"},
    "education.events.participants": {
        "nl": "Evenement: deelnemers",
        "fr": "Événement : participants",
    },
    "education.events.workshops": {"nl": "Evenement: workshops", "fr": "Événement : ateliers"},
    "cooperation.new_partner_members": {
        "nl": "Nieuwe partners die vennoot werden",
        "fr": "Nouveaux partenaires devenus coopérateurs",
    },
    "cooperation.networks": {"nl": "Netwerken", "fr": "Réseaux"},
}
# Columns whose values are codes, and the words for them.
VALUE_WORDS: dict[str, Words] = {
    "band": BAND_WORDS,
    "qualifier": QUALIFIER_WORDS,
    "unit": UNITS,
    "theme": THEMES,
    "question_type": QUESTION_TYPES,
    "audience": AUDIENCES,
}

HEADERS: dict[str, tuple[str, str]] = {
    "year": ("Jaar", "Année"),
    "figure_id": ("Cijfer (id)", "Chiffre (id)"),
    "label_nl": ("Omschrijving (NL)", "Libellé (NL)"),
    "label_fr": ("Omschrijving (FR)", "Libellé (FR)"),
    "label": ("Omschrijving", "Libellé"),
    "definition": ("Definitie", "Définition"),
    "definition_nl": ("Definitie (NL)", "Définition (NL)"),
    "definition_fr": ("Definitie (FR)", "Définition (FR)"),
    "value": ("Waarde", "Valeur"),
    "value_text": ("Tekstwaarde", "Valeur texte"),
    "text_nl": ("Zoals in de tekst (NL)", "Comme dans le texte (NL)"),
    "text_fr": ("Zoals in de tekst (FR)", "Comme dans le texte (FR)"),
    "qualifier": ("Kwalificatie", "Qualificatif"),
    "unit": ("Eenheid", "Unité"),
    "source": ("Bron", "Source"),
    "source_file": ("Bestand", "Fichier"),
    "note": ("Opmerking", "Remarque"),
    "note_nl": ("Opmerking (NL)", "Remarque (NL)"),
    "note_fr": ("Opmerking (FR)", "Remarque (FR)"),
    "category": ("Categorie", "Catégorie"),
    "members": ("Vennoten", "Coopérateurs"),
    "share_of_members": ("Aandeel van de vennoten", "Part des coopérateurs"),
    "assembly_date": ("Datum", "Date"),
    "is_ordinary": ("Gewone vergadering", "Assemblée ordinaire"),
    "voters": ("Stemmers", "Votants"),
    "members_on_eve": ("Vennoten op de vooravond", "Coopérateurs la veille"),
    "turnout": ("Opkomst", "Participation"),
    "vote_rows": ("Stemregels", "Lignes de vote"),
    "duplicate_votes": ("Dubbele stemmen (één keer geteld)", "Votes en double (comptés une fois)"),
    "non_member_votes": ("Stemmen van niet-vennoten", "Votes de non-coopérateurs"),
    "frozen_value": ("Bevroren waarde", "Valeur gelée"),
    "frozen_value_text": ("Bevroren tekstwaarde", "Valeur texte gelée"),
    "computed_value": ("Waarde volgens de huidige exports", "Valeur selon les exports actuels"),
    "computed_value_text": ("Tekstwaarde volgens de huidige exports", "Valeur texte actuelle"),
    "difference": ("Verschil", "Différence"),
    "frozen_at": ("Bevroren op", "Gelé le"),
    "theme": ("Thema", "Thème"),
    "question": ("Vraag", "Question"),
    "answer": ("Antwoord", "Réponse"),
    "responses": ("Antwoorden", "Réponses"),
    "answers": ("Antwoorden", "Réponses"),
    "share": ("Aandeel", "Part"),
    "mean": ("Gemiddelde", "Moyenne"),
    "band": ("Niveau", "Niveau"),
    "top2box": ("Aandeel (zeer) tevreden", "Part (très) satisfaits"),
    "type": ("Type", "Type"),
    "gender": ("Gender", "Genre"),
    "hours": ("Uren", "Heures"),
    "trainings": ("Opleidingen", "Formations"),
    "sessions": ("Sessies", "Sessions"),
    "participants": ("Deelnemers", "Participants"),
    "audience": ("Doelgroep", "Public cible"),
    "key": ("Sleutel", "Clé"),
    "key_path": ("Gegeven", "Donnée"),
    "breakdown": ("Uitsplitsing", "Ventilation"),
    "group_value": ("Groep", "Groupe"),
    "respondents": ("Respondenten", "Répondants"),
    "satisfaction_mean": ("Gemiddelde tevredenheid (1 tot 5)", "Satisfaction moyenne (de 1 à 5)"),
    "suppressed": ("Niet gepubliceerd", "Non publié"),
    "survey_id": ("Bevraging", "Enquête"),
    "is_survey_of_year": ("Bevraging van het jaar", "Enquête de l'année"),
    "question_column": ("Vraagcode", "Code de la question"),
    "question_type": ("Soort vraag", "Type de question"),
    "answer_code": ("Antwoordcode", "Code de réponse"),
    "answer_nl": ("Antwoord (NL)", "Réponse (NL)"),
    "answer_fr": ("Antwoord (FR)", "Réponse (FR)"),
    "people": ("Personen", "Personnes"),
    "registrations": ("Inschrijvingen", "Inscriptions"),
    "sessions_without_attendance": ("Sessies zonder aanwezigen", "Sessions sans présents"),
    "incomplete_responses": ("Onvolledige antwoorden", "Réponses incomplètes"),
    "first_complete_date": (
        "Datum van het eerste volledige antwoord",
        "Date de la première réponse complète",
    ),
    "members_on_first_complete_date": (
        "Vennoten op die datum",
        "Coopérateurs à cette date",
    ),
    "response_rate": ("Responsgraad", "Taux de réponse"),
    "principle": ("Principe", "Principe"),
    "section_table": ("Tabel", "Table"),
    "section_column": ("Kolom", "Colonne"),
    "frozen_by": ("Afgesloten door", "Clôturée par"),
}
# Headers that differ from HEADERS in one table.
TABLE_HEADERS: dict[tuple[str, str], tuple[str, str]] = {
    ("annex.survey_distribution", "text"): ("Vraag", "Question"),
    ("annex.survey_distribution", "text_nl"): ("Vraag (NL)", "Question (NL)"),
    ("annex.survey_distribution", "text_fr"): ("Vraag (FR)", "Question (FR)"),
    ("annex.survey_distribution", "responses"): (
        "Volledige antwoorden op de bevraging",
        "Réponses complètes à l'enquête",
    ),
}
# The answers a codebook lists in its question's text: "Hoe werkt u? (A1 werknemer, A2 ...)".
_ANSWER_LIST = re.compile(r"\s*\((?:\s*[A-Za-z]*\d+ [^,()]+,?)+\)")


def question_text(text: object) -> object:
    """A question as a reader reads it: without the list of answer codes the codebook gives in
    brackets (the answers are shown by their own texts)."""
    return _ANSWER_LIST.sub("", text) if isinstance(text, str) else text


# Columns a language's table leaves out: the other language's, the English note, the codes
# whose words it shows instead.
_LANG_COLUMNS = re.compile(r"^(?P<base>.+)_(?P<lang>nl|fr)$")
CODE_COLUMNS = {"note", "answer_code"}
# Columns that hold only codes a reader has the words for elsewhere (the question's own text).
DROPPED_COLUMNS = {"question_column"}


def word(words: Mapping[str, Mapping[str, str]], code: object, lang: Lang) -> object:
    """The word for a code, or the value itself when it is no code of `words`."""
    if isinstance(code, str) and code in words:
        return words[code][lang]
    return code


def _governance_key(key: str, lang: Lang, catalog: Mapping[str, tuple[str, str]]) -> str:
    """board.elected -> its figure's label; cooperation.networks[2] -> Netwerken (3)."""
    if key in catalog:
        return catalog[key][0 if lang == "nl" else 1]
    base = re.sub(r"\[\d+\]", "", key)
    numbers = [int(n) + 1 for n in re.findall(r"\[(\d+)\]", key)]
    label = GOVERNANCE_KEYS.get(base, {}).get(lang)
    if label is None and base in catalog:
        label = catalog[base][0 if lang == "nl" else 1]
    if label is None:
        return key
    return label + "".join(f" ({n})" for n in numbers)


def localize(
    frame: pd.DataFrame,
    table: str,
    lang: Lang,
    catalog: Mapping[tuple[str, str], tuple[str, str]],
    answers: Mapping[tuple[str, str], tuple[str, str]] | None = None,
    questions: Mapping[str, tuple[str, str]] | None = None,
    *,
    rename: bool = True,
) -> pd.DataFrame:
    """A published table as a `lang` reader gets it: codes as words, notes in `lang`, the other
    language's columns left out, headers in `lang` (from HEADERS, else the figure catalog).

    `catalog`: (table, column) -> the catalog's labels; `answers`: (question column, answer
    code) -> the codebook's answer texts; `questions`: question column -> its texts.
    `rename=False` keeps the column names (the workbook puts both languages' headers).
    """
    answers = answers or {}
    questions = questions or {}
    other = "fr" if lang == "nl" else "nl"
    out: dict[str, pd.Series] = {}
    governance_keys = {col: labels for (t, col), labels in catalog.items() if t == table}
    for column in frame.columns:
        match = _LANG_COLUMNS.match(column)
        if match and match["lang"] == other:
            continue
        if column in CODE_COLUMNS and f"{column}_{lang}" in frame.columns:
            continue
        if column == "answer_code" and f"answer_{lang}" in frame.columns:
            continue
        if column in DROPPED_COLUMNS:
            continue
        values = frame[column]
        if column in VALUE_WORDS:
            values = values.map(lambda v, words=VALUE_WORDS[column]: word(words, v, lang))
        elif column == "category" and "breakdown" in frame.columns:
            words = TRAINING_TYPES | GENDERS | {"all": BREAKDOWNS["all"]}
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif column == "breakdown":
            words = BREAKDOWNS | {
                q: {"nl": question_text(t[0]), "fr": question_text(t[1])}
                for q, t in questions.items()
            }
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif column == "group_value" and "breakdown" in frame.columns:
            values = pd.Series(
                [
                    _group(b, g, lang, answers)
                    for b, g in zip(frame["breakdown"], frame["group_value"], strict=True)
                ],
                index=frame.index,
                dtype=object,
            )
        elif column.startswith("text_") and table == "annex.survey_distribution":
            values = values.map(question_text)
        elif column == "key_path":
            values = values.map(lambda v: _governance_key(str(v), lang, governance_keys))
        elif column == "value_text":
            words = BAND_WORDS | GOVERNANCE_VALUES
            values = values.map(lambda v, words=words: word(words, v, lang))
        elif values.dtype == bool or column in {"is_ordinary", "suppressed", "is_survey_of_year"}:
            values = values.map(lambda v: YES_NO[bool(v)][lang] if pd.notna(v) else v)
        if column.startswith("note") and "suppressed" in frame.columns:
            values = values.where(values.notna() | ~frame["suppressed"].fillna(False).astype(bool))
        out[column] = values
    # one frame made at once: adding columns one by one costs pandas a copy each
    result = pd.DataFrame(out, index=frame.index)
    if rename:
        result.columns = [header(table, c, lang, catalog) for c in result.columns]
    return result


def _group(
    breakdown: object,
    group: object,
    lang: Lang,
    answers: Mapping[tuple[str, str], tuple[str, str]],
) -> object:
    if isinstance(group, str) and group in GROUPS:
        return GROUPS[group][lang]
    texts = answers.get((str(breakdown), str(group)))
    if texts:
        return texts[0 if lang == "nl" else 1]
    return group


def header(
    table: str, column: str, lang: Lang, catalog: Mapping[tuple[str, str], tuple[str, str]]
) -> str:
    """A column's header in `lang`: HEADERS, else the figure catalog's label (a language's own
    column, note_nl, loses its "(NL)")."""
    index = 0 if lang == "nl" else 1
    match = _LANG_COLUMNS.match(column)
    base = match["base"] if match and match["lang"] == lang else None
    if base and (table, base) in TABLE_HEADERS:
        return TABLE_HEADERS[(table, base)][index]
    if (table, column) in TABLE_HEADERS:
        return TABLE_HEADERS[(table, column)][index]
    if base and base in HEADERS:
        return HEADERS[base][index]
    if column in HEADERS:
        return HEADERS[column][index]
    if (table, column) in catalog:
        return catalog[(table, column)][index]
    return column
