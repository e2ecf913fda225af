"""Exposure analysis: every path by which regulated data leaves its protection.

For every regulated source column the engine asks the graph store where its *value*
reaches (``walk``), judges each place it lands against the source's classification and
tags (``policy``), and records the result as findings with their paths hop by hop,
readers and grants (``scan``). Stewards and compliance admins acknowledge or resolve
them (``services``); pages, the API and reports read them (``selectors``).

``policy`` decides what is sensitive and what carries a value; ``walk`` knows nothing of
classifications; ``engine`` joins the two for one point in time.
"""
