"""The pure core: parse, dedupe and enrich as plain functions on schema models.

Nothing here touches the database, the broker, the network, the clock or the environment.
"""
