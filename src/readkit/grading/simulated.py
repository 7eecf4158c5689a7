"""Simulated learners: labels that a learner of a given skill might give, for the demo class
(`readkit demo`), the parallel-forms check of `readkit validate` and the tests.

A learner has an ability and a unit a difficulty on one logit scale (by the unit's key label:
meta is easy, claim and commentary hard, plus the unit's own offset when one is given):
P(right) = logistic(ability - difficulty). A wrong answer follows a confusion pattern: claim
and commentary are mistaken for each other far more often than anything is mistaken for meta;
where the key accepts an alternative label, learners often pick it (full credit). A few units
are left unlabelled. Pure: the caller passes a seeded random.Random.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from readkit.grading.trusted import SorterAssignment

# Difficulty by key label (logit scale; higher is harder).
DIFFICULTY = {"meta": -1.4, "sourced": -0.2, "commentary": 0.5, "claim": 0.7}
# Where a wrong answer goes, by key label: claim <-> commentary dominate, meta is rarely chosen.
CONFUSION = {
    "sourced": {"claim": 0.55, "commentary": 0.38, "meta": 0.07},
    "claim": {"commentary": 0.72, "sourced": 0.23, "meta": 0.05},
    "commentary": {"claim": 0.74, "sourced": 0.18, "meta": 0.08},
    "meta": {"commentary": 0.5, "claim": 0.3, "sourced": 0.2},
}
UNLABELLED = 0.02  # chance that a learner skips a unit


def p_right(ability: float, difficulty: float) -> float:
    return 1 / (1 + math.exp(difficulty - ability))


def unit_offsets(plan: SorterAssignment, rng: random.Random, spread: float = 0.6
                 ) -> dict[str, float]:
    """A random offset of each unit's difficulty from its label's (some sentences are harder
    than others of the same label)."""
    return {unit: rng.gauss(0, spread) for unit in plan.unit_ids}


def simulate_answers(plan: SorterAssignment, ability: float, rng: random.Random,
                     offsets: Mapping[str, float] | None = None) -> dict[str, str]:
    """One learner's labels for every unit of the plan's sections (a plan on one article: for
    a test, the plan of one form)."""
    answers = {}
    for unit in plan.unit_ids:
        if rng.random() < UNLABELLED:
            continue
        entry = plan.key[unit]
        difficulty = DIFFICULTY[entry.label] + (offsets or {}).get(unit, 0.0)
        if rng.random() < p_right(ability, difficulty):
            answers[unit] = entry.label
            continue
        alternatives = [label for label in entry.accept if label != entry.label]
        if alternatives and rng.random() < 0.5:
            answers[unit] = rng.choice(alternatives)
            continue
        wrong = CONFUSION[entry.label]
        answers[unit] = rng.choices(list(wrong), weights=list(wrong.values()))[0]
    return answers
