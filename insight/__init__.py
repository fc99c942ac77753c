"""Admin insight outputs, pure of SQL: progress board picture, Excel export, archive, bulletin, scores."""
