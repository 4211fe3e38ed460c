"""Relatives of missing persons, their consent records and the notifications to families.

Declared in `domain.py`: its case-closing rule is a registered hook the case registry asks.
"""
