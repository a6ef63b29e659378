"""Compliance pages: thin, calling the same functions as the API and CLI. Split by subdomain
(``trace``, ``recalls``); the URL map imports each module."""
