"""History: every session stored in one SQLite database, and the progress across sessions.

``store`` is the database (``HistoryStore``), ``recorder`` writes the sessions of ``live``,
``routine`` and ``analyze --save`` into it as they happen, ``export`` writes CSV tables for a
spreadsheet, ``progress`` turns the history into the figures and HTML report a physio reads.
"""

from formcheck.history.store import ENV_VAR, SCHEMA_VERSION, HistoryStore, SessionRow, default_path

__all__ = ["ENV_VAR", "SCHEMA_VERSION", "HistoryStore", "SessionRow", "default_path"]
