"""The web application: server-rendered pages (Jinja2, GOV.UK Frontend, htmx) and the JSON
API, on FastAPI. ``joinedup.web.app.create_app`` builds it; ``joinedup serve`` runs it."""
