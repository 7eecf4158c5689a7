"""Tools for the instructor: the sandbox that runs learner code during autograde."""
