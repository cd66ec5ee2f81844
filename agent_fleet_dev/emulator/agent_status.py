"""Agent status of hosts: the fleet's starting status, updated by finished tasks."""

from dataclasses import dataclass

from agent_fleet_dev.emulator.state import EmulatorState
from agent_fleet_dev.emulator.validation import StatusQuery


@dataclass(frozen=True, slots=True)
class AgentView:
    """The agent on one host: uniagent status, telescope status and version."""

    uniagent_status: str
    extension_status: str
    version: str


def current_agent(state: EmulatorState, project_id: str, instance_id: str) -> AgentView:
    """Return the host's agent as its newest successful install left it, else from the fleet."""
    installed = state.tasks.installed_version(project_id, instance_id)
    if installed is not None:
        return AgentView("running", "running", installed)

    profile = state.fleet.profile(instance_id)
    return AgentView(
        uniagent_status=profile.uniagent_status,
        extension_status=profile.resolved_extension_status(),
        version=profile.agent_version or state.fleet.agent_version,
    )


def query_agent_status(
    state: EmulatorState, project_id: str, query: StatusQuery
) -> dict[str, object]:
    """Build the batch-query response: one entry per distinct host, in request order, filtered."""
    entries: list[dict[str, object]] = []
    for instance_id in dict.fromkeys(query.instance_ids):
        agent = current_agent(state, project_id, instance_id)
        if query.uniagent_status is not None and agent.uniagent_status != query.uniagent_status:
            continue
        if query.extension_status is not None and agent.extension_status != query.extension_status:
            continue

        extension: dict[str, object] = {"name": "telescope", "status": agent.extension_status}
        if agent.extension_status != "none":
            extension["version"] = agent.version

        entries.append(
            {
                "instance_id": instance_id,
                "uniagent_status": agent.uniagent_status,
                "extensions": [extension],
            }
        )

    return {"agent_status": entries}
