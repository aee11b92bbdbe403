# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Membership: who joins, who leaves, who stays
#
# Principle 1 of the annex (voluntary and open membership) over the years, from the published
# warehouse: members at each year end and by category, the flows in and out and why members
# leave, how long the members of each joining year stay, and what became of the applications.
#
# Every query goes through `pipelines.notebook`, which opens the publication read-only for the
# duration of one query: leaving this notebook open never blocks the nightly build, and
# re-running a cell reads the newest publication.
#
# The member movements and counts the annex reports (`p1.*`) are published as they are, however
# small. Any further breakdown (here: new members by category) blanks the cells of fewer than
# 10 people, and a second cell where the first could be recomputed from the total.

# %%
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from IPython.display import display

from pipelines import notebook as nb

nb.use_project_charts()
print(f"Published warehouse: {nb.publication_path()}")

# %% [markdown]
# ## Members over the years
#
# `annex.membership_flows` holds one row per year. A member joins when a membership spell
# starts (a comeback after leaving counts again) and leaves when it ends; so every year
# `members_end = members_start + new_members - exits`. The last year may be incomplete: it runs
# up to the date of the newest export.

# %%
flows = nb.query("from annex.membership_flows order by year")
flows["net_growth"] = flows["new_members"] - flows["exits"]
display(flows[["year", "members_start", "new_members", "exits", "net_growth", "members_end"]])

# %%
growth = go.Figure()
growth.add_bar(x=flows["year"], y=flows["new_members"], name=nb.t("col.new_members"))
growth.add_bar(x=flows["year"], y=-flows["exits"], name=nb.t("col.exits"))
growth.add_scatter(
    x=flows["year"], y=flows["net_growth"], name=nb.t("col.net_growth"), mode="lines+markers"
)
growth.add_scatter(
    x=flows["year"],
    y=flows["members_end"],
    name=nb.t("col.members_end"),
    mode="lines+markers",
    yaxis="y2",
)
growth.update_layout(
    title=nb.t("title.growth"),
    barmode="relative",
    xaxis={"title": nb.t("col.year"), "dtick": 1},
    yaxis={"title": nb.t("title.growth_axis")},
    yaxis2={
        "title": nb.t("col.members_end"),
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
    },
    legend={"orientation": "h", "y": -0.2},
)
growth.show()

# %% [markdown]
# Bars above zero are the members who joined, below zero those who left; the line on the right
# axis is the membership on 31 December, which rises whenever joiners outnumber leavers.

# %%
if len(flows):
    best = flows.loc[flows["net_growth"].idxmax()]
    worst = flows.loc[flows["net_growth"].idxmin()]
    print(
        f"From {flows['year'].min()} to {flows['year'].max()} membership went from "
        f"{flows['members_start'].iloc[0]} to {flows['members_end'].iloc[-1]}; the strongest "
        f"net growth was in {best['year']} ({best['net_growth']:+d}), the weakest in "
        f"{worst['year']} ({worst['net_growth']:+d})."
    )

# %% [markdown]
# ## Members by category
#
# The statutes define the categories by share class; a member's category on a date is the class
# held, or with several the class with the most shares. These are the annex's
# `p1.members_end.A/B/C`, published as they are.

# %%
categories = nb.query("from annex.members_by_category order by year, category")
px.bar(
    categories,
    x="year",
    y="members",
    color="category",
    title=nb.t("title.categories"),
    hover_data={"share_of_members": ":.1%"},
    labels=nb.labels(),
).update_layout(xaxis={"dtick": 1}).show()

# %% [markdown]
# Each bar is the membership on 31 December split by category; a category's share of the bar
# shows which kind of member the cooperative is made of, and how that mix moves.

# %% [markdown]
# ## New members by category at joining
#
# The category of each spell when it started: the share class its first operation brought
# (`start_class`). This is a breakdown of a published total, so cells under 10 people are
# blanked.

# %%
joiners = nb.query(
    """
    with starts as (
        select member_key, start_date, year(start_date) as year, start_class as category
        from core.member_spells
    ),
    cells as (
        select y.year, c.category
        from (select distinct year from starts) y
        cross join (select distinct category from starts) c
    )
    select cells.year, cells.category, count(starts.member_key) as new_members
    from cells
    left join starts
        on starts.year = cells.year and starts.category = cells.category
    group by all
    order by all
    """
)
joiners = nb.suppress_small(joiners, "new_members", by="year")
display(joiners.pivot(index="year", columns="category", values="new_members"))

# %%
px.bar(
    joiners.dropna(subset=["new_members"]),
    x="year",
    y="new_members",
    color="category",
    title=nb.t("title.joiners"),
    labels=nb.labels(),
).update_layout(xaxis={"dtick": 1}).show()
print(
    f"{int(joiners['suppressed'].sum())} of {len(joiners)} cells blanked (fewer than "
    f"{nb.MIN_CELL} people, or enough to recompute one that is)."
)

# %% [markdown]
# The bars show through which share class people enter the cooperative; a missing segment is a
# blanked cell, not a zero, so compare the categories only where all of them are shown.

# %% [markdown]
# ## Why members leave
#
# Exits by reason (`p1.exits.<reason>`): a withdrawal of all shares counts as a resignation, and
# `transfer` is a member who gave all their shares away.

# %%
reasons = ["resignation", "exclusion", "death", "bankruptcy", "winding_up", "transfer"]
exits = flows.melt(
    id_vars="year",
    value_vars=[f"exits_{r}" for r in reasons],
    var_name="reason",
    value_name="members",
)
exits["reason"] = exits["reason"].str.removeprefix("exits_")
px.bar(
    exits.assign(reason=nb.translate(exits["reason"], "reason")),
    x="year",
    y="members",
    color="reason",
    title=nb.t("title.exits"),
    category_orders={"reason": nb.texts("reason", reasons)},
    labels=nb.labels(),
).update_layout(xaxis={"dtick": 1}).show()

# %%
totals = exits.groupby("reason")["members"].sum().reindex(reasons)
if totals.sum():
    top = totals.idxmax()
    print(
        f"Over all years, {top} accounts for {totals[top] / totals.sum():.0%} of the "
        f"{int(totals.sum())} exits."
    )

# %% [markdown]
# Each bar stacks the year's exits by reason: the height is `p1.exits`, and a growing segment
# points at the reason to look into (resignations usually dominate; exclusions are board
# decisions).

# %% [markdown]
# ## Cohort retention
#
# For each joining year (the year a spell started), the share of its spells still running 1, 2,
# 3… years after their start. A point is shown only when every spell of the cohort has reached
# that anniversary by the date of the newest membership change in the register, and only for
# cohorts of at least 10 spells. A member who leaves and comes back starts a new spell in a
# later cohort.

# %%
retention = nb.query(
    """
    with horizon as (
        select max(greatest(start_date, coalesce(end_date, start_date))) as last_date
        from core.member_spells
    ),
    spells as (
        select year(start_date) as cohort, start_date, end_date from core.member_spells
    ),
    cohorts as (
        select cohort, count(*) as spells from spells group by cohort
    ),
    anniversaries as (
        select c.cohort, c.spells, k.years_after
        from cohorts c, horizon h,
             range(1, year(h.last_date) - c.cohort + 1) k(years_after)
        where make_date(c.cohort, 12, 31) + to_years(cast(k.years_after as integer))
              <= h.last_date
    )
    select a.cohort, a.years_after, a.spells,
           count(*) filter (
               where s.end_date is null
                  or s.end_date > s.start_date + to_years(cast(a.years_after as integer))
           ) as still_members
    from anniversaries a
    join spells s on s.cohort = a.cohort
    group by all
    order by all
    """
)
retention["retention"] = retention["still_members"] / retention["spells"]
retention = nb.mask_small_groups(retention, "spells", ["still_members", "retention"])
display(retention.pivot(index="cohort", columns="years_after", values="retention").round(3))

# %%
shown = retention.dropna(subset=["retention"]).astype({"cohort": str})
px.line(
    shown,
    x="years_after",
    y="retention",
    color="cohort",
    markers=True,
    title=nb.t("title.retention"),
    labels=nb.labels(),
).update_layout(yaxis={"tickformat": ".0%", "range": [0, 1.02]}, xaxis={"dtick": 1}).show()

# %%
first_year = shown[shown["years_after"] == 1]
if len(first_year):
    print(
        f"After one year, {first_year['retention'].min():.0%} to "
        f"{first_year['retention'].max():.0%} of a cohort is still a member."
    )
else:
    print("No cohort has been observed for a full year yet.")

# %% [markdown]
# Each line follows one joining year: the steeper it falls, the sooner its members left; lines
# that sit higher belong to cohorts that stay longer.

# %% [markdown]
# ## Applications and refusals
#
# `p1.applications` are the requests of type `new`; a refusal is a cancelled or blocked request
# with a refusal reason (without one it is the applicant who withdrew). Withdrawal requests are
# requests to sell shares back, exclusions aside.

# %%
requests = flows[
    [
        "year",
        "applications",
        "applications_refused",
        "withdrawal_requests",
        "withdrawal_requests_refused",
    ]
].copy()
requests["application_refusal_rate"] = requests["applications_refused"] / requests[
    "applications"
].where(requests["applications"] > 0)
display(requests)

# %%
long = requests.melt(
    id_vars="year",
    value_vars=[
        "applications",
        "applications_refused",
        "withdrawal_requests",
        "withdrawal_requests_refused",
    ],
    var_name="request",
    value_name="count",
)
px.bar(
    long.assign(request=nb.translate(long["request"], "request")),
    x="year",
    y="count",
    color="request",
    barmode="group",
    title=nb.t("title.requests"),
    labels=nb.labels(),
).update_layout(xaxis={"dtick": 1}).show()

# %%
rate = requests["application_refusal_rate"].dropna()
if len(rate):
    print(
        f"The board refused between {rate.min():.1%} and {rate.max():.1%} of the "
        f"applications in a year ({pd.to_numeric(requests['applications_refused']).sum()} "
        "in all)."
    )
else:
    print("No applications in the register's exports.")

# %% [markdown]
# Open membership shows as refusals that stay a small fraction of the applications; a year where
# the refused bar grows deserves a look at the reasons the board gave.
