"""ReportLab rendering of pre-session reports: a plain data object in, PDF bytes out.

Pure by design: nothing here imports Flask or the database.
"""
