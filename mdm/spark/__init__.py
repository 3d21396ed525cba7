"""The Spark engine: the same batch reconciliation on a Spark cluster (``--engine spark``).

pyspark is an optional dependency (the ``spark`` extra): nothing outside this package imports it.
"""
