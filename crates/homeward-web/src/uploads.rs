//! Uploaded files held between the steps of an import (preview, edit the mapping, dry run,
//! import), so that the pages work without JavaScript and the file is sent only once.
//! Held in memory under a random token, for an hour at most, a few at a time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an upload is kept.
const TTL: Duration = Duration::from_secs(3600);
/// How many uploads are kept at once; the oldest goes first.
const MAX_HELD: usize = 16;

/// One held upload.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name, without directories.
    pub file_name: String,
    /// Its bytes.
    pub bytes: std::sync::Arc<Vec<u8>>,
    at: Instant,
}

/// The held uploads.
#[derive(Debug, Default)]
pub struct Uploads {
    held: Mutex<HashMap<String, Upload>>,
}

impl Uploads {
    /// Holds a file and returns its token.
    pub fn put(&self, file_name: String, bytes: Vec<u8>) -> String {
        let token: [u8; 16] = rand::random();
        let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
        let mut held = match self.held.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        held.retain(|_, u| u.at.elapsed() < TTL);
        while held.len() >= MAX_HELD {
            let Some(oldest) = held
                .iter()
                .min_by_key(|(_, u)| u.at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            held.remove(&oldest);
        }
        held.insert(
            token.clone(),
            Upload {
                file_name,
                bytes: std::sync::Arc::new(bytes),
                at: Instant::now(),
            },
        );
        token
    }

    /// The upload held under `token`, if it is still there.
    pub fn get(&self, token: &str) -> Option<Upload> {
        let held = match self.held.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        held.get(token).filter(|u| u.at.elapsed() < TTL).cloned()
    }

    /// Forgets an upload (after it was imported).
    pub fn remove(&self, token: &str) {
        let mut held = match self.held.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        held.remove(token);
    }
}

/// The last component of an uploaded file's name: no directories, no control characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "upload".into()
    } else {
        clean
    }
}
