"""Builders of the shipped language-identification data (run from the repository root)."""
