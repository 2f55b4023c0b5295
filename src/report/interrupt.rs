//! A run stopped by a signal (Ctrl-C, `kill`, a closed terminal) takes its own leftovers with
//! it: the report folder it was writing, its lock, and the folders it created for `--out`.
//!
//! Each report being written registers what to remove; the first registration starts a thread
//! that waits for SIGINT, SIGTERM and SIGHUP, removes what is registered, and ends the process
//! as the signal would have. The swap of a finished report into place holds the registry, so a
//! signal waits for it to finish rather than catching it half done.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, Once};

/// What a report being written leaves if it is stopped now.
#[derive(Debug, Default)]
pub(super) struct Leftovers {
    /// The folder the report is written into (until it is swapped into place).
    pub(super) temp: Option<PathBuf>,
    /// The lock beside `--out`.
    pub(super) lock: Option<PathBuf>,
    /// Folders created on the way to `--out`, deepest first: removed if empty.
    pub(super) created: Vec<PathBuf>,
}

impl Leftovers {
    /// Removes what is left (folders only if they are empty).
    pub(super) fn remove(&self) {
        if let Some(temp) = &self.temp {
            let _ = fs::remove_dir_all(temp);
        }
        if let Some(lock) = &self.lock {
            let _ = fs::remove_file(lock);
        }
        for folder in &self.created {
            let _ = fs::remove_dir(folder);
        }
    }
}

/// The reports being written, by registration number.
#[derive(Default)]
pub(super) struct Registry {
    next: u64,
    entries: BTreeMap<u64, Leftovers>,
}

impl Registry {
    /// The leftovers registered as `id`, to change as the report is made and finished.
    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut Leftovers> {
        self.entries.get_mut(&id)
    }

    /// Forgets registration `id` (its report is in place, or its leftovers are removed).
    pub(super) fn forget(&mut self, id: u64) {
        self.entries.remove(&id);
    }
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { next: 0, entries: BTreeMap::new() });

/// The registry, held: a signal's clean-up waits until it is released.
pub(super) fn hold() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers what a report being written would leave; returns its number (see
/// [`Registry::get_mut`], [`Registry::forget`]).
pub(super) fn register(leftovers: Leftovers) -> u64 {
    static WATCH: Once = Once::new();
    WATCH.call_once(watch);
    let mut registry = hold();
    let id = registry.next;
    registry.next += 1;
    registry.entries.insert(id, leftovers);
    id
}

/// Starts the thread that cleans up on a signal, and waits until it watches. Without it (a
/// thread or a handler that cannot be had), a signal ends the run as before and the next run
/// into the same `--out` cleans up.
fn watch() {
    #[cfg(unix)]
    {
        use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};
        let (ready, watching) = std::sync::mpsc::channel();
        // The handlers are installed by the thread itself: were it not started, none would be
        // (a handler without its thread would swallow the signal).
        let started = std::thread::Builder::new().name("breachcost-signals".into()).spawn(move || {
            let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]);
            let _ = ready.send(());
            let Ok(mut signals) = signals else { return };
            if let Some(signal) = signals.forever().next() {
                // Held to the end: no report is swapped into place, or registered, meanwhile.
                let registry = hold();
                for leftovers in registry.entries.values() {
                    leftovers.remove();
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // (The default action of these three ends the process; in case it did not.)
                std::process::exit(128 + signal);
            }
        });
        if started.is_ok() {
            let _ = watching.recv();
        }
    }
}
