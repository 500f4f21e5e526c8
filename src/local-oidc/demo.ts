/**
 * The local OpenID provider's built-in account: a fixed, public development login like the
 * Supabase CLI's demo keys. It only exists on the local provider `lgauth dev` starts.
 */
export const DEMO_OIDC_EMAIL = "demo@lgauth.local";
export const DEMO_OIDC_PASSWORD = "lgauth-demo-password";
export const DEMO_OIDC_NAME = "Demo User";
