//! Reloading a [`PluginSet`] when its folder changes: a `notify` watcher,
//! and a thread that waits for the writes to pause, then reloads.

use std::sync::mpsc::{channel, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::PluginSet;
use crate::error::Error;

/// Watches a [`PluginSet`]'s folder and reloads the set after each change;
/// from [`PluginSet::watch`]. Dropping it stops watching (after a reload in
/// progress ends).
pub struct Watch {
    watcher: Option<notify::RecommendedWatcher>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

impl Watch {
    pub(super) fn start<S: Send + 'static>(
        set: PluginSet<S>,
        debounce: Duration,
    ) -> Result<Watch, Error> {
        let dir = set.dir().to_owned();
        let failed = |e: &dyn std::fmt::Display| {
            Error::Config(format!("cannot watch {}: {e}", dir.display()))
        };
        let (changed, changes) = channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                // Reads change nothing; anything else (and a watcher error,
                // after which events may have been lost) calls for a rescan.
                if !matches!(&event, Ok(e) if matches!(e.kind, EventKind::Access(_))) {
                    let _ = changed.send(());
                }
            })
            .map_err(|e| failed(&e))?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|e| failed(&e))?;
        let thread = std::thread::Builder::new()
            .name("gohost-plugin-watch".into())
            .spawn(move || {
                // Ends when the watcher, and with it the sender, is dropped.
                while changes.recv().is_ok() {
                    // A build writes a module in many steps: wait for quiet.
                    loop {
                        match changes.recv_timeout(debounce) {
                            Ok(()) => {}
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    if let Err(e) = set.reload() {
                        tracing::warn!(target: "gohost::plugins", "cannot reload: {e}");
                    }
                }
            })
            .map_err(|e| failed(&e))?;
        Ok(Watch {
            watcher: Some(watcher),
            thread: Some(thread),
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        drop(self.watcher.take());
        if let Some(thread) = self.thread.take() {
            // Dropped by an `on_change` callback, on the watch thread
            // itself: it ends on its own once this returns.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}
