"""Reading and writing the xlsx package: :mod:`.read` (python-calamine), :mod:`.table` (typed tables), :mod:`.package`
and :mod:`.sheet_xml` (write-back), :mod:`.safe_write` (the replace that loses nothing).

Only constants live here, so that modules which merely name workbook files (the command line, the root layout)
need not load the reader, numpy or pandas."""

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
