//! Delivery into a folder: each message a complete `.eml` file, byte for byte what an SMTP
//! server would have been sent, for a person to open in a mail program.
//!
//! Names start with the UTC time to the nanosecond, so a listing sorts them in the order they
//! were written, and go on with the process id and a per-process count, so two messages never
//! share a name, even in the same nanosecond or from two Kinlink processes on one machine. A
//! file is written under a hidden temporary name and renamed when complete: whoever watches the
//! folder never sees half a message.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::Message;
use lettre::message::Mailbox;
use time::OffsetDateTime;

use crate::MailError;

/// Configured delivery into files (see [`crate::Mailer::files`]).
#[derive(Debug, Clone)]
pub struct Files {
    pub(crate) dir: PathBuf,
    pub(crate) from: Mailbox,
}

impl Files {
    pub(crate) async fn write(&self, message: Message) -> Result<(), MailError> {
        let dir = self.dir.clone();
        let bytes = message.formatted();
        // Writing and syncing a file blocks; keep it off the async workers.
        tokio::task::spawn_blocking(move || write_atomically(&dir, &file_name(), &bytes))
            .await
            .map_err(std::io::Error::other)??;
        Ok(())
    }
}

fn file_name() -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let now = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z-{}-{:06}.eml",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.nanosecond(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
    )
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&temporary, dir.join(name))) {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(())
}
