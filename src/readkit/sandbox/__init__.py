"""The sandbox for learner code: a bubblewrap spec (bubblewrap.py) with a seccomp filter
(seccomp.py), the kernel zygote that is the sandbox's PID 1 and forks each learner's kernel
(zygote.py), the host side that drives it (pool.py), and jupyter_client's kernel provisioner of
those kernels (kernels.py, an entry point). Standalone: it imports nothing else of readkit (a
test holds that)."""
