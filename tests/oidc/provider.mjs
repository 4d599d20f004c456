// A real OpenID Connect provider for COMAtching's sign-in tests: panva's oidc-provider (the
// certified reference implementation, pinned in package.json, installed by scripts/test.sh into
// tests/oidc/node_modules) with its built-in development pages: a login page where any login and
// any password sign in as the account whose `sub` is that login, then a consent page.
//
// Settings, from the environment or `--name=value` arguments (`--port=9000`, `--client-id=…`):
//   PORT           where it listens on 127.0.0.1 (required); the issuer is http://127.0.0.1:PORT
//   CLIENT_ID      the one client's id (default comatching)
//   CLIENT_SECRET  its secret (default comatching-secret), sent with client_secret_basic
//   REDIRECT_URI   its one redirect URI, e.g. http://127.0.0.1:8080/api/auth/oidc/kakao/callback
//   PROVIDER_NAME  shown nowhere (the relying party names the provider itself)
//   TAMPER         none (default), or how this provider misbehaves, to prove the relying party
//                  refuses it: `nonce`, `audience` or `expired` re-sign the ID token it issues
//                  (with its own key, so only the claim is wrong) with another nonce, another
//                  audience, or an expiry an hour ago; `replay-code` sends every sign-in after
//                  the first back with the first sign-in's (already redeemed) code.
//
// Prints `listening <issuer>` on stdout once it accepts connections. Sessions, grants and codes
// live in memory: a restart forgets them. SIGTERM or SIGINT close it; it starts no processes.
//
// By hand:
//   cd tests/oidc && npm ci && PORT=9000 REDIRECT_URI=http://127.0.0.1:8080/api/auth/oidc/kakao/callback \
//     node provider.mjs
//   curl http://127.0.0.1:9000/.well-known/openid-configuration

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

function setting(name, fallback) {
  const flag = `--${name.toLowerCase().replaceAll('_', '-')}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(flag));
  const value = arg ? arg.slice(flag.length) : process.env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback === undefined) {
    console.error(`provider.mjs: ${name} is required (environment or ${flag}…)`);
    process.exit(2);
  }
  return fallback;
}

const port = Number(setting('PORT'));
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`provider.mjs: PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}
const host = '127.0.0.1';
const issuer = `http://${host}:${port}`;
const clientId = setting('CLIENT_ID', 'comatching');
const clientSecret = setting('CLIENT_SECRET', 'comatching-secret');
const redirectUri = setting('REDIRECT_URI');
setting('PROVIDER_NAME', '');
const tamper = setting('TAMPER', 'none');
const TAMPERS = ['none', 'nonce', 'audience', 'expired', 'replay-code'];
if (!TAMPERS.includes(tamper)) {
  console.error(`provider.mjs: TAMPER must be one of ${TAMPERS.join(', ')}, not ${tamper}`);
  process.exit(2);
}

// A fresh RS256 signing key per run (not the library's fixed development key): a relying party
// that cached another run's keys, or skipped the signature, would be caught.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  use: 'sig',
  alg: 'RS256',
};

/// Whoever signs in with login L is account L (as a provider's stable user id), with a nickname
/// and a verified address made from it.
function account(login) {
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        nickname: login,
        email: `${login}@kakao.test`,
        email_verified: true,
      };
    },
  };
}

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  // Signed cookies; their names kept apart from the app's own (same host, another port).
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
  },
  claims: {
    openid: ['sub'],
    profile: ['nickname'],
    email: ['email', 'email_verified'],
  },
  // The scopes' claims in the ID token itself, as Kakao Login puts nickname and email there.
  conformIdTokenClaims: false,
  features: {
    // The library's own login and consent pages (plain forms, plain http).
    devInteractions: { enabled: true },
  },
  // PKCE: S256 is the only method this library knows; a confidential client may leave it out,
  // and a code_challenge sent at authorization must be matched by the code_verifier.
  pkce: { required: () => false },
  findAccount: async (_ctx, sub) => account(sub),
  // One line per failure on stderr (the tests keep it in a log file).
  renderError: async (ctx, out, error) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body>
<h1>oops! something went wrong</h1><pre id="error">${escapeHtml(JSON.stringify(out, null, 2))}</pre></body></html>`;
    console.error(`render error: ${error?.stack ?? error}`);
  },
};

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const provider = new Provider(issuer, configuration);
// The development pages' style sheet imports a web font from the internet: the tests reach
// nothing but loopback, so the import goes, and the pages may load nothing from elsewhere.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.response.is('html') && typeof ctx.body === 'string') {
    ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
    ctx.set('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  }
});
// Misbehaviour on purpose (TAMPER), after the library has done its part.
provider.use(async (ctx, next) => {
  await next();
  if (tamper === 'replay-code') replayFirstCode(ctx);
  else if (tamper !== 'none' && ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token) };
  }
});

/// The ID token with one claim wrong, signed again with this provider's own key.
async function tampered(idToken) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (tamper === 'nonce') claims.nonce = `not-${claims.nonce}`;
  if (tamper === 'audience') claims.aud = 'another-client';
  if (tamper === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  return new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(idToken)).sign(privateKey);
}

/// The first code this provider sends back, sent again in place of every later one.
let firstCode;
function replayFirstCode(ctx) {
  const location = ctx.response.get('Location');
  if (!location || !location.startsWith(redirectUri)) return;
  const url = new URL(location);
  const code = url.searchParams.get('code');
  if (!code) return;
  if (firstCode === undefined) {
    firstCode = code;
    return;
  }
  url.searchParams.set('code', firstCode);
  ctx.redirect(url.href);
  console.error(`replay-code: sent the first code back instead of ${code.slice(0, 6)}…`);
}

for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error',
  'userinfo.error', 'jwks.error', 'discovery.error', 'introspection.error', 'revocation.error']) {
  provider.on(event, (_ctx, error) => {
    console.error(`${event}: ${error?.name ?? ''} ${error?.message ?? error} ${error?.error_description ?? ''}`);
  });
}

const server = provider.listen(port, host);
server.on('listening', () => {
  console.log(`listening ${issuer}`);
});
server.on('error', (error) => {
  console.error(`provider.mjs: cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});

function shutdown() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
