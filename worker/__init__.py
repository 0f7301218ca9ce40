"""newsingest: news articles from a Redis queue, through Celery workers, into PostgreSQL."""

from worker.submit import submit

__all__ = ["submit"]
