// A real OpenID provider for the single sign-on browser test: `oidc-provider` (a certified
// implementation) on loopback, with its development login and consent pages. Any login name is
// accepted; its `groups` claim comes from GROUPS below. Run as a child process (the package is an
// ES module): node oidc-provider.mjs <port> <client id> <client secret> <redirect uri>
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const GROUPS = { alice: ['staff', 'sentinel-ops'], mallory: ['contractors'] };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'groups'], email: ['email'] },
  // Scope claims in the ID token itself (the relying party reads the role from it).
  conformIdTokenClaims: false,
  cookies: { keys: ['oidc-e2e-cookie-key-0123456789abcdef'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: `${id} (IdP)`, groups: GROUPS[id] ?? [] };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
