"""``arena bench``: measure the three implementations side by side, on this machine.

The run (``runner``) starts every server once, verifies them, then hands them to each
workload family in ``workloads/`` (one module each: ``crud`` today, the fan-out and
streaming workloads next), which measures and later renders its own report section
from its template in ``templates/``. The rest is one module per concern: ``config``
(run sizes), ``targets``, ``wrk`` (closed-loop load and its JSON output), ``openloop``
(hey at fixed offered rates), ``usage`` (CPU per request and the spread over workers),
``profiling`` (py-spy), ``stats`` (medians and spread), ``schedule`` (interleaving),
``scenarios`` (the CRUD requests and their checks), ``coldstart``, ``ceilings``
(pgbench and the minimal baselines), ``queries`` (queries and round trips, from
pg_stat_statements), ``memory``, ``code_size``, ``footgun`` (the
blocking-call-in-``async def`` exhibit), ``environment`` (the machine, CPU pinning),
``tools`` (installing wrk and hey), ``results`` (the JSON document and the figures
derived from it), ``report`` and ``charts`` (Markdown, HTML and PNGs).
"""
