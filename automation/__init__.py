"""Excel registers for customer and after-sales service: validation, service jobs, write-back and summaries."""

__version__ = "0.1.0"
