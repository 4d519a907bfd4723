//! `run`'s default target: with no `--target`, the reference server of the API the run speaks
//! is started in process on an ephemeral loopback port, and the run is handed what a
//! provisioned deployment would export (the JWT secret scenarios forge tokens with; for v2 the
//! publishable key and an events file the server writes reset tokens to), so no scenario is
//! skipped for want of them.

use std::path::PathBuf;

/// A started default target; dropping it stops the server and removes its events file.
pub(crate) struct Embedded {
    pub url: String,
    /// What the line on stderr calls it.
    pub description: &'static str,
    /// Environment for the scenarios, as `tests/targets/*/up` would export it.
    pub env: Vec<(String, String)>,
    /// v2: the key `/store` calls send (v1: none).
    pub publishable_key: Option<String>,
    /// v2: where the server appends `auth.password_reset` events.
    pub events: Option<PathBuf>,
    // Held for their `Drop`: the server stops, then the events file this run made goes.
    _v1: Option<crate::server::v1::Server>,
    _v2: Option<crate::server::v2::Server>,
    _events_file: Option<TempFile>,
}

/// A file this run created, removed when the run ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Starts the reference server for `api` (`crate::api` names; anything but v2 gets v1), on
/// the current tokio runtime. Its publishable key and events file are its own: a key or
/// events file in the environment (`MEDUSA_V2_*`) belongs to a real deployment.
pub(crate) async fn start(api: &str) -> std::io::Result<Embedded> {
    if api != crate::api::v2::API.name {
        let s = crate::server::v1::Server::start_ephemeral().await?;
        return Ok(Embedded {
            url: s.url.clone(),
            description: "a faithful in-process Medusa v1.20 Store Auth implementation",
            env: vec![("MEDUSA_JWT_SECRET".into(), s.jwt_secret.clone())],
            publishable_key: None,
            events: None,
            _v1: Some(s),
            _v2: None,
            _events_file: None,
        });
    }
    let events = TempFile(std::env::temp_dir().join(format!(
        "medusa-conform-events-{}-{}.jsonl",
        std::process::id(),
        crate::server::v1::random_text(9)
    )));
    let s = crate::server::v2::Server::start(crate::server::v2::ServerConfig {
        host: "127.0.0.1".into(),
        events: Some(events.0.clone()),
        ..Default::default()
    })
    .await?;
    Ok(Embedded {
        url: s.url.clone(),
        description: "a faithful in-process Medusa v2.21 customer auth implementation",
        env: vec![("MEDUSA_V2_JWT_SECRET".into(), s.jwt_secret.clone())],
        publishable_key: Some(s.publishable_key.clone()),
        events: Some(events.0.clone()),
        _v1: None,
        _v2: Some(s),
        _events_file: Some(events),
    })
}
