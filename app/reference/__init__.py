"""Reference data an administrator maintains: the holiday table (and, later, guidelines and rule sets)."""
