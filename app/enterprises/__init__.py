"""The enterprise registry and its credit-code validation."""
