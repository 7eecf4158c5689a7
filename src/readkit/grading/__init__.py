"""Scoring, pure and front-end free: Sorter sections and the number tasks, and what the graded
notebooks' cells call. Learner-side: never imports instructor code."""
