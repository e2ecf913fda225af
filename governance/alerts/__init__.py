"""Alerts: Slack incoming webhooks and e-mail for the kinds ``monitoring.alert_on`` lists.

Producers describe an event with ``events.AlertEvent`` and call
``services.alert_raise(event=…)``; everything after that — de-duplication, routing,
grouping, rate limit, retries, the digest, the record of every delivery — happens here.
"""
