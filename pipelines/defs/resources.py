import dagster as dg

from pipelines.lib.resources import Warehouse


@dg.definitions
def resources() -> dg.Definitions:
    # Every step in one process: a per-step process costs ~2 s, more than most steps take.
    return dg.Definitions(resources={"warehouse": Warehouse()}, executor=dg.in_process_executor)
