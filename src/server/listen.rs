//! How a reference server (v1 or v2) gets onto the network: bind the configured address (an
//! empty host is loopback, port 0 an ephemeral port), serve the app in the background, and name
//! the base URL clients use; and `medusa-conform serve`'s foreground loop around that.

use crate::error::Error;
use crate::server::background::{self, Background};
use std::future::Future;

/// A server being served; dropping it stops it.
pub(crate) struct Listening {
    /// `http://host:port`, IPv6 hosts in brackets.
    pub url: String,
    _serving: Background,
}

/// Binds `host:port` (`""` = 127.0.0.1) and serves `app` there until the result is dropped.
pub(crate) async fn listen(host: &str, port: u16, app: axum::Router) -> std::io::Result<Listening> {
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    Ok(Listening {
        url: format!("http://{host}:{}", addr.port()),
        _serving: background::spawn(listener, app),
    })
}

/// `medusa-conform serve`: starts the server on a runtime of its own, prints `banner`'s lines
/// (the last ones `export NAME=value` lines a shell can `eval`), and serves until Ctrl-C.
pub(crate) fn serve_until_ctrl_c<S, F>(
    port: u16,
    start: F,
    banner: impl FnOnce(&S) -> Vec<String>,
) -> Result<(), Error>
where
    F: Future<Output = std::io::Result<S>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(e.to_string()))?;
    rt.block_on(async {
        let server = start
            .await
            .map_err(|e| Error::Usage(format!("cannot listen on port {port}: {e}")))?;
        for line in banner(&server) {
            println!("{line}");
        }
        let _ = tokio::signal::ctrl_c().await;
        drop(server);
        Ok(())
    })
}
