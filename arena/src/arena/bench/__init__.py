"""``arena bench``: measure the three implementations side by side, on this machine.

One module per concern: ``wrk`` (load and its JSON output), ``stats`` (medians and
spread), ``schedule`` (interleaving), ``scenarios`` (what is requested and how an
answer is verified), ``coldstart``, ``ceilings`` (pgbench and the minimal
baselines), ``queries`` (pg_stat_statements), ``memory``, ``code_size``,
``footgun`` (the blocking-call-in-``async def`` exhibit), ``environment``,
``results`` (the JSON document and the figures derived from it), ``report``
(Markdown, HTML and charts) and ``runner`` (the whole run, in order).
"""
