"""Mailer service: consumes mail requests, renders templates and delivers them over SMTP."""
