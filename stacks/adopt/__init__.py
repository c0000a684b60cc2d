"""Adopting a live Incident Manager: read the account, write the environment file, the import
IDs and the secret addresses (``python main.py adopt``)."""
