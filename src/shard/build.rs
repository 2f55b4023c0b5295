//! The build identity a shard records and merge checks: the version and the SHA-256 of the
//! running executable, so that shards of another build (a rebuilt binary, a patched copy, a
//! node with an older install) are refused rather than merged into reports that no single
//! build would write.

use std::io::Read;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// `<version>+sha256:<first 16 hex digits of the executable's SHA-256>`, worked out once (the
/// executable is read in full: about half a second for the ~300 MB release binary).
pub fn identity() -> &'static str {
    static IDENTITY: OnceLock<String> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let version = env!("CARGO_PKG_VERSION");
        match executable_sha256() {
            Some(hash) => format!("{version}+sha256:{}", &hash[..16]),
            // (An executable that cannot read itself: its version alone.)
            None => format!("{version}+sha256:unreadable"),
        }
    })
}

/// Starts working out [`identity`] on a thread of its own, to be ready when it is needed.
pub fn prepare() {
    std::thread::spawn(|| {
        identity();
    });
}

fn executable_sha256() -> Option<String> {
    let mut file = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Some(super::layout::hex(hasher))
}
