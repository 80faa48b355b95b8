"""Alerts: rules that fire on new events, routing to the child's lead practitioner, content
minimised by governance, delivery by inbox, email and signed webhook, acknowledgement and
escalation. See docs/alerts.md."""
