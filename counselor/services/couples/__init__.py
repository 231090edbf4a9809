"""Couples, their partners and sessions, partners' links and email preferences."""
