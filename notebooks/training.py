# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Training: staff hours and member courses
#
# Principle 5 of the annex (education, training and information), from two sources:
#
# - the staff trainings of the HR workbooks, in hours by type of training — formal (`formeel`),
#   less formal (`informeel`) and initial (`initieel`), as in the social balance sheet — and by
#   gender;
# - the courses the cooperative offers its members and the public, in sessions that took place
#   and present participants, by the audience they were meant for.
#
# Both tables come with the publication rule already applied: a cell of a breakdown covering
# fewer than 10 people is withheld (`suppressed`, with a `note`), and so is the smallest other
# cell when it would let the first be recomputed from the total. A withheld cell is left out of
# the charts: it is not a zero.
#
# The training tables are published by the training section of the build: until it exists, the
# cells below say "table not yet published" instead of drawing.

# %%
import plotly.express as px
from IPython.display import display

from pipelines import notebook as nb

nb.use_project_charts()
print(f"Published warehouse: {nb.publication_path()}")
TRAINING_TYPES = ["formeel", "informeel", "initieel"]

# %% [markdown]
# ## The published figures

# %%
training_figures = nb.figures(prefix="p5.")
if training_figures.empty:
    print("No p5.* figure published yet (the training section is not built).")
else:
    display(
        training_figures.pivot(index="figure_id", columns="year", values="value").dropna(
            axis=1, how="all"
        )
    )

# %% [markdown]
# ## Staff training hours by type (social balance sheet)

# %%
staff = nb.read_table("annex.staff_training", order_by="year")
if staff is not None:
    totals = staff[staff["breakdown"] == "total"].set_index("year")
    display(totals[["trainings", "participants", "hours"]])
    by_type = staff[staff["breakdown"] == "type"].assign(
        training_type=lambda frame: nb.translate(frame["category"], "training_type")
    )
    display(by_type.pivot(index="year", columns="training_type", values="hours"))
    px.bar(
        by_type.dropna(subset=["hours"]).astype({"year": str}),
        x="year",
        y="hours",
        color="training_type",
        hover_data=["trainings", "participants"],
        category_orders={"training_type": nb.texts("training_type", TRAINING_TYPES)},
        title=nb.t("title.staff_by_type"),
        labels=nb.labels(),
    ).show()
    if len(totals):
        last = totals.index.max()
        print(
            f"In {last}: {totals.loc[last, 'hours']:,.1f} hours of training for "
            f"{totals.loc[last, 'participants']} staff members in "
            f"{totals.loc[last, 'trainings']} trainings."
        )

# %% [markdown]
# Each bar is a year's training effort split as in the social balance sheet: formal courses,
# less formal learning on the job, and the initial training of newcomers.

# %% [markdown]
# ## Staff training hours by gender

# %%
if staff is not None:
    by_gender = staff[staff["breakdown"] == "gender"].rename(columns={"category": "gender"})
    display(by_gender.pivot(index="year", columns="gender", values="hours"))
    shown = by_gender.dropna(subset=["hours"]).astype({"year": str})
    px.bar(
        shown.assign(gender=nb.translate(shown["gender"], "gender")),
        x="year",
        y="hours",
        color="gender",
        barmode="group",
        hover_data=["participants"],
        category_orders={"gender": nb.texts("gender", ["M", "V", "X"])},
        title=nb.t("title.staff_by_gender"),
        labels=nb.labels(),
    ).show()
    withheld = by_gender[by_gender["suppressed"]]
    print(
        f"{len(withheld)} of {len(by_gender)} gender cells withheld: "
        + ("; ".join(sorted(set(withheld["note"].dropna()))) or "none")
    )

# %% [markdown]
# Side by side, the bars show whether training hours reach women (V) and men (M) in proportion;
# the smaller groups (such as X) are withheld whenever they cover fewer than 10 people.

# %% [markdown]
# ## Member courses by audience

# %%
courses = nb.read_table("annex.member_courses", order_by="year")
if courses is not None:
    overall = courses[courses["audience"] == "all"].set_index("year")
    display(overall[["sessions", "participants", "people", "sessions_without_attendance"]])
    by_audience = courses[courses["audience"] != "all"]
    display(by_audience.pivot(index="year", columns="audience", values="participants"))
    shown = by_audience.dropna(subset=["participants"]).astype({"year": str})
    px.bar(
        shown.assign(audience=nb.translate(shown["audience"], "audience")),
        x="year",
        y="participants",
        color="audience",
        hover_data=["sessions", "people"],
        title=nb.t("title.courses"),
        labels=nb.labels(),
    ).show()
    if len(overall):
        last = overall.index.max()
        print(
            f"In {last}: {overall.loc[last, 'sessions']} sessions took place with "
            f"{overall.loc[last, 'participants']} participants present "
            f"({overall.loc[last, 'people']} different people)."
        )

# %% [markdown]
# Each bar counts the people present in the year's courses, split by the audience the course
# was meant for: how much of the education effort goes to members and how much to the public.
