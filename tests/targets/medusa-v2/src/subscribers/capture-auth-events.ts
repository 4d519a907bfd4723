// Hands the password-reset token to medusa-conform.
//
// Medusa 2 never returns the reset token over HTTP: it only emits the
// `auth.password_reset` event, for a notification provider to e-mail. This
// subscriber appends each such event, as one JSON line, to the file named by
// MEDUSA_V2_EVENTS (set by `up`; nothing is written when it is unset):
//
//   {"name":"auth.password_reset","received_at":"<ISO time>",
//    "data":{"entity_id":"<e-mail>","actor_type":"customer","token":"<JWT>", ...}}
//
// `data` is the event payload exactly as Medusa emitted it. One write() per
// line on an O_APPEND file, so concurrent events never interleave.
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { appendFileSync } from "node:fs"

export default async function captureAuthEvents({
  event,
}: SubscriberArgs<Record<string, unknown>>) {
  const file = process.env.MEDUSA_V2_EVENTS
  if (!file) {
    return
  }
  const line =
    JSON.stringify({
      name: event.name,
      received_at: new Date().toISOString(),
      data: event.data,
    }) + "\n"
  appendFileSync(file, line, { mode: 0o600 })
}

export const config: SubscriberConfig = {
  event: ["auth.password_reset"],
}
