"""Access tokens for Microsoft Graph with msal.

- Organisation (daemon): client-credentials flow, ConfidentialClientApplication with a certificate
  or a client secret (GRAPH_CLIENT_SECRET), application permission Mail.Read. The certificate is a
  .pfx / .p12 file (key and certificate; its password, if any, is the secret
  graph_certificate_password): msal signs with its SHA-256 thumbprint (PS256), the form msal 1.39
  recommends. A PEM private key with graph_certificate_thumbprint (SHA-1, RS256) still works; msal
  marks that form deprecated.
- Consultant (own account): device-code flow, PublicClientApplication, delegated Mail.Read.

The token cache is persisted in <data_dir>/msal_token_cache.json with 0600 permissions; msal
answers from it while a token is valid. Secrets and tokens never appear in errors or logs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msal

from slopradar.config import ConfigError, Settings
from slopradar.secrets import get_secret

from .graph_mail import GraphError

CACHE_FILE = "msal_token_cache.json"
APP_SCOPES = ["https://graph.microsoft.com/.default"]
USER_SCOPES = ["Mail.Read"]


class PersistentCache(msal.SerializableTokenCache):
    """msal's serialisable cache, written back (0600) whenever it changes."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        if path.is_file():
            self.deserialize(path.read_text(encoding="utf-8"))

    def save(self) -> None:
        if not self.has_state_changed:  # type: ignore[has-type]  # msal sets it untyped in __init__
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.serialize())
        os.chmod(self.path, 0o600)
        self.has_state_changed = False


def _app_credential(settings: Settings) -> Any:
    """The app's credential for msal: a .pfx certificate, a PEM key with its thumbprint, else the client secret."""
    credential: Any
    path = settings.graph_certificate_path
    if path and Path(path).suffix.lower() in (".pfx", ".p12"):
        if not Path(path).is_file():
            raise ConfigError(f"graph_certificate_path: no such file {path}")
        credential = {"private_key_pfx_path": path}  # msal >= 1.29 reads it and uses the SHA-256 thumbprint
        password = get_secret(settings, "graph_certificate_password")
        if password:
            credential["passphrase"] = password
    elif path:
        if not settings.graph_certificate_thumbprint:
            raise ConfigError("graph_certificate_path is a PEM key: it needs graph_certificate_thumbprint (or use the "
                              ".pfx file of the certificate, docs/connectors.md)")
        credential = {"private_key": Path(path).read_text(encoding="utf-8"),
                      "thumbprint": settings.graph_certificate_thumbprint}
        password = get_secret(settings, "graph_certificate_password")
        if password:  # an encrypted PEM key
            credential["passphrase"] = password
    else:
        credential = get_secret(settings, "graph_client_secret")
        if not credential:
            raise ConfigError("no Graph credential: set graph_certificate_path and graph_certificate_thumbprint, or "
                              "GRAPH_CLIENT_SECRET (or graph_client_secret in the secrets file)")
    return credential


def token_provider(settings: Settings, device_code: bool = False, http_client: Any = None,
                   echo: Callable[[str], None] = print) -> Callable[[], str]:
    """A function returning a valid access token (from the cache while it lasts)."""
    if not settings.graph_tenant_id or not settings.graph_client_id:
        raise ConfigError("set graph_tenant_id and graph_client_id (the Entra ID app registration; "
                          "docs/connectors.md)")
    authority = f"https://login.microsoftonline.com/{settings.graph_tenant_id}"
    cache = PersistentCache(settings.data_path / CACHE_FILE)
    extra = {"http_client": http_client} if http_client is not None else {}
    if device_code:
        pub = msal.PublicClientApplication(settings.graph_client_id, authority=authority, token_cache=cache, **extra)

        def user_token() -> str:
            accounts = pub.get_accounts()
            result = pub.acquire_token_silent(USER_SCOPES, account=accounts[0]) if accounts else None
            if not result:
                flow = pub.initiate_device_flow(scopes=USER_SCOPES)
                if "user_code" not in flow:
                    raise GraphError(f"device-code sign-in could not start: {flow.get('error', 'unknown error')}")
                echo(flow["message"])
                result = pub.acquire_token_by_device_flow(flow)
            cache.save()
            return _token(result)

        return user_token
    path = settings.graph_certificate_path
    credential = _app_credential(settings)
    try:
        app = msal.ConfidentialClientApplication(settings.graph_client_id, client_credential=credential,
                                                 authority=authority, token_cache=cache, **extra)
    except (ValueError, TypeError) as exc:  # the key cannot be read; the message never holds the password
        if not path:
            raise
        raise ConfigError(f"cannot read the private key in {path}: check graph_certificate_password (secrets file or "
                          f"GRAPH_CERTIFICATE_PASSWORD) and that the file holds the key and its certificate "
                          f"({type(exc).__name__})") from None

    def app_token() -> str:
        result = app.acquire_token_for_client(scopes=APP_SCOPES)
        cache.save()
        return _token(result)

    return app_token


def _token(result: dict[str, Any] | None) -> str:
    if result and result.get("access_token"):
        return str(result["access_token"])
    result = result or {}
    desc = str(result.get("error_description") or "").split("\n")[0][:200]
    raise GraphError(f"sign-in to Entra ID failed: {result.get('error', 'no token')}: {desc}")
