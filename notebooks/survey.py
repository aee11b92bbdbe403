# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Member survey: how satisfied are the members?
#
# Principle 2 of the annex reports the member survey: how many members answered, and how
# satisfied they are per theme. This notebook shows the published figures (`p2.survey.*`), the
# response rate of every survey, the distribution of the answers to every question, the mean
# satisfaction and top-2-box share per theme, and the same by group of respondents.
#
# Only complete responses count. Answers A1…A5 (very dissatisfied … very satisfied) score 1…5;
# A6 ("don't know / not applicable") and unanswered questions are left out of the means, which
# are pooled over the answers of a theme's questions (not a mean of question means). The
# top-2-box is the share of A4 and A5 among the A1…A5 answers.
#
# No statistic of a group of fewer than 10 responses is shown: the survey tables withhold them
# (`suppressed`, with a `note`), together with a second group where the first could be
# recomputed from the total, and the notebook leaves them out of the charts.
#
# The survey tables are published by the survey section of the build: until it exists, the
# cells below say "table not yet published" instead of drawing.

# %%
import pandas as pd
import plotly.express as px
from IPython.display import display

from pipelines import notebook as nb

nb.use_project_charts()
print(f"Published warehouse: {nb.publication_path()}")
# the answers as the charts name them (the codebook's texts), in the scale's order
ANSWER_ORDER = nb.texts("answer", nb.LIKERT_CODES)

# %% [markdown]
# ## The published figures and the response rate

# %%
survey_figures = nb.figures(prefix="p2.survey.")
if survey_figures.empty:
    print("No p2.survey.* figure published yet (the survey section is not built).")
else:
    survey_figures["shown"] = survey_figures["value_text"].fillna(
        survey_figures["value"].round(3).astype("string")
    )
    display(
        survey_figures.pivot(index="figure_id", columns="year", values="shown").dropna(
            axis=1, how="all"
        )
    )

# %%
responses = nb.read_table("annex.survey_responses", order_by="survey_id")
if responses is not None:
    display(responses)
    px.bar(
        responses.assign(
            survey=responses["survey_id"].map(nb.survey_name),
            reported=nb.translate(responses["is_survey_of_year"].astype("string"), "reported"),
        ),
        x="survey",
        y="response_rate",
        color="reported",
        hover_data=["responses", "members_on_first_complete_date", "incomplete_responses"],
        title=nb.t("title.response_rate"),
        labels=nb.labels(),
    ).update_layout(yaxis={"tickformat": ".1%"}).show()  # rates under 1% are common
    for survey in responses.itertuples():
        rate = "unknown" if pd.isna(survey.response_rate) else f"{survey.response_rate:.1%}"
        print(
            f"{survey.survey_id}: {survey.responses} complete responses, response rate "
            f"{rate}; {survey.incomplete_responses} incomplete responses not counted."
        )

# %% [markdown]
# The response rate compares the complete responses with the members on the day of the first
# one: a low rate means the satisfaction below speaks for a small, self-selected part of the
# membership.

# %% [markdown]
# ## Distribution of the answers, per question
#
# The survey the annex reports for its latest year; each likert question's answers from A1 (red)
# to A5 (blue), A6 in grey, named with the codebook's question texts and the scale's words in
# the analyst's language.

# %%
distribution = nb.read_table("annex.survey_distribution")
if distribution is not None:
    distribution = nb.survey_texts(
        nb.mask_small_groups(distribution, "responses", ["answers", "share"])
    )
    reported = distribution[distribution["is_survey_of_year"].fillna(False).astype(bool)]
    if reported.empty:
        print("No survey is reported for any year: nothing to show.")
    else:
        latest = reported[reported["year"] == reported["year"].max()]
        likert = latest[latest["question_type"] == "likert5"].dropna(subset=["share"])
        if likert.empty:
            print(f"{latest['survey_id'].iloc[0]}: counts withheld (fewer than 10 responses).")
        else:
            survey = nb.survey_name(likert["survey_id"].iloc[0])
            nb.clean_facets(
                px.bar(
                    likert.assign(theme=nb.translate(likert["theme"], "theme")),
                    y="question",
                    x="share",
                    color="answer",
                    orientation="h",
                    facet_row="theme",
                    hover_data=["answers"],
                    category_orders={"answer": ANSWER_ORDER},
                    color_discrete_map=nb.answer_colours(),
                    title=nb.t("title.answers", survey=survey),
                    labels=nb.labels(),
                    height=250 + 40 * likert["question_column"].nunique(),
                )
            ).update_yaxes(matches=None, title=None).update_layout(
                xaxis={"tickformat": ".0%"}, legend={"orientation": "h", "y": -0.12}
            ).show()
            positive = (
                likert[likert["answer_code"].isin(["A4", "A5"])]
                .groupby("question", as_index=False)["share"]
                .sum()
                .sort_values("share")
            )
            low, high = positive.iloc[0], positive.iloc[-1]
            print(
                f"Least satisfied: {low['question']} ({low['share']:.0%} satisfied or very "
                f"satisfied among all answers); most: {high['question']} ({high['share']:.0%})."
            )
        single = latest[latest["question_type"] == "single"].dropna(subset=["share"])
        if len(single):
            display(single.pivot(index="question", columns="answer", values="share"))

# %% [markdown]
# The more blue to the right of a bar, the more satisfied the members are on that point; a
# wide grey part means many members could not judge it (A6), which the means leave out.

# %% [markdown]
# ## Satisfaction and top-2-box per theme
#
# All respondents; `overall` pools every likert question. The shaded band is the annex's
# "moderate" (a mean from 2.5 to 3.5): below is `low`, above `high`.

# %%
satisfaction = nb.read_table("annex.survey_satisfaction")
if satisfaction is not None:
    satisfaction = nb.mask_small_groups(
        satisfaction, "respondents", ["satisfaction_mean", "top2box", "band"]
    )
    overall = satisfaction[satisfaction["breakdown"] == "all"]
    display(overall[["survey_id", "theme", "respondents", "satisfaction_mean", "top2box", "band"]])
    charted = overall.assign(
        survey=overall["survey_id"].map(nb.survey_name),
        theme=nb.translate(overall["theme"], "theme"),
        band=nb.translate(overall["band"], "band"),
    )
    px.bar(
        charted,
        x="theme",
        y="satisfaction_mean",
        color="survey",
        barmode="group",
        hover_data=["respondents", "answers", "top2box", "band"],
        title=nb.t("title.satisfaction"),
        labels=nb.labels(),
    ).add_hrect(
        y0=2.5,
        y1=3.5,
        fillcolor="gold",
        opacity=0.15,
        line_width=0,
        annotation_text=nb.t("annotation.moderate"),
    ).update_layout(yaxis={"range": [1, 5]}).show()
    px.bar(
        charted,
        x="theme",
        y="top2box",
        color="survey",
        barmode="group",
        hover_data=["respondents", "answers"],
        title=nb.t("title.top2box"),
        labels=nb.labels(),
    ).update_layout(yaxis={"tickformat": ".0%", "range": [0, 1]}).show()
    ranked = overall.dropna(subset=["satisfaction_mean"])
    ranked = ranked[ranked["theme"] != "overall"].sort_values("satisfaction_mean")
    if len(ranked):
        low, high = ranked.iloc[0], ranked.iloc[-1]
        print(
            f"Lowest mean: {low['theme']} ({low['satisfaction_mean']:.2f}, {low['band']}); "
            f"highest: {high['theme']} ({high['satisfaction_mean']:.2f}, {high['band']})."
        )

# %% [markdown]
# A mean inside the shaded band is the annex's "moderate satisfaction"; the top-2-box says how
# many answers were clearly positive, which a middling mean can hide when answers are split.

# %% [markdown]
# ## Satisfaction by group of respondents
#
# The same pooled mean by the language respondents answered in and by their answer to each
# single-choice question, for the survey the annex reports for its latest year. Groups of fewer
# than 10 respondents (and a second group where needed) are withheld.

# %%
if satisfaction is not None:
    groups = satisfaction[
        (satisfaction["breakdown"] != "all")
        & satisfaction["is_survey_of_year"].fillna(False).astype(bool)
    ]
    groups = groups[groups["year"] == groups["year"].max()]
    shown = groups.dropna(subset=["satisfaction_mean"])
    if shown.empty:
        print("No group of respondents large enough to show.")
    else:
        shown = nb.group_texts(shown, distribution)
        nb.clean_facets(
            px.bar(
                shown,
                x="group",
                y="satisfaction_mean",
                color="theme",
                barmode="group",
                facet_col="breakdown_text",
                hover_data=["respondents", "top2box"],
                title=nb.t("title.by_group", survey=nb.survey_name(shown["survey_id"].iloc[0])),
                labels=nb.labels(),
            )
        ).update_xaxes(matches=None, title=None).update_layout(yaxis={"range": [1, 5]}).show()
    print(
        f"{int(groups['suppressed'].sum())} of {len(groups)} group cells withheld "
        f"(fewer than {nb.MIN_CELL} responses, or enough to recompute one that is)."
    )

# %% [markdown]
# Bars of similar height mean that satisfaction is shared across the groups; a group that sits
# clearly lower is where the board may want to look first.
