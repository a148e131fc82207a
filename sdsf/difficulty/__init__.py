"""Structures in difficulty: pure cores (health indicators and signals, FILOUÉ aggregation)."""
