"""Single sign-on through a municipality's OpenID Connect provider (Authlib's Starlette client).

The authorization-code flow with PKCE: state, nonce and the code verifier wait in the signed session
cookie; Authlib checks the ID token's signature (the provider's JWKS), issuer, audience, nonce and
expiry. KB_OIDC_ROLE_CLAIM's values map to a role through KB_OIDC_ROLES; no match, no entry.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import Request
from joserfc.errors import JoseError

from kb.catalog.accounts import Accounts, role_from_claims
from kb.errors import AccountError
from kb.models import Account, Role
from kb.settings import Settings


class OidcClient:
    def __init__(self, settings: Settings, roles: dict[str, Role]):
        self.settings = settings
        self.roles = roles
        oauth = OAuth()
        oauth.register(
            "idp",
            server_metadata_url=settings.oidc_metadata_url,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256", "timeout": 10},
        )
        self.idp = oauth.idp

    async def redirect(self, request: Request, callback_url: str):
        try:
            return await self.idp.authorize_redirect(request, callback_url)
        except (OAuthError, OSError, ValueError) as exc:
            raise AccountError(f"The identity provider cannot be reached ({exc}); try again later.") from exc

    async def login(self, request: Request, accounts: Accounts) -> Account:
        """Finish the flow: check the ID token, map its claims to a role, find or create the account."""
        try:
            token = await self.idp.authorize_access_token(request)
        except (OAuthError, JoseError, OSError, ValueError) as exc:  # JoseError: a bad ID token (signature, claims)
            raise AccountError(f"The identity provider did not confirm the login ({exc}).") from exc
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise AccountError("The identity provider sent no ID token; ask for the `openid` scope.")
        name = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
        role = role_from_claims(claims, self.settings.oidc_role_claim, self.roles)
        if role is None:
            error = AccountError(f"{name} has no role in Lärdomsbanken (KB_OIDC_ROLES); ask an administrator.")
            error.who = name  # type: ignore[attr-defined]  # a mark for the audit line (web.login)
            raise error
        return accounts.external_login(f"{claims['iss']}|{claims['sub']}", name, role)
