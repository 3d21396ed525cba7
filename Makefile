# Benchmarks run outside the test suite; each writes bench/results/*.md, then BENCHMARKS.md is
# assembled from them with bench/NOTES.md. Sizes: override SCALE="100000 1000000 3000000".
PYTHON ?= .venv/bin/python
SCALE ?= 100000 1000000
WORK ?= /tmp/mdm-scale

.PHONY: bench bench-accuracy bench-scale bench-spark bench-serve test

bench: bench-accuracy bench-scale bench-spark bench-serve
	$(PYTHON) bench/report.py

bench-accuracy:
	$(PYTHON) bench/febrl.py
	$(PYTHON) bench/samples.py
	$(PYTHON) bench/realtime_accuracy.py

bench-scale:
	$(PYTHON) bench/scale.py --records $(SCALE) --workdir $(WORK)

# The Spark engine (local[2]) on the scale run's extracts, with the DuckDB run's model.
bench-spark:
	$(PYTHON) bench/spark_scale.py --records $(SCALE) --workdir $(WORK)

# Real-time latency on the largest database the scale run made (copied: the benchmark writes),
# then a batch run inside the service, and deletes and deliveries (each on a copy of its own).
bench-serve:
	cp $(WORK)/$(lastword $(SCALE))/mdm.duckdb $(WORK)/serve.duckdb
	$(PYTHON) bench/serve_latency.py --db $(WORK)/serve.duckdb --sources $(WORK)/$(lastword $(SCALE))/sources.yaml
	$(PYTHON) bench/service_run.py --db $(WORK)/$(lastword $(SCALE))/mdm.duckdb --sources $(WORK)/$(lastword $(SCALE))/sources.yaml
	$(PYTHON) bench/deletes_and_deliveries.py --db $(WORK)/$(lastword $(SCALE))/mdm.duckdb --truth $(WORK)/$(lastword $(SCALE))/truth.csv

test:
	$(PYTHON) -m pytest
