"""Funding ledger: pure cores (aid rules, territorial summaries); the Django app comes later."""
