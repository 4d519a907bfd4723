// Medusa 1.20.11 configuration for the medusa-conform test target.
// Everything comes from the environment, with fixed test defaults, so that `up`
// and the conformance harness agree on the secrets. Test use only.
const DATABASE_URL =
  process.env.DATABASE_URL ||
  "postgres://postgres@127.0.0.1:54329/medusa_conform";
const JWT_SECRET = process.env.JWT_SECRET || "medusa-conform-jwt-secret";
const COOKIE_SECRET =
  process.env.COOKIE_SECRET || "medusa-conform-cookie-secret";
const CORS = process.env.MEDUSA_CORS || "http://localhost";

module.exports = {
  projectConfig: {
    database_type: "postgres",
    database_url: DATABASE_URL,
    database_extra: {},
    jwt_secret: JWT_SECRET,
    cookie_secret: COOKIE_SECRET,
    store_cors: CORS,
    admin_cors: CORS,
    auth_cors: CORS,
    // No redis_url: sessions live in express-session's in-process MemoryStore.
  },
  plugins: [
    `medusa-fulfillment-manual`,
    `medusa-payment-manual`,
  ],
  modules: {
    eventBus: "@medusajs/event-bus-local",
    cacheService: "@medusajs/cache-inmemory",
  },
  featureFlags: {},
};
