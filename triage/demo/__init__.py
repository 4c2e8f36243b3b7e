"""A self-contained demo: local throwaway IMAP/SMTP servers and sample mail."""
