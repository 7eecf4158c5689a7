"""What a class's grading gives the instructor: `readkit grade` (grades.csv and the gradebook
check), `readkit report` (the item analysis) and the LMS export. Reads what autograde recorded;
never runs learner code."""
