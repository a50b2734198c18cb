"""The evaluation's rules engine (评估规则引擎): plain Python, no Django.

A rules file (one per year and table: the district method, the outlet table) is data;
``method.load`` reads it and reports where its declared maxima disagree with what its
items add up to; ``score.score`` applies it to one indicators file and explains every
point. The rule shapes are few (``shapes``): a rate with step deductions, events counted
with a cap, tiers, an assessed value; each item is their capped sum.
"""

from .method import Method, RulesError, load, load_text
from .score import IndicatorError, score

__all__ = ["IndicatorError", "Method", "RulesError", "load", "load_text", "score"]
