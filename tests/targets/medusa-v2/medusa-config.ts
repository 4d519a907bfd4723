// Medusa 2.21.2 for medusa-conform: the server only (no admin dashboard build),
// everything from the environment that `up` sets.
import { defineConfig } from "@medusajs/framework/utils"

const cors = process.env.MEDUSA_CORS || "http://localhost:8000"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: cors,
      adminCors: cors,
      authCors: cors,
      jwtSecret: process.env.JWT_SECRET,
      cookieSecret: process.env.COOKIE_SECRET,
    },
  },
  admin: {
    disable: true,
  },
})
