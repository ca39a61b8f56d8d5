"""Deadline scheduler tests across processes: every timer fires exactly once."""
