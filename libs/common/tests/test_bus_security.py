"""The bus signs in with ``nats.user``/``nats.password`` and speaks TLS verified against
``nats.tls_ca_file``; every refusal is one clear line without a secret in it."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from inferadb_common.bus import Bus, BusConnectError, safe_url
from inferadb_common.config import ConfigError, NatsConfig, load_settings
from inferadb_testing.nats import NatsServer, write_user_nkey
from inferadb_testing.pytest_plugin import starts_processes


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


_CA_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _builder(subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _issue(
    directory: Path, stem: str, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, usage: x509.ObjectIdentifier
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder("127.0.0.1", ca.subject, key)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_path, key)
    return cert_path, key_path


def make_certificates(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by it."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        _builder("test nats ca", _name("test nats ca"), ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_CA_USAGE, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server = _issue(directory, "server", ca, ca_key, x509.oid.ExtendedKeyUsageOID.SERVER_AUTH)
    client = _issue(directory, "client", ca, ca_key, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH)
    return {
        "ca": directory / "ca.pem",
        "server_cert": server[0],
        "server_key": server[1],
        "client_cert": client[0],
        "client_key": client[1],
    }


def make_ca_and_server_cert(directory: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key)."""
    files = make_certificates(directory)
    return files["ca"], files["server_cert"], files["server_key"]


@pytest.fixture
@starts_processes
def tls_nats(tmp_path: Path) -> Iterator[tuple[NatsServer, Path]]:
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    with NatsServer(tmp_path / "tls-nats", authorization=True, tls=(cert, key)) as server:
        yield server, ca


async def _connect(config: NatsConfig) -> None:
    bus = Bus(config, "bus-security-test")
    try:
        await bus.connect(attempts=2)
        await bus.ensure_streams()
    finally:
        await bus.close()


async def test_tls_verified_against_the_configured_ca(tls_nats: tuple[NatsServer, Path]) -> None:
    server, ca = tls_nats
    config = NatsConfig(url=server.url, user="audit", password=server.passwords["audit"], tls_ca_file=str(ca))
    await _connect(config)


async def test_tls_without_the_ca_is_refused_with_one_line(tls_nats: tuple[NatsServer, Path]) -> None:
    server, _ = tls_nats
    config = NatsConfig(url=server.url, user="audit", password=server.passwords["audit"])
    with pytest.raises(BusConnectError) as refused:
        await _connect(config)
    message = str(refused.value)
    assert message.startswith(f"Failed to connect to NATS at {server.url}: TLS certificate verification failed")
    assert "check nats.tls_ca_file" in message and "\n" not in message
    assert server.passwords["audit"] not in message


@pytest.mark.integration
async def test_a_server_without_tls_is_refused_when_a_ca_is_configured(tmp_path: Path) -> None:
    ca, _, _ = make_ca_and_server_cert(tmp_path)
    with NatsServer(tmp_path / "plain-nats", authorization=True) as server:
        config = NatsConfig(url=server.url, user="audit", password=server.passwords["audit"], tls_ca_file=str(ca))
        with pytest.raises(BusConnectError) as refused:
            await _connect(config)
    assert str(refused.value) == (
        f"Failed to connect to NATS at {server.url}: the server does not offer TLS, but nats.tls_ca_file is set"
    )
    assert "authentication error" not in server.log_text()  # the password was never sent


async def test_an_unreadable_ca_file_is_named(tmp_path: Path, tls_nats: tuple[NatsServer, Path]) -> None:
    server, _ = tls_nats
    missing = tmp_path / "missing-ca.pem"
    config = NatsConfig(url=server.url, user="audit", password=server.passwords["audit"], tls_ca_file=str(missing))
    with pytest.raises(BusConnectError, match=f"cannot read nats.tls_ca_file {missing}: "):
        await _connect(config)


async def test_wrong_credentials_fail_at_once_without_the_password(tls_nats: tuple[NatsServer, Path]) -> None:
    server, ca = tls_nats
    config = NatsConfig(url=server.url, user="audit", password="wrong-secret-value", tls_ca_file=str(ca))
    with pytest.raises(BusConnectError) as refused:
        await _connect(config)
    assert str(refused.value) == (
        f"Failed to connect to NATS at {server.url}: authorization violation (check nats.user and nats.password)"
    )


def test_credentials_in_the_url_never_reach_a_message() -> None:
    assert safe_url("nats://svc:s3cret@nats.example:4222") == "nats://nats.example:4222"
    assert safe_url("tls://nats.example") == "tls://nats.example"


def test_user_and_password_go_together() -> None:
    with pytest.raises(ValueError, match=r"nats\.user and nats\.password must be set together"):
        NatsConfig(user="auth")


@pytest.mark.integration
async def test_a_client_certificate_when_the_server_verifies_clients(tmp_path: Path) -> None:
    files = make_certificates(tmp_path)
    tls = (files["server_cert"], files["server_key"])
    with NatsServer(tmp_path / "mtls-nats", authorization=True, tls=tls, tls_client_ca=files["ca"]) as server:
        config = NatsConfig(
            url=server.url, user="audit", password=server.passwords["audit"], tls_ca_file=str(files["ca"])
        )
        with pytest.raises(BusConnectError):  # the server wants a certificate
            await _connect(config)
        with_cert = config.model_copy(
            update={"tls_cert_file": str(files["client_cert"]), "tls_key_file": str(files["client_key"])}
        )
        await _connect(with_cert)


def test_a_half_configured_identity_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(None, {"INFERADB_MGMT__NATS__PASSWORD": "top-secret-value"})
    assert str(refused.value) == "Invalid configuration: nats: nats.user and nats.password must be set together"


@pytest.fixture
@starts_processes
def nkey_nats(tmp_path: Path) -> Iterator[NatsServer]:
    with NatsServer(tmp_path / "nkey-nats", authorization=True, nkeys=True) as server:
        yield server


async def test_an_nkey_signs_in_without_a_password(nkey_nats: NatsServer) -> None:
    config = NatsConfig(url=nkey_nats.url, user="audit", nkey_seed_file=str(nkey_nats.nkey_seed_files["audit"]))
    await _connect(config)  # signs the nonce, then manages the streams as the audit user may


async def test_an_unknown_nkey_is_refused_in_one_line(tmp_path: Path, nkey_nats: NatsServer) -> None:
    stranger = tmp_path / "stranger.nk"
    write_user_nkey(stranger)
    config = NatsConfig(url=nkey_nats.url, user="audit", nkey_seed_file=str(stranger))
    with pytest.raises(BusConnectError) as refused:
        await _connect(config)
    assert str(refused.value) == (
        f"Failed to connect to NATS at {nkey_nats.url}: authorization violation "
        "(check nats.user and nats.nkey_seed_file)"
    )


async def test_a_missing_or_malformed_seed_file_is_named_without_its_content(tmp_path: Path) -> None:
    missing = tmp_path / "missing.nk"
    with pytest.raises(BusConnectError, match=f"cannot read nats.nkey_seed_file {missing}: "):
        await _connect(NatsConfig(url="nats://127.0.0.1:1", user="audit", nkey_seed_file=str(missing)))
    malformed = tmp_path / "malformed.nk"
    malformed.write_text("SUAnot-a-seed-value")
    with pytest.raises(BusConnectError) as refused:
        await _connect(NatsConfig(url="nats://127.0.0.1:1", user="audit", nkey_seed_file=str(malformed)))
    assert str(refused.value).endswith(f"nats.nkey_seed_file {malformed} holds no valid NKey seed")
    assert "not-a-seed-value" not in str(refused.value)


def test_an_nkey_goes_with_a_user_name_and_without_a_password() -> None:
    with pytest.raises(ValueError, match=r"two ways to sign in"):
        NatsConfig(user="auth", password="secret-value", nkey_seed_file="/run/auth.nk")
    with pytest.raises(ValueError, match=r"nats\.nkey_seed_file needs nats\.user"):
        NatsConfig(nkey_seed_file="/run/auth.nk")
