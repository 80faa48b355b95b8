"""Interventions: records, impact estimates beforehand, evaluations afterwards.

``catalogue`` (the built-in types), ``records`` (the ``interventions-csv/1`` import),
``cohort`` (covariates and outcomes per child at a date, from the store), ``estimate``
(propensity weighting, difference-in-differences, bootstrap intervals, balance, E-values),
``report`` (Markdown/HTML for a partnership board, with plots). Use cases are in
``joinedup.services.interventions``.
"""
