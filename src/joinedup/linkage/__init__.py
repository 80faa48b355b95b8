"""Record linkage: who is who across agencies, and who lives with whom.

``batch.link`` re-links the store with Splink (DuckDB or Spark); ``incremental.link_record``
links one new record at once; ``review`` holds the clerical queue; ``explain`` says why
records joined; ``households`` groups people; ``evaluate`` measures accuracy against truth.
The decision logic (features, comparisons, clustering, persons, scoring, evaluate) is plain
Python over plain data; only the readers and writers take a Connection.
"""
