"""The missing-person case registry: cases, status lifecycle, timeline, search and duplicates."""
