"""Tasks: the steps people take on cases: inbox, claim, assign, complete."""
