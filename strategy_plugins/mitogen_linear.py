"""The strategy ansible.cfg names: Mitogen's linear strategy (requirements.txt installs it).

Mitogen keeps one Python interpreter per host for the whole run and sends it each task's
module, instead of starting an interpreter and unpacking the module per task: a no-op
site.yml on the local connection runs in about 40 % of the time (README, Performance).
It applies to the local and ssh connections. Others (containers.podman.podman) run as with
Ansible's own linear strategy.

Without ansible_mitogen (a control node set up by hand from another requirements file), or
with ANSIBLE_STRATEGY=linear, Ansible's own linear strategy runs the same tasks.
"""

from __future__ import annotations

try:
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule
except ImportError:
    from ansible.plugins.strategy.linear import StrategyModule
    from ansible.utils.display import Display

    Display().warning("ansible_mitogen is not installed (pip install -r requirements.txt): "
                      "Ansible's linear strategy runs the tasks, slower")

__all__ = ["StrategyModule"]
