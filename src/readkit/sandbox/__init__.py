"""The sandbox for learner code: a bubblewrap spec (bubblewrap.py), the kernel zygote that is
the sandbox's PID 1 and forks each learner's kernel (zygote.py), and the host side that drives
it (pool.py). Standalone: it imports nothing else of readkit (a test holds that)."""
