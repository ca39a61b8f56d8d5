"""Documents attached to cases, stored by content hash."""
