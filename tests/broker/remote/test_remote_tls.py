"""TLS between the bot and the gateway: verification is on by default, so a gateway with a
self-signed certificate is refused (and trading stays blocked, saying why) until `ca_file`
names the certificate that signed it; then the same broker, ticks included, works over
https:// and wss://. The certificate is made here with `cryptography`."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.api.server import GatewayServer, start_gateway
from bot.build import build_app, close_app
from bot.remote_ticks import WebSocketTicks
from broker.errors import TemporaryBrokerError
from broker.remote import RemoteBroker
from broker.remote.client import tls_context
from tests.broker.remote.conftest import SECRET, TOKEN, gateway_settings, until


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tradechat test gateway")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "gateway.crt", folder / "gateway.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
async def tls_gateway(
    tmp_path: Path, remote_env: dict[str, str]
) -> AsyncIterator[tuple[str, Path]]:
    cert, key = _self_signed(tmp_path)
    settings = gateway_settings(tmp_path / "vps")
    api = settings.api.model_copy(update={"ssl_certfile": str(cert), "ssl_keyfile": str(key)})
    app = await build_app(settings.model_copy(update={"api": api}))
    server: GatewayServer = await start_gateway(app)
    try:
        yield f"https://127.0.0.1:{server.port}", cert
    finally:
        await server.stop()
        await close_app(app)


async def test_a_self_signed_gateway_is_refused_without_its_ca(
    tls_gateway: tuple[str, Path],
) -> None:
    url, _cert = tls_gateway
    broker = RemoteBroker(url, TOKEN, signing_secret=SECRET)
    try:
        with pytest.raises(TemporaryBrokerError):
            await broker.connect()
        assert broker.disconnect_reason.key == "gateway_unreachable"
        assert broker.disconnect_reason.facts["error"] == "SSLCertVerificationError"
        refused = await broker.open_market("EURUSD", "buy", 0.01)
        assert refused.state == "refused"
    finally:
        await broker.close()


async def test_with_its_ca_file_the_broker_and_its_ticks_work_over_tls(
    tls_gateway: tuple[str, Path],
) -> None:
    url, cert = tls_gateway
    ticks = WebSocketTicks(url, TOKEN, tls=tls_context(True, str(cert)))
    broker = RemoteBroker(url, TOKEN, signing_secret=SECRET, ca_file=str(cert), ticks=ticks)
    try:
        await broker.connect()
        assert (await broker.account()).balance > 0
        assert (await broker.open_market("EURUSD", "buy", 0.01)).state == "done"
        await broker.quote("EURUSD")
        await until(lambda: ticks.streaming("EURUSD"))
        assert ticks.url.startswith("wss://")
    finally:
        await broker.close()
