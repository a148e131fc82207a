"""Funding: funders, programmes, calls for projects, grants and the co-financing ledger."""
