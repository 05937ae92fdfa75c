"""Pure rules, no I/O: conversation, goals, sharing, organisation changes, planning, approvals
and the scoring guard."""
