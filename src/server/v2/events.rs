//! How the reset token reaches the harness. Medusa v2 never returns it over HTTP: it emits an
//! `auth.password_reset` event for a notification provider. The project's real v2 server has a
//! subscriber that appends each event to `MEDUSA_V2_EVENTS`; this server writes the same line
//! format to the file given by `serve --events FILE` (mode 0600, appended, never truncated):
//!
//! `{"name":"auth.password_reset","received_at":"<ISO time>","data":{"entity_id":"<identifier>",
//! "actor_type":"customer","token":"<reset JWT>","metadata":{}}}`
//!
//! and keeps them in memory too ([`super::Server::reset_token`]). The lines hold live secrets.

use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Tokens kept in memory (newest last); older ones are dropped beyond this.
const KEEP: usize = 10_000;

pub(crate) struct Events {
    file: Option<PathBuf>,
    recent: Mutex<Vec<(String, String)>>,
}

impl Events {
    pub(crate) fn new(file: Option<PathBuf>) -> Events {
        Events {
            file,
            recent: Mutex::new(Vec::new()),
        }
    }

    /// Emits `auth.password_reset` for `entity_id`.
    pub(crate) fn password_reset(&self, entity_id: &str, actor_type: &str, token: &str) {
        {
            let mut r = self.recent.lock().unwrap();
            if r.len() >= KEEP {
                r.drain(..KEEP / 2);
            }
            r.push((entity_id.to_string(), token.to_string()));
        }
        let Some(path) = &self.file else { return };
        let line = json!({
            "name": "auth.password_reset",
            "received_at": crate::clock::now_rfc3339(),
            "data": {"entity_id": entity_id, "actor_type": actor_type, "token": token, "metadata": {}},
        });
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        // One write per line, so a reader never sees half a line from this writer.
        let written = opts
            .open(path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = written {
            // The path is the user's; the token is never printed.
            eprintln!(
                "medusa-conform serve: cannot append the auth.password_reset event to {}: {e}",
                path.display()
            );
        }
    }

    pub(crate) fn newest_token(&self, entity_id: &str) -> Option<String> {
        self.recent
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(e, _)| e == entity_id)
            .map(|(_, t)| t.clone())
    }
}
