"""The runner: the only place that sequences I/O (IMAP, database, SMTP) around the pure core."""
