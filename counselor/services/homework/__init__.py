"""Homework: the ladder, steps assigned to couples, and partners' check-ins."""
