"""The pages: server-rendered (Jinja2, GOV.UK Frontend, htmx), one module per area under
``pages/``, with their templates and static assets. ``joinedup.asgi.create_app`` serves them
beside the JSON API; ``joinedup serve`` runs it."""
