// A real OpenID Connect provider for the SSO tests: the certified `oidc-provider` package,
// configured from one JSON file the test writes (issuer, port, clients, accounts).
// Its sign-in form is the package's own development form (any password); consent is granted
// on the spot, as a company's identity provider does for its own applications.
//
//   node server.js /path/to/config.json     prints "listening <port>" once ready
//   config: {issuer, port, clients: [client metadata], accountsFile}

import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
// login name -> claims (email, email_verified, groups...), read at each sign-in so that a test
// can change someone's groups between two.
const accounts = () => JSON.parse(readFileSync(config.accountsFile, "utf8"));

const provider = new Provider(config.issuer, {
  clients: config.clients,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  // The ID token carries the scopes' claims, as Okta, Entra ID and Keycloak send them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ["governs-test-oidc-cookie-key"] },
  async findAccount(_ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    grant.addOIDCClaims(["email", "email_verified", "name", "groups"]);
    await grant.save();
    return grant;
  },
});

provider.on("server_error", (_ctx, error) => console.error("server_error", error));

const server = createServer(provider.callback());
server.listen(config.port, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
