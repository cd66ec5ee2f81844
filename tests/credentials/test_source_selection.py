"""secret_source_from_environ: the choice between the extension and Secrets Manager."""

from pathlib import Path

import pytest

from agent_fleet.credentials import (
    CredentialsConfigurationError,
    ExtensionSecretSource,
    SecretsManagerSource,
    secret_source_from_environ,
)

LAMBDA_ENVIRON = {
    "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-key",
    "AWS_SESSION_TOKEN": "session-token",
    "AWS_REGION": "eu-west-1",
}


@pytest.fixture
def extensions_with_extension(tmp_path: Path) -> Path:
    """An extensions folder that contains the extension's executable."""
    executable = tmp_path / "AWSParametersAndSecretsLambdaExtension"
    executable.write_bytes(b"#!/bin/sh\n")
    executable.chmod(0o755)
    return tmp_path


def test_source_auto_uses_installed_extension(extensions_with_extension: Path) -> None:
    """In auto mode, the extension's executable in the extensions folder selects the extension."""
    environ = {**LAMBDA_ENVIRON, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "2999"}

    source = secret_source_from_environ(environ, extensions_dir=extensions_with_extension)

    assert isinstance(source, ExtensionSecretSource)
    assert source.port == 2999


def test_source_auto_without_extension_uses_secrets_manager(tmp_path: Path) -> None:
    """In auto mode, an extensions folder without the extension selects Secrets Manager."""
    (tmp_path / "another-extension").write_bytes(b"")

    source = secret_source_from_environ(LAMBDA_ENVIRON, extensions_dir=tmp_path)

    assert isinstance(source, SecretsManagerSource)
    assert source.endpoint_url == "https://secretsmanager.eu-west-1.amazonaws.com"


def test_source_forced_extension(tmp_path: Path) -> None:
    """AGENT_FLEET_SECRETS_SOURCE=extension selects the extension even when none is installed."""
    environ = {**LAMBDA_ENVIRON, "AGENT_FLEET_SECRETS_SOURCE": "extension"}

    source = secret_source_from_environ(environ, extensions_dir=tmp_path)

    assert isinstance(source, ExtensionSecretSource)


def test_source_forced_secrets_manager(extensions_with_extension: Path) -> None:
    """AGENT_FLEET_SECRETS_SOURCE=secretsmanager selects the API even when the extension exists."""
    environ = {**LAMBDA_ENVIRON, "AGENT_FLEET_SECRETS_SOURCE": "SecretsManager"}

    source = secret_source_from_environ(environ, extensions_dir=extensions_with_extension)

    assert isinstance(source, SecretsManagerSource)


def test_source_invalid_choice_raises(tmp_path: Path) -> None:
    """Another AGENT_FLEET_SECRETS_SOURCE value raises an error listing the valid ones."""
    environ = {**LAMBDA_ENVIRON, "AGENT_FLEET_SECRETS_SOURCE": "ssm"}

    with pytest.raises(CredentialsConfigurationError) as caught:
        secret_source_from_environ(environ, extensions_dir=tmp_path)

    assert caught.value.setting == "AGENT_FLEET_SECRETS_SOURCE"
    assert "'ssm'" in str(caught.value)
    assert "auto, extension, secretsmanager" in str(caught.value)
