"""agent-fleet: drive Cloud Eye agent maintenance tasks safely at fleet scale.

The package is the shared runtime library of the Lambda handlers (the layer):
contract models, the Cloud Eye client, credentials, job planning and execution,
and the trigger adapters.
"""

__version__ = "0.1.0"
