//! An axum app served in the background on the current tokio runtime, stopped (gracefully)
//! when its handle is dropped. Shared by the reference server and the fault proxy.

/// Keeps a background server alive; dropping it shuts the server down.
pub struct Background {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

/// Serves `app` on `listener` until the returned handle is dropped.
pub fn spawn(listener: tokio::net::TcpListener, app: axum::Router) -> Background {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Background { shutdown: Some(tx) }
}
