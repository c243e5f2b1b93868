//! Asking a running consumer to stop, from code or from the operating system.

use std::sync::Arc;

use tokio::sync::watch;

/// Stops a [`WorkflowConsumer`](crate::WorkflowConsumer) gracefully: intake stops, in-flight
/// records get the grace period to resolve, offsets are committed and the consumer closes.
/// Cloning shares the handle; triggering it more than once is harmless.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for ShutdownHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl ShutdownHandle {
    /// A handle that has not been triggered.
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Asks for a shutdown.
    pub fn shutdown(&self) {
        self.sender.send_replace(true);
    }

    /// Whether a shutdown was asked for.
    pub fn is_shutdown(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves once a shutdown is asked for.
    pub async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // `wait_for` checks the current value first, so a shutdown asked before the call
        // is not missed; the sender lives in `self`, so the channel cannot close.
        let _ = receiver.wait_for(|stop| *stop).await;
    }

    /// Triggers this handle on Ctrl-C, or on SIGTERM on Unix (what container runtimes send).
    /// Spawns a task on the current tokio runtime. On Unix the signal handlers are installed
    /// before this returns, so a signal sent right after the call is not missed.
    pub fn trigger_on_signals(&self) {
        let handle = self.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
                            _ = interrupt.recv() => tracing::info!("SIGINT received; shutting down"),
                        }
                        handle.shutdown();
                    });
                    return;
                }
                (Err(error), _) | (_, Err(error)) => {
                    tracing::warn!(%error, "cannot install signal handlers; falling back");
                }
            }
        }
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received");
            handle.shutdown();
        });
    }
}

/// Resolves on the first Ctrl-C or SIGTERM.
pub async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
