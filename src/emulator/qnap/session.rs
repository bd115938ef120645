//! Logged-in sessions: 8-character `[a-z0-9]` sids like a real box, each bound to one
//! user, expiring after the configured lifetime. Several sessions per user coexist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::QnapUser;

#[derive(Clone, Debug)]
pub struct Session {
    pub user: Arc<QnapUser>,
    created: Instant,
}

#[derive(Debug, Default)]
pub struct SessionStore {
    lifetime: Option<Duration>,
    map: Mutex<HashMap<String, Session>>,
}

const SID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `len` random characters from `alphabet`.
pub fn random_token(alphabet: &[u8], len: usize) -> String {
    let mut raw = vec![0u8; len];
    if getrandom::fill(&mut raw).is_err() {
        // No OS randomness: fall back on the clock (the emulator is a test server).
        let seed = Instant::now().elapsed().as_nanos() as u64 ^ std::process::id() as u64;
        for (i, b) in raw.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) & 0xff) as u8;
        }
    }
    raw.iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect()
}

impl SessionStore {
    pub fn new(lifetime: Option<Duration>) -> Self {
        SessionStore {
            lifetime,
            map: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create(&self, user: Arc<QnapUser>) -> String {
        let mut map = self.lock();
        loop {
            let sid = random_token(SID_ALPHABET, 8);
            if !map.contains_key(&sid) {
                map.insert(
                    sid.clone(),
                    Session {
                        user,
                        created: Instant::now(),
                    },
                );
                return sid;
            }
        }
    }

    /// The live session of `sid`; an expired one is forgotten.
    pub fn get(&self, sid: &str) -> Option<Session> {
        let mut map = self.lock();
        let s = map.get(sid)?.clone();
        if self.lifetime.is_some_and(|l| s.created.elapsed() >= l) {
            map.remove(sid);
            return None;
        }
        Some(s)
    }

    pub fn remove(&self, sid: &str) -> bool {
        self.lock().remove(sid).is_some()
    }
}
