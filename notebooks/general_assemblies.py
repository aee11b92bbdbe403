# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # General assemblies: who votes, and how
#
# Principle 2 of the annex (democratic member control): for every general assembly in the vote
# files, how many members voted, the turnout among the members on the eve of the assembly, the
# vote rows that were not counted, and the channels members voted through.
#
# Voters are distinct members (for a proxy, the member represented) who were members on the eve
# of the assembly; a second row of the same member counts once and rows of non-members are left
# out. `p2.ga_voters` and `p2.ga_turnout` are read from the year's ordinary assembly.
#
# The split by channel is a breakdown: cells under 10 voters are blanked, and so is a second
# cell of the same assembly where the first could be recomputed from the number of voters.

# %%
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from IPython.display import display

from pipelines import notebook as nb

nb.use_project_charts()
print(f"Published warehouse: {nb.publication_path()}")

# %% [markdown]
# ## Voters and turnout over the years

# %%
assemblies = nb.query("from annex.general_assemblies order by assembly_date")
assemblies["kind"] = assemblies["is_ordinary"].map({True: "ordinary"}).fillna("other")
display(assemblies)

# %%
turnout = go.Figure()
for kind, rows in assemblies.groupby("kind"):
    turnout.add_bar(
        x=rows["assembly_date"],
        y=rows["voters"],
        name=nb.t("title.voters_of", kind=nb.t(f"kind.{kind}")),
    )
turnout.add_scatter(
    x=assemblies["assembly_date"],
    y=assemblies["turnout"],
    name=nb.t("col.turnout"),
    mode="lines+markers",
    yaxis="y2",
)
turnout.update_layout(
    title=nb.t("title.turnout"),
    xaxis={"title": nb.t("col.assembly_date")},
    yaxis={"title": nb.t("title.voters_axis")},
    yaxis2={
        "title": nb.t("col.turnout"),
        "overlaying": "y",
        "side": "right",
        "tickformat": ".0%",
        "rangemode": "tozero",
    },
    legend={"orientation": "h", "y": -0.2},
)
turnout.show()

# %%
if len(assemblies):
    last = assemblies.iloc[-1]
    rate = f"{last['turnout']:.1%}" if pd.notna(last["turnout"]) else "unknown"
    print(
        f"{len(assemblies)} assemblies in the vote files; at the latest "
        f"({last['assembly_date']:%d/%m/%Y}) {last['voters']} of {last['members_on_eve']} "
        f"members voted (turnout {rate})."
    )
else:
    print("No general assembly vote file in the publication.")

# %% [markdown]
# The bars count the members who voted and the line is the turnout: turnout can fall while the
# number of voters rises, when the membership grows faster than participation.

# %% [markdown]
# ## Vote rows that were not counted
#
# Every row of a vote file is a counted vote, a duplicate (a further row of a member who already
# voted, counted once) or the vote of someone who was not a member on the eve. Rows whose member
# number could not be read are in quarantine (see the data-quality notebook).

# %%
rows = assemblies.melt(
    id_vars="assembly_date",
    value_vars=["voters", "duplicate_votes", "non_member_votes"],
    var_name="row",
    value_name="rows",
)
px.bar(
    rows.assign(row=nb.translate(rows["row"], "row")),
    x="assembly_date",
    y="rows",
    color="row",
    title=nb.t("title.vote_rows"),
    labels=nb.labels(),
).show()

# %% [markdown]
# Counted votes should make up nearly every bar; a visible band of duplicates or non-member
# votes points at a voting tool that let members vote twice or let non-members in.

# %% [markdown]
# ## Voters by channel
#
# The channel of each counted vote (onsite, online, proxy), per assembly, with small cells
# blanked.

# %%
channels = nb.query(
    """
    with cells as (
        select a.assembly_date, c.channel
        from annex.general_assemblies a
        cross join (select unnest(['onsite', 'online', 'proxy']) as channel) c
    )
    select cells.assembly_date, cells.channel,
           count(distinct v.member_key) as voters
    from cells
    left join core.assembly_votes v
        on v.assembly_date = cells.assembly_date and v.channel = cells.channel
       and v.status = 'counted'
    group by all
    order by all
    """
)
channels["share_of_voters"] = channels["voters"] / channels.groupby("assembly_date")[
    "voters"
].transform("sum")
channels = nb.suppress_small(channels, "voters", by="assembly_date", others=["share_of_voters"])
display(channels.pivot(index="assembly_date", columns="channel", values="voters"))

# %%
shown = channels.dropna(subset=["voters"])
px.bar(
    shown.assign(channel=nb.translate(shown["channel"], "channel")),
    x="assembly_date",
    y="voters",
    color="channel",
    title=nb.t("title.channels"),
    labels=nb.labels(),
    hover_data={"share_of_voters": ":.0%"},
    category_orders={"channel": nb.texts("channel", ["onsite", "online", "proxy"])},
).show()
print(
    f"{int(channels['suppressed'].sum())} of {len(channels)} cells blanked (fewer than "
    f"{nb.MIN_CELL} voters, or enough to recompute one that is)."
)

# %% [markdown]
# The stack shows how members take part: a growing online segment means that the assembly
# reaches members who would not travel to it; a blank segment is a small cell, not a zero.
