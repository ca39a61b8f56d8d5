"""Negotiation instructors: who gets which case, their caseloads, and handing cases on."""
