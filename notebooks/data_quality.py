# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Data quality: what was set aside, what the checks said
#
# What the last published build read, what it could not use, and whether its checks passed:
#
# - `quality.ingest_files`: every export file read, with its rows read, loaded and quarantined
#   on reading (rows read = rows loaded + rows quarantined on reading);
# - `quality.quarantine`: every row set aside, by file, row number, column and reason code (never
#   the rejected row itself, which may hold personal data): those set aside on reading (a value
#   that cannot be typed or is not allowed) and those set aside afterwards from rows that were
#   loaded (a duplicate vote, a vote of someone who was not a member). The build's summary
#   ("Quarantined rows: N") counts both, and so does this notebook;
# - `quality.check_results`: the result of every data check (a failed blocking check stops the
#   publication, so a published warehouse only shows failed checks that are warnings);
# - `annex.figures`: the figures that could not be computed for a year, and why.

# %%
import plotly.express as px
from IPython.display import display

from pipelines import notebook as nb

nb.use_project_charts()
print(f"Published warehouse: {nb.publication_path()}")

# %% [markdown]
# ## Files read

# %%
# A row quarantined on reading is one of `rows_quarantined` of its file in `quality.ingest_files`
# (same export and file); the others were loaded, then set aside by a later step.
files = nb.query(
    """
    with quarantined as (
        select q.source_file,
               count(*) filter (where f.export is not null) as on_reading,
               count(*) filter (where f.export is null) as later
        from quality.quarantine q
        left join quality.ingest_files f using (export, source_file)
        group by all
    )
    select f.export, f.source_file, f.rows_read, f.rows_loaded,
           coalesce(q.on_reading, 0) as quarantined_on_reading,
           coalesce(q.later, 0) as quarantined_later,
           f.rows_loaded - coalesce(q.later, 0) as rows_kept,
           (coalesce(q.on_reading, 0) + coalesce(q.later, 0)) / nullif(f.rows_read, 0)
               as share_quarantined
    from quality.ingest_files f
    left join quarantined q using (source_file)
    order by f.export, f.source_file
    """
)
display(files)

# %%
kept = files.melt(
    id_vars=["export", "source_file"],
    value_vars=["rows_kept", "quarantined_on_reading", "quarantined_later"],
    var_name="outcome",
    value_name="rows",
)
px.bar(
    kept.assign(outcome=nb.translate(kept["outcome"], "outcome")),
    y="source_file",
    x="rows",
    color="outcome",
    orientation="h",
    title=nb.t("title.files"),
    labels=nb.labels(),
    height=200 + 28 * len(files),
).update_layout(yaxis={"title": None, "autorange": "reversed"}).show()

# %%
totals = nb.query(
    """
    select count(*) as quarantined,
           (select coalesce(sum(rows_quarantined), 0) from quality.ingest_files) as on_reading
    from quality.quarantine
    """
).iloc[0]
quarantined, on_reading = int(totals["quarantined"]), int(totals["on_reading"])
print(
    f"{len(files)} files, {int(files['rows_read'].sum())} rows read; {quarantined} rows "
    f"quarantined (as the build's summary counts them): {on_reading} on reading (a value that "
    f"cannot be typed or is not allowed) and {quarantined - on_reading} afterwards, from rows "
    "that were loaded (e.g. a duplicate vote, a vote of someone who was not a member)."
)
if len(files) and quarantined:
    worst = files.sort_values("share_quarantined", ascending=False).iloc[0]
    print(
        f"The file with the largest share set aside is {worst['source_file']} "
        f"({worst['share_quarantined']:.1%} of its rows)."
    )

# %% [markdown]
# Each bar is one export file: the part set aside should stay a sliver; a file with a large
# quarantined part is worth raising with the team that produces the export. The rows
# quarantined afterwards were read correctly but could not count (a second vote of the same
# member counts once); they belong to the file they came from.

# %% [markdown]
# ## Why rows were set aside

# %%
quarantine = nb.query(
    """
    select export, source_file, reason, column_name, count(*) as rows
    from quality.quarantine
    group by all
    order by export, source_file, rows desc
    """
)
display(quarantine)

# %%
if len(quarantine):
    px.bar(
        quarantine.assign(reason=nb.translate(quarantine["reason"], "reason")),
        y="source_file",
        x="rows",
        color="reason",
        orientation="h",
        hover_data=["column_name"],
        title=nb.t("title.quarantine"),
        labels=nb.labels(),
        height=200 + 28 * quarantine["source_file"].nunique(),
    ).update_layout(yaxis={"title": None, "autorange": "reversed"}).show()
    by_reason = quarantine.groupby("reason")["rows"].sum().sort_values(ascending=False)
    print(f"Most frequent reason: {by_reason.index[0]} ({int(by_reason.iloc[0])} rows).")
else:
    print("Nothing was quarantined.")

# %% [markdown]
# The reason code says what to fix in the export (for instance `bad_member_number`: a member
# number that is not a number; `not_a_member`: a vote from someone who was not a member on the
# eve of the assembly); the data steward finds the rows by file and row number.

# %% [markdown]
# ## Checks

# %%
checks = nb.query(
    """
    select check_name, asset, passed, blocking, offending_rows, description, evaluated_at
    from quality.check_results
    order by passed, blocking desc, asset, check_name
    """
)
display(checks)

# %%
summary = (
    checks.assign(
        result=checks["passed"].map({True: "passed", False: "failed"}),
        kind=checks["blocking"].map({True: "blocking", False: "warning"}),
    )
    .groupby(["kind", "result"], as_index=False)
    .size()
    .rename(columns={"size": "checks"})
)
px.bar(
    summary.assign(
        kind=nb.translate(summary["kind"], "kind"),
        result=nb.translate(summary["result"], "result"),
    ),
    x="kind",
    y="checks",
    color="result",
    title=nb.t("title.checks"),
    labels=nb.labels(),
    color_discrete_map={nb.t("result.passed"): "seagreen", nb.t("result.failed"): "crimson"},
).show()
failed = checks[~checks["passed"]]
if len(failed):
    print(f"{len(failed)} check(s) failed:")
    for check in failed.itertuples():
        print(
            f"  - {check.check_name} on {check.asset}: {check.offending_rows} rows. "
            f"{check.description}"
        )
else:
    print(f"All {len(checks)} checks passed.")

# %% [markdown]
# Blocking checks guard the annex's identities (members at the end = at the start + joiners −
# leavers, categories adding up, holdings never negative); a published warehouse has them all
# green, so any red here is a warning worth reading before the annex goes out.

# %% [markdown]
# ## Figures that could not be computed

# %%
missing = nb.query(
    """
    select note, count(*) as figures, min(year) as first_year, max(year) as last_year,
           string_agg(distinct figure_id, ', ' order by figure_id) as figure_ids
    from annex.figures
    where value is null and value_text is null
    group by note
    order by figures desc
    """
)
display(missing)
coverage = nb.query(
    """
    select year, count(*) filter (where value is not null or value_text is not null) as computed,
           count(*) filter (where value is null and value_text is null) as not_computed
    from annex.figures
    group by year
    order by year
    """
)
computed = coverage.melt(id_vars="year", var_name="figures", value_name="count")
px.bar(
    computed.assign(figures=nb.translate(computed["figures"], "figures")),
    x="year",
    y="count",
    color="figures",
    title=nb.t("title.coverage"),
    labels=nb.labels(),
).update_layout(xaxis={"dtick": 1}).show()

# %% [markdown]
# A figure without a value always carries a note (usually a missing export for that year); the
# bars show which years of the annex are complete and which need another file.
