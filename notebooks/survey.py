# %% [markdown]
# # Member survey: how satisfied are the members?
#
# Principle 2 of the annex reports the member survey: how many answered, and the satisfaction
# per theme. This notebook shows the published figures (`p2.survey.*`), the distribution of the
# answers to every question, and the mean satisfaction and top-2-box share per theme.
#
# Only complete responses count. Answers A1…A5 are read as 1…5; A6 ("don't know / not
# applicable") and empty answers are left out of the means and shares. The top-2-box is the
# share of A4 and A5 among the A1…A5 answers. No statistic of a group of fewer than 10
# responses is shown.
#
# The survey tables are published by the survey section of the build: until it exists, the
# cells below say "table not yet published" instead of drawing.

# %%
import plotly.express as px
from IPython.display import display

from pipelines import notebook as nb

print(f"Published warehouse: {nb.publication_path()}")
ANSWER_ORDER = ["A1", "A2", "A3", "A4", "A5", "A6"]

# %% [markdown]
# ## The published figures

# %%
survey_figures = nb.figures(prefix="p2.survey.")
if survey_figures.empty:
    print("No p2.survey.* figure published yet (the survey section is not built).")
else:
    survey_figures["shown"] = survey_figures["value_text"].fillna(
        survey_figures["value"].round(3).astype("string")
    )
    display(survey_figures.pivot(index="figure_id", columns="year", values="shown"))

# %% [markdown]
# ## Distribution of the answers, per question

# %%
distribution = nb.read_table("annex.survey_distribution")
if distribution is not None:
    per_question = distribution.groupby(["year", "question"])["responses"].transform("sum")
    distribution["share"] = distribution["responses"] / per_question
    distribution["question_responses"] = per_question
    distribution = nb.mask_small_groups(distribution, "question_responses", ["responses", "share"])
    latest = distribution[distribution["year"] == distribution["year"].max()]
    px.bar(
        latest.dropna(subset=["share"]),
        y="question",
        x="share",
        color="answer",
        orientation="h",
        facet_row="theme",
        hover_data=["responses"],
        category_orders={"answer": ANSWER_ORDER},
        color_discrete_sequence=px.colors.diverging.RdYlGn[1:-1] + ["lightgrey"],
        title=f"Answers per question, survey of {latest['year'].max()}",
        height=300 + 35 * latest["question"].nunique(),
    ).update_layout(xaxis={"tickformat": ".0%"}).show()

# %% [markdown]
# Each bar splits one question's answers from A1 (red, least satisfied) to A5 (green, most),
# A6 in grey: the more green to the right, the more satisfied the members are on that point.

# %% [markdown]
# ## Satisfaction and top-2-box per theme
#
# Pooled over the answers of the theme's questions (not a mean of question means). The band is
# `low` below 2.5, `moderate` from 2.5 to 3.5 and `high` above.

# %%
satisfaction = nb.read_table("annex.survey_satisfaction")
if satisfaction is not None:
    satisfaction = nb.mask_small_groups(satisfaction, "responses", ["satisfaction_mean", "top2box"])
    display(satisfaction)
    shown = satisfaction.astype({"year": str})
    px.bar(
        shown,
        x="theme",
        y="satisfaction_mean",
        color="year",
        barmode="group",
        range_y=[1, 5],
        title="Mean satisfaction per theme (1 = very unsatisfied, 5 = very)",
        hover_data=["responses", "top2box"],
    ).add_hrect(
        y0=2.5, y1=3.5, fillcolor="gold", opacity=0.15, line_width=0, annotation_text="moderate"
    ).show()
    px.bar(
        shown,
        x="theme",
        y="top2box",
        color="year",
        barmode="group",
        title="Top-2-box per theme: share of A4 and A5 answers",
    ).update_layout(yaxis={"tickformat": ".0%", "range": [0, 1]}).show()
    ranked = satisfaction.dropna(subset=["satisfaction_mean"]).sort_values("satisfaction_mean")
    if len(ranked):
        low, high = ranked.iloc[0], ranked.iloc[-1]
        print(
            f"Lowest mean: {low['theme']} ({low['satisfaction_mean']:.2f}); highest: "
            f"{high['theme']} ({high['satisfaction_mean']:.2f})."
        )

# %% [markdown]
# A mean inside the shaded band is the annex's "moderate satisfaction"; the top-2-box says how
# many answers were clearly positive, which a middling mean can hide when answers are split.
