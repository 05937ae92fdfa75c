"""The application layer: the service and the workflow runner, the only place that loads,
decides, appends and tells observers."""
