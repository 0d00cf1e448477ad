"""Orchestration with Dagster: the dbt project as assets, a sensor on the raw folder, the weekly retrain.

    make orchestrate        (dagster dev on localhost; docs/orchestration.md)

`definitions` builds the Dagster `Definitions` (it imports dagster and dagster-dbt, the optional
extra `orchestrate`); `fingerprints` holds the sensor's pure file logic, importable without them.
"""
