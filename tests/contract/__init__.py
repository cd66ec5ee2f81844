"""Tests of the request and response models of the Cloud Eye agent APIs."""
