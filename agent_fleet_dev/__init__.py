"""Development-only code: the Cloud Eye emulator and the local runner, never deployed."""
