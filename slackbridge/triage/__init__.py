"""Triage of incoming mentions: team rules first, then a model when configured, then a built-in classifier."""
