"""Delivery: alerts to a webhook (``notify``) and scores to the CRM (``export-scores``), each
exactly once per change, with the state in the warehouse (``delivery`` schema)."""
