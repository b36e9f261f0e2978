"""Throughput benchmarks of the nightly run: `python -m bench.night` (due notices, HTML → WeasyPrint) and
`python -m bench.decisions` (Word-template decisions through LibreOffice). Results go to bench/results/."""
