"""Deadlines that run themselves: the scheduler, its jobs, and what people are told."""
