"""The benchmark scripts (``python -m benchmarks.NAME``; README "Benchmarks").

Each script takes ``--smoke``: its smallest size, seconds rather than minutes, with the results
written where ``--out PATH`` says (JSON) instead of ``benchmarks/results/``. ``tests/test_benchmarks.py``
runs every script at that size in the default test set and checks what it writes, so that a script
cannot fall behind the code it measures. No timing is asserted.
"""
