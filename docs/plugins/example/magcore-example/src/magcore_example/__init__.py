"""magcore-example: a half-yearly check-in, one theme and one reminder."""
