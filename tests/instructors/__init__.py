"""Instructor assignment and reassignment."""
