"""The yearly "double contract month" campaign: its process, its steps, and the launch of its cases."""
