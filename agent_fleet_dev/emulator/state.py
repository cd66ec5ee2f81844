"""The state shared by every request handler of one emulator."""

import threading
from dataclasses import dataclass, field
from typing import Any

from agent_fleet_dev.emulator.clock import Clock
from agent_fleet_dev.emulator.config import EmulatorConfig, IamUser
from agent_fleet_dev.emulator.counters import Counters
from agent_fleet_dev.emulator.faults import Faults
from agent_fleet_dev.emulator.fleet import Fleet
from agent_fleet_dev.emulator.tasks import TaskStore
from agent_fleet_dev.emulator.tokens import TokenStore


@dataclass
class EmulatorState:
    """Configuration and stores of one emulator; every store is thread-safe."""

    fleet: Fleet
    projects: frozenset[str] | None
    users: tuple[IamUser, ...]
    faults: Faults
    tokens: TokenStore
    tasks: TaskStore
    counters: Counters
    clock: Clock
    initial_faults: dict[str, Any]
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set when the emulator stops, to cut injected latency short."""

    @classmethod
    def from_config(cls, config: EmulatorConfig, clock: Clock) -> "EmulatorState":
        """Build the stores from a configuration."""
        return cls(
            fleet=config.fleet,
            projects=None if config.projects is None else frozenset(config.projects),
            users=tuple(config.users),
            faults=config.faults,
            tokens=TokenStore(clock, config.token_ttl_seconds, config.static_tokens),
            tasks=TaskStore(clock, config.step_seconds),
            counters=Counters(),
            clock=clock,
            initial_faults=config.faults.settings(),
        )

    def project_allowed(self, project_id: str) -> bool:
        """Return whether the agent APIs accept this project id."""
        return self.projects is None or project_id in self.projects

    def reset(self) -> None:
        """Forget tasks and counters, restore the starting faults and the static tokens.

        Issued tokens keep their state, so clients holding one can go on.
        """
        self.tasks.clear()
        self.counters.reset()
        self.faults.update(self.initial_faults)
        self.tokens.restore_static()
