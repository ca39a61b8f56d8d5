"""Negotiation cases: the case service, its forms and its engine runtime."""
