"""The one way to read an export: an `ExportSpec` per export (`spec`), a reader made for its format
(`csv`: DuckDB's CSV reader; `workbook`: fastexcel for an Excel sheet), one core that types
and tests the rows (`typed`), and the quality tables of what was set aside (`quality`)."""

from pipelines.lib.ingest.csv import (
    check_header,
    csv_reader_sql,
    header_cells,
    literal_path,
    load_csv_export,
    read_header,
    readable_csv,
    records_check,
)
from pipelines.lib.ingest.quality import (
    INGEST_LOG_TABLE,
    QUARANTINE_TABLE,
    duplicate_conflicts,
    ensure_quality_tables,
    record_quarantine,
)
from pipelines.lib.ingest.spec import (
    Column,
    ExportSpec,
    LoadResult,
    RowRule,
    StagedFile,
    WorkbookSheet,
    display_name,
    iter_files,
    not_read,
    text_column,
    trimmed,
)
from pipelines.lib.ingest.typed import ExportInputs, export_fingerprint, load_export, reader_error
from pipelines.lib.ingest.workbook import (
    EXCEL_DATE_SQL,
    SheetReader,
    StagedSheet,
    drop_sheet,
    load_workbook_export,
    sheet_names,
    stage_sheet,
)
from pipelines.lib.rawfiles import ExportError

__all__ = [
    "EXCEL_DATE_SQL",
    "INGEST_LOG_TABLE",
    "QUARANTINE_TABLE",
    "Column",
    "ExportError",
    "ExportInputs",
    "ExportSpec",
    "LoadResult",
    "RowRule",
    "StagedFile",
    "SheetReader",
    "StagedSheet",
    "WorkbookSheet",
    "check_header",
    "csv_reader_sql",
    "display_name",
    "drop_sheet",
    "duplicate_conflicts",
    "ensure_quality_tables",
    "export_fingerprint",
    "header_cells",
    "iter_files",
    "literal_path",
    "load_csv_export",
    "load_export",
    "load_workbook_export",
    "not_read",
    "read_header",
    "readable_csv",
    "reader_error",
    "record_quarantine",
    "records_check",
    "sheet_names",
    "stage_sheet",
    "text_column",
    "trimmed",
]
