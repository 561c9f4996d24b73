"""Headless modes against the embedded org (JWT bearer, client credentials, refresh token) and the mode order."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from salesforce_flow_mcp.auth.credentials import (
    AuthError,
    ClientCredentials,
    JWTBearerCredentials,
    RefreshTokenCredentials,
    StaticCredentials,
    StoredLoginCredentials,
    credentials_from_settings,
)
from salesforce_flow_mcp.auth.grant_modes import jwt_audience
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp
from tests.support import self_signed_certificate

from .helpers import Org, authorized_get, sign_in, stored_sign_in

pytestmark = pytest.mark.anyio
ADMIN = "admin@embedded-org.localhost"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificate_pem(key: rsa.RSAPrivateKey) -> str:
    return self_signed_certificate(key, "salesforce-flow-mcp test").decode()


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    return rsa_key(), rsa_key()


def jwt_settings(org: Org, key_file: Path, username: str = ADMIN) -> Settings:
    return Settings(username=username, jwt_key_file=str(key_file), client_id="JwtApp", login_url=org.url)


async def test_jwt_bearer_signs_in_and_reruns_the_grant_on_401(
    org: Org, tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    key, _ = keys
    org.apps.register(ConnectedApp("JwtApp", jwt_keys=(certificate_pem(key),)))
    key_file = tmp_path / "server.key"
    key_file.write_bytes(private_pem(key))
    credentials = credentials_from_settings(jwt_settings(org, key_file), http_transport=org.transport)
    assert isinstance(credentials, JWTBearerCredentials) and credentials.mode == "JWT bearer"
    first = await credentials.access_token()
    assert credentials.instance_url == org.url
    assert (await authorized_get(org, first)).status_code == 200

    org.state.sessions.expire_all_access_tokens()
    before = org.token_requests
    second = await credentials.refresh(first)
    assert org.token_requests == before + 1 and second != first
    assert (await authorized_get(org, second)).status_code == 200
    await credentials.aclose()


async def test_jwt_bearer_with_a_public_key_instead_of_a_certificate(
    org: Org, tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    key, _ = keys
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    org.apps.register(ConnectedApp("JwtApp", jwt_keys=(public.decode(),)))
    key_file = tmp_path / "server.key"
    key_file.write_bytes(private_pem(key))
    credentials = credentials_from_settings(jwt_settings(org, key_file), http_transport=org.transport)
    assert (await authorized_get(org, await credentials.access_token())).status_code == 200
    await credentials.aclose()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("other key", "signature does not match"),
        ("unknown user", "user hasn't approved this consumer"),
        ("unknown client", "invalid_client_id"),
        ("not a key", "is not a PEM RSA private key"),
        ("public key file", "holds a public key"),
        ("missing file", "Cannot read SALESFORCE_JWT_KEY_FILE"),
    ],
)
async def test_jwt_bearer_failures_are_clear(
    org: Org, tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey], case: str, expected: str
) -> None:
    key, other = keys
    org.apps.register(ConnectedApp("JwtApp", jwt_keys=(certificate_pem(key),)))
    key_file = tmp_path / "server.key"
    key_file.write_bytes(private_pem(other if case == "other key" else key))
    settings = jwt_settings(org, key_file, username="nobody@example.com" if case == "unknown user" else ADMIN)
    if case == "unknown client":
        settings = settings.replaced(client_id="NoSuchApp")
    if case == "not a key":
        key_file.write_text("hello")
    if case == "public key file":
        key_file.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    if case == "missing file":
        key_file.unlink()
    with pytest.raises(AuthError) as caught:
        credentials = credentials_from_settings(settings, http_transport=org.transport)
        try:
            await credentials.access_token()
        finally:
            await credentials.aclose()
    assert expected in str(caught.value)
    assert "BEGIN" not in str(caught.value)


async def test_client_credentials_against_the_org(org: Org) -> None:
    org.apps.register(ConnectedApp("Integration", client_secret="cc-secret-value", client_credentials_user=ADMIN))
    settings = Settings(client_id="Integration", client_secret="cc-secret-value", instance_url=org.url)
    credentials = credentials_from_settings(settings, http_transport=org.transport)
    assert isinstance(credentials, ClientCredentials) and credentials.mode == "client credentials"
    assert credentials.instance_url == org.url  # known before the first token: it is the token URL
    first = await credentials.access_token()
    assert (await authorized_get(org, first)).status_code == 200
    org.state.sessions.expire_all_access_tokens()
    second = await credentials.refresh(first)
    assert second != first and (await authorized_get(org, second)).status_code == 200
    await credentials.aclose()

    wrong = credentials_from_settings(
        Settings(client_id="Integration", client_secret="nope", instance_url=org.url), http_transport=org.transport
    )
    with pytest.raises(AuthError) as caught:
        await wrong.access_token()
    await wrong.aclose()
    assert "invalid_client" in str(caught.value) and "SALESFORCE_CLIENT_SECRET" in str(caught.value)


async def test_refresh_token_mode_learns_the_instance_from_the_token_response(org: Org) -> None:
    token = await sign_in(org)
    settings = Settings(refresh_token=token["refresh_token"], client_id="PlatformCLI", login_url=org.url)
    credentials = credentials_from_settings(settings, http_transport=org.transport)
    assert isinstance(credentials, RefreshTokenCredentials) and credentials.mode == "refresh token"
    with pytest.raises(RuntimeError, match="after the first access_token"):
        _ = credentials.instance_url
    access = await credentials.access_token()
    assert credentials.instance_url == org.url
    assert (await authorized_get(org, access)).status_code == 200
    await credentials.aclose()


async def test_mode_order_first_configured_wins(org: Org, store: TokenStore, tmp_path: Path) -> None:
    everything = Settings(
        instance_url=org.url,
        access_token="00D5g000004SFMC!static.token.for.the.order.test",
        refresh_token="5Aep-refresh-token-for-the-order-test",
        client_id="PlatformCLI",
        client_secret="secret-for-the-order-test",
        username=ADMIN,
        jwt_key_file=str(tmp_path / "key.pem"),
        login_url=org.url,
    )

    def mode(settings: Settings) -> type:
        return type(credentials_from_settings(settings, http_transport=org.transport, store=store))

    assert mode(everything) is StaticCredentials
    without_static = everything.__class__(**{**everything.__dict__, "access_token": None})
    assert mode(without_static) is RefreshTokenCredentials  # no stored login yet
    await stored_sign_in(org, store)
    assert mode(without_static) is StoredLoginCredentials
    store.delete("default")
    no_refresh = without_static.__class__(**{**without_static.__dict__, "refresh_token": None})
    (tmp_path / "key.pem").write_text("placeholder")
    assert mode(no_refresh) is JWTBearerCredentials
    no_jwt = no_refresh.__class__(**{**no_refresh.__dict__, "username": None, "jwt_key_file": None})
    assert mode(no_jwt) is ClientCredentials


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), ["`salesforce-flow-mcp login`", "`--demo`"]),
        (Settings(access_token="00D5g000004SFMC!abcdefghijklmnop"), ["SALESFORCE_INSTANCE_URL is not"]),
        (Settings(refresh_token="5Aep-something"), ["needs SALESFORCE_CLIENT_ID"]),
        (Settings(username=ADMIN), ["SALESFORCE_JWT_KEY_FILE and SALESFORCE_CLIENT_ID"]),
        (Settings(client_id="X", client_secret="Y"), ["My Domain", "SALESFORCE_INSTANCE_URL"]),
        (Settings(client_id="X"), ["SALESFORCE_CLIENT_SECRET", "login"]),
        (Settings(profile="work"), ["no stored login named 'work'", "login --profile work"]),
        (
            Settings(instance_url="http://na1.example.com", access_token="00D5g000004SFMC!abcdefghijklmnop"),
            ["must use https"],
        ),
    ],
)
def test_what_to_set_when_something_is_missing(settings: Settings, expected: list[str]) -> None:
    with pytest.raises(AuthError) as caught:
        credentials_from_settings(settings)
    for text in expected:
        assert text in str(caught.value)
    assert "abcdefghijklmnop" not in str(caught.value)


def test_jwt_audience_follows_salesforce() -> None:
    assert jwt_audience("https://login.salesforce.com") == "https://login.salesforce.com"
    assert jwt_audience("https://acme.my.salesforce.com") == "https://login.salesforce.com"
    assert jwt_audience("https://test.salesforce.com") == "https://test.salesforce.com"
    assert jwt_audience("https://acme--dev.sandbox.my.salesforce.com") == "https://test.salesforce.com"
    assert jwt_audience("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
