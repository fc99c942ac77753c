"""Channel-neutral domain: deadlines, plan files, clock and unit states."""
