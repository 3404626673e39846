"""A job fair's day as a Locust load shape: the doors open and the crowd scans within minutes
(a linear ramp), the halls stay full (a plateau), then people drift home (a decline to a tenth
of the crowd), and the test ends.

    locust -f loadtests/locustfile.py,loadtests/jobfair_shape.py --headless --host URL

Environment (seconds for the phases): JOBFAIR_CROWD peak users (default 120), JOBFAIR_RAMP
(60), JOBFAIR_PLATEAU (120), JOBFAIR_DECLINE (60). The shape replaces -u, -r and -t.
"""

from __future__ import annotations

import os

from locust import LoadTestShape


class JobFair(LoadTestShape):
    crowd = int(os.environ.get("JOBFAIR_CROWD", "120"))
    ramp = float(os.environ.get("JOBFAIR_RAMP", "60"))
    plateau = float(os.environ.get("JOBFAIR_PLATEAU", "120"))
    decline = float(os.environ.get("JOBFAIR_DECLINE", "60"))

    def tick(self) -> tuple[int, float] | None:
        t = self.get_run_time()
        tail = max(1, self.crowd // 10)
        if t < self.ramp + self.plateau:  # locust spawns toward the crowd at this rate
            return self.crowd, max(1.0, self.crowd / max(self.ramp, 1))
        if t < self.ramp + self.plateau + self.decline:  # and stops users at this one
            return tail, max(1.0, (self.crowd - tail) / max(self.decline, 1))
        return None
