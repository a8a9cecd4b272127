//! Ctrl-C, SIGTERM and SIGHUP (what `timeout`, `kill` and a closed terminal send): the handler
//! only raises a flag; long work checks it between blocks of paths and stops with
//! [`Interrupted`], so the output folder being filled is abandoned whole and the user is told,
//! within a fraction of a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The error work returns when Ctrl-C stopped it.
#[derive(Debug, thiserror::Error)]
#[error(
    "interrupted (Ctrl-C or a termination signal): stopped, and nothing of this run was written"
)]
pub struct Interrupted;

/// Installs the handler once per process; later calls do nothing.
pub fn install() {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    INSTALLED
        .get_or_init(|| ctrlc::set_handler(|| REQUESTED.store(true, Ordering::SeqCst)).is_ok());
}

/// Whether Ctrl-C has been pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` once Ctrl-C has been pressed.
pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
