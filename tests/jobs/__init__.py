"""Tests of job planning, execution and reporting."""
