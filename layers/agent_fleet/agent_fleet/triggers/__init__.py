"""Trigger adapters: turn an HTTP request or a schedule's input into a job and its reply."""
