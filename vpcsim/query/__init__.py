"""Exact "all packets" questions: header space, open ports, exposure, reachability matrices, diff, access scopes."""
