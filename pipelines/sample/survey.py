"""Sample member survey: a LimeSurvey export "CSV, question codes, answer codes" and its codebook.

Deterministic (numpy `default_rng(seed)`). At scale 1 it holds exactly 228 complete responses
(the annex's "228 keer beantwoord") and 40 incomplete ones; over complete responses the pooled
satisfaction is moderate (2.5 <= mean <= 3.5) overall and in both themes, as the annex says
("middelmatige tevredenheid").
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

SURVEY_ID = "2024-03_arbeidsomstandigheden"
COMPLETE_RESPONSES = 228  # at scale 1
INCOMPLETE_RESPONSES = 40  # at scale 1
# The survey ran in March 2024, from the 4th to the 27th: every response (so the first
# complete one, whose date sets the response rate's denominator) falls in March.
FIELD_START = pd.Timestamp("2024-03-04")
FIELD_END = pd.Timestamp("2024-03-28")  # exclusive

META_COLUMNS: tuple[str, ...] = (
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
)
CODEBOOK_COLUMNS: tuple[str, ...] = ("column", "theme", "type", "text_nl", "text_fr")

# (column, theme, type, text_nl, text_fr), in the order of the questionnaire's pages.
QUESTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "WC[SQ001]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over uw loonvoorwaarden?",
        "Êtes-vous satisfait·e de vos conditions de rémunération ?",
    ),
    (
        "WC[SQ002]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over uw werktijden en werkdruk?",
        "Êtes-vous satisfait·e de vos horaires et de votre charge de travail ?",
    ),
    (
        "WC[SQ003]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over de veiligheid op uw werkplekken?",
        "Êtes-vous satisfait·e de la sécurité sur vos lieux de travail ?",
    ),
    (
        "WC[SQ004]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over de preventie van burn-out en psychosociale risico's?",
        "Êtes-vous satisfait·e de la prévention du burn-out et des risques psychosociaux ?",
    ),
    (
        "WC[SQ005]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over de begeleiding door uw adviseur?",
        "Êtes-vous satisfait·e de l'accompagnement par votre conseiller·ère ?",
    ),
    (
        "WC[SQ006]",
        "working_conditions",
        "likert5",
        "Hoe tevreden bent u over het evenwicht tussen werk en privéleven?",
        "Êtes-vous satisfait·e de l'équilibre entre vie professionnelle et vie privée ?",
    ),
    (
        "SP[SQ001]",
        "social_protection",
        "likert5",
        "Hoe tevreden bent u over uw toegang tot ziekte-uitkeringen?",
        "Êtes-vous satisfait·e de votre accès aux indemnités de maladie ?",
    ),
    (
        "SP[SQ002]",
        "social_protection",
        "likert5",
        "Hoe tevreden bent u over uw dekking bij een arbeidsongeval?",
        "Êtes-vous satisfait·e de votre couverture en cas d'accident du travail ?",
    ),
    (
        "SP[SQ003]",
        "social_protection",
        "likert5",
        "Hoe tevreden bent u over de informatie over uw sociale rechten?",
        "Êtes-vous satisfait·e de l'information sur vos droits sociaux ?",
    ),
    (
        "SP[SQ004]",
        "social_protection",
        "likert5",
        "Hoe tevreden bent u over uw toegang tot werkloosheidsuitkeringen?",
        "Êtes-vous satisfait·e de votre accès aux allocations de chômage ?",
    ),
    (
        "STATUS",
        "profile",
        "single",
        "Hoe werkt u via Smart? (A1 werknemer, A2 zelfstandige, A3 andere)",
        "Comment travaillez-vous via Smart ? (A1 salarié·e, A2 indépendant·e, A3 autre)",
    ),
    (
        "COMMENT",
        "comment",
        "text",
        "Wilt u nog iets kwijt over uw arbeidsomstandigheden?",
        "Souhaitez-vous ajouter quelque chose sur vos conditions de travail ?",
    ),
)
QUESTION_COLUMNS: tuple[str, ...] = tuple(q[0] for q in QUESTIONS)
# The page each question is on: `lastpage` of an incomplete response says how far it got.
_PAGE = {"WC": 1, "SP": 2, "STATUS": 3, "COMMENT": 3}
LAST_PAGE = 3

# Answer distribution over A1..A5 by theme for complete responses, with mean 3.0 and 3.2.
# A6 ("don't know / not applicable") is more frequent for social protection: many members
# were never ill or out of work. Empty = skipped (the questions are not mandatory).
_LIKERT_P = {
    "working_conditions": np.array([0.10, 0.22, 0.35, 0.23, 0.10]),
    "social_protection": np.array([0.08, 0.18, 0.32, 0.28, 0.14]),
}
_A6_P = {"working_conditions": 0.04, "social_protection": 0.10}
_EMPTY_P = 0.03
# Incomplete responses are gloomier (people who dropped out), so a pipeline that wrongly pooled
# them in would move the means.
_INCOMPLETE_LIKERT_P = np.array([0.35, 0.30, 0.20, 0.10, 0.05])

# Free-text comments naming people (personal data: never to be published). Their response ids
# are fixed and always complete.
COMMENT_NAMES: tuple[str, ...] = ("Julie Dupont", "Pieter Janssens", "Amina El Idrissi")
NAMED_COMMENTS: dict[int, tuple[str, str]] = {
    7: ("fr", "Merci à Julie Dupont de l'antenne de Liège, toujours disponible."),
    58: ("nl", "Pieter Janssens van het kantoor in Gent heeft me enorm geholpen bij mijn ziekte."),
    131: ("fr", 'Mon conseiller ne répond pas, heureusement "Amina El Idrissi" a pris le relais.'),
}
# A comment holding a line break and a comma: one CSV record spread over two physical lines.
MULTILINE_COMMENT_ID = 200
MULTILINE_COMMENT: tuple[str, str] = (
    "nl",
    "Twee punten:\nde maaltijdcheques, en een dertiende maand zouden welkom zijn.",
)
_FIXED_COMPLETE_IDS = (*NAMED_COMMENTS, MULTILINE_COMMENT_ID)

_COMMENTS = {
    "nl": [
        "Meer informatie over sociale zekerheid graag.",
        "De loonvoorwaarden zouden beter moeten, zeker voor korte contracten.",
        "Tevreden over de begeleiding, minder over de administratie.",
        "Een universeel inkomen zou veel oplossen.",
        "Ik weet niet waar ik terechtkan bij een arbeidsongeval.",
    ],
    "fr": [
        "Plus d'informations sur la sécurité sociale, svp.",
        "Les barèmes devraient être revus, surtout pour les contrats courts.",
        "Satisfait·e de l'accompagnement, moins de la paperasse.",
        "Des chèques-repas et un treizième mois seraient bienvenus.",
        "Je ne sais pas à qui m'adresser en cas d'accident du travail.",
    ],
}


def _likert(rng: np.random.Generator, n: int, p: np.ndarray, a6: float, empty: float) -> np.ndarray:
    codes = np.array(["A1", "A2", "A3", "A4", "A5", "A6", ""])
    full = np.concatenate([p * (1 - a6 - empty), [a6, empty]])
    return rng.choice(codes, size=n, p=full / full.sum())


def _codebook() -> pd.DataFrame:
    return pd.DataFrame(list(QUESTIONS), columns=list(CODEBOOK_COLUMNS))


def write_survey(out_dir: Path, scale: int = 1, seed: int = 2024) -> list[Path]:
    """Write `out_dir/survey/<SURVEY_ID>_responses.csv` and `..._codebook.csv`; return them.

    Quirks: 40*scale incomplete responses (empty submitdate, some with answers), A6 and empty
    answers, comments naming people (NAMED_COMMENTS) and one spread over two lines.
    """
    rng = np.random.default_rng([seed, 3])
    folder = Path(out_dir) / "survey"
    folder.mkdir(parents=True, exist_ok=True)

    n_complete = COMPLETE_RESPONSES * scale
    n = n_complete + INCOMPLETE_RESPONSES * scale
    ids = np.arange(1, n + 1)
    # LimeSurvey numbers responses as they start: ids follow the start time.
    # People answer in the daytime and evening (07:00-23:00), on any day of the field period.
    days = (FIELD_END - FIELD_START).days
    offset = rng.integers(0, days, size=n) * 86400 + rng.integers(7 * 3600, 23 * 3600, size=n)
    start = FIELD_START + pd.to_timedelta(np.sort(offset), unit="s")
    free = np.setdiff1d(ids, _FIXED_COMPLETE_IDS)
    incomplete_ids = rng.choice(free, size=n - n_complete, replace=False)
    complete = ~np.isin(ids, incomplete_ids)

    lang = rng.choice(np.array(["nl", "fr"]), size=n, p=[0.55, 0.45])
    lastpage = np.full(n, LAST_PAGE, dtype=object)
    # Incomplete: stopped before page 1 was saved (empty), or after page 1 or 2.
    lastpage[~complete] = rng.choice(np.array(["", 1, 2], dtype=object), size=n - n_complete)
    duration = pd.to_timedelta(rng.integers(150, 1500, size=n), unit="s")
    stamp = start + duration
    submit = pd.Series(stamp.strftime("%Y-%m-%d %H:%M:%S")).where(complete, "")

    df = pd.DataFrame(
        {
            "id": ids,
            "submitdate": submit.to_numpy(),
            "lastpage": lastpage,
            "startlanguage": lang,
            "seed": rng.integers(10**8, 2 * 10**9, size=n),
            "startdate": start.strftime("%Y-%m-%d %H:%M:%S"),
            # Last time the response was saved: the submission, or where the person stopped.
            "datestamp": stamp.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    reached = np.where(complete, LAST_PAGE, pd.to_numeric(lastpage, errors="coerce"))
    reached = np.nan_to_num(reached.astype(float), nan=0).astype(int)
    for column, theme, qtype, _, _ in QUESTIONS:
        page = _PAGE[column.split("[")[0]]
        if qtype == "likert5":
            answers = _likert(rng, n, _LIKERT_P[theme], _A6_P[theme], _EMPTY_P)
            answers[~complete] = _likert(rng, n - n_complete, _INCOMPLETE_LIKERT_P, 0.05, 0.05)
        elif qtype == "single":
            answers = rng.choice(
                np.array(["A1", "A2", "A3", ""]), size=n, p=[0.68, 0.20, 0.09, 0.03]
            )
        else:
            pick = rng.integers(0, len(_COMMENTS["nl"]), size=n)
            has = rng.random(n) < 0.22
            answers = np.array(
                [_COMMENTS[lg][i] if h else "" for lg, i, h in zip(lang, pick, has, strict=True)],
                dtype=object,
            )
        # Pages not reached hold no answer.
        answers = np.where(reached >= page, answers, "")
        df[column] = answers

    fixed = {**NAMED_COMMENTS, MULTILINE_COMMENT_ID: MULTILINE_COMMENT}
    for rid, (lg, text) in fixed.items():
        if rid <= n:
            df.loc[df["id"] == rid, ["startlanguage", "COMMENT"]] = [lg, text]

    responses = folder / f"{SURVEY_ID}_responses.csv"
    # LimeSurvey quotes every field of its CSV export.
    df.to_csv(responses, index=False, quoting=csv.QUOTE_ALL, encoding="utf-8", lineterminator="\n")
    codebook = folder / f"{SURVEY_ID}_codebook.csv"
    _codebook().to_csv(codebook, index=False, encoding="utf-8", lineterminator="\n")
    return [responses, codebook]
