// Starts Medusa 1.20.11 with the same loaders as `medusa start`, but bound to
// 127.0.0.1 only and with telemetry off. Port: $PORT (default 9000).
process.env.MEDUSA_DISABLE_TELEMETRY = "true";
process.env.NODE_ENV = process.env.NODE_ENV || "development";

const path = require("path");
// express is a dependency of @medusajs/medusa; resolve it from there.
const medusaDir = path.dirname(require.resolve("@medusajs/medusa/package.json"));
const express = require(require.resolve("express", { paths: [medusaDir] }));
const loaders = require("@medusajs/medusa/dist/loaders").default;

const port = parseInt(process.env.PORT || "9000", 10);

(async () => {
  const app = express();
  await loaders({ directory: __dirname, expressApp: app });
  const server = app.listen(port, "127.0.0.1", () => {
    console.log(`medusa-conform: Medusa listening on http://127.0.0.1:${port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})().catch((err) => {
  console.error("medusa-conform: server failed to start", err);
  process.exit(1);
});
